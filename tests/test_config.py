from pathlib import Path

import pytest

from schedule_mcp.config import ConfigError, Settings, load_settings


def test_defaults_give_an_embedded_sqlite_database(tmp_path: Path) -> None:
    settings = load_settings()
    assert (
        settings.resolved_database_url == f"sqlite+aiosqlite:///{tmp_path / 'data' / 'schedule.db'}"
    )
    assert settings.is_sqlite
    assert settings.sections_ttl == 3600
    assert settings.cuny_url == "https://globalsearch.cuny.edu/CFGlobalSearchTool"
    assert settings.rmp_url == "https://www.ratemyprofessors.com/graphql"
    assert not settings.offline


def test_environment_variables_override(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCHEDULE_MCP_OFFLINE", "1")
    monkeypatch.setenv("SCHEDULE_MCP_DATABASE_URL", "postgresql+asyncpg://u@h/db")
    monkeypatch.setenv("SCHEDULE_MCP_LOG_LEVEL", "debug")
    settings = load_settings()
    assert settings.offline
    assert settings.log_level == "DEBUG"
    assert not load_settings(offline=False).is_sqlite


def test_offline_keeps_its_own_store_and_cache_under_data_dir_sample(tmp_path: Path) -> None:
    """The configured URL and cache dir are live mode's; offline never uses them."""
    live = load_settings(database_url="postgresql+asyncpg://u@h/db", cache_dir=tmp_path / "c")
    sample = live.model_copy(update={"offline": True})
    assert (live.state_dir, live.resolved_cache_dir) == (tmp_path / "data", tmp_path / "c")
    assert live.resolved_database_url == "postgresql+asyncpg://u@h/db"
    assert sample.state_dir == tmp_path / "data" / "sample"
    assert sample.resolved_database_url == (
        f"sqlite+aiosqlite:///{tmp_path / 'data' / 'sample' / 'schedule.db'}"
    )
    assert sample.resolved_cache_dir == tmp_path / "data" / "sample" / "cache"
    assert sample.is_sqlite


@pytest.mark.parametrize(
    ("name", "value", "accepts"),
    [
        ("SCHEDULE_MCP_HOST_CONCURRENCY", "lots", "valid integer"),
        ("SCHEDULE_MCP_LOG_LEVEL", "chatty", "DEBUG"),
        ("SCHEDULE_MCP_OFFLINE", "perhaps", "boolean"),
        ("SCHEDULE_MCP_TOOL_TIMEOUT", "90", "less than 50"),
        ("SCHEDULE_MCP_CUNY_URL", "not a url", "pattern"),
    ],
)
def test_invalid_values_are_one_line_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, accepts: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as info:
        load_settings()
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(name)
    assert accepts in message


def test_overrides_win_over_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCHEDULE_MCP_OFFLINE", "0")
    assert load_settings(offline=True).offline
    assert isinstance(load_settings(), Settings)
