"""A database URL schedule-mcp cannot use is one line naming the setting and the fix."""

from __future__ import annotations

import pytest

from schedule_mcp.errors import StorageConfigError
from schedule_mcp.storage.db import Database
from schedule_mcp.storage.drivers import check_driver


@pytest.mark.parametrize(
    "url", ["sqlite+aiosqlite:///x.db", "sqlite+aiosqlite://", "postgresql+asyncpg://u@h/db"]
)
def test_supported_urls_pass(url: str) -> None:
    check_driver(url)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("not a url", "SCHEDULE_MCP_DATABASE_URL is not a database URL"),
        ("sqlite:///x.db", "uses sqlite+pysqlite, which schedule-mcp does not support"),
        ("postgresql://u@h/db", "uses postgresql+psycopg, which schedule-mcp does not support"),
        ("mysql+aiomysql://u@h/db", "uses mysql+aiomysql, which schedule-mcp does not support"),
    ],
)
def test_unusable_urls_are_one_clear_line(url: str, message: str) -> None:
    with pytest.raises(StorageConfigError) as caught:
        Database.from_url(url)
    text = caught.value.for_model()
    assert message in text and "\n" not in text


def test_missing_driver_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "asyncpg", None)  # makes `import asyncpg` fail
    with pytest.raises(StorageConfigError, match="asyncpg driver for postgresql is not installed"):
        check_driver("postgresql+asyncpg://u@h/db")
