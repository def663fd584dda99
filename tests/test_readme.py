"""README.md stays true: every setting is documented, the quick start is the real one."""

from pathlib import Path

from schedule_mcp.config import ENV_PREFIX, Settings

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
CI = (Path(__file__).resolve().parents[1] / ".ci" / "run").read_text(encoding="utf-8")


def test_every_setting_is_in_the_configuration_reference() -> None:
    missing = [
        name for name in Settings.model_fields if f"`{ENV_PREFIX}{name.upper()}`" not in README
    ]
    assert missing == []


def test_ci_runs_the_readme_test_command() -> None:
    command = "python -m pytest --cov=schedule_mcp --cov-fail-under=85"
    assert command in README
    assert command in CI


def test_quick_start_plans_offline_on_the_sample_data() -> None:
    assert (
        'schedule-mcp plan --offline --college QNS01 --term "2026 Fall" '
        '"CSCI 212" "MATH 151" "ENGL 110"' in README
    )
