"""`schedule-mcp db`: schema migrations on the configured database."""

from __future__ import annotations

import re

import pytest

from schedule_mcp import cli


def test_db_commands(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["db", "current"]) == 0
    assert capsys.readouterr().out.strip() == "base (no schema)"
    assert cli.main(["db", "upgrade"]) == 0
    upgraded = capsys.readouterr().out.strip()
    assert re.fullmatch(r"upgraded to \w+", upgraded), upgraded
    revision = upgraded.removeprefix("upgraded to ")
    assert cli.main(["db", "current"]) == 0
    assert capsys.readouterr().out.strip() == revision
    assert cli.main(["db", "check"]) == 0
    assert capsys.readouterr().out.strip().endswith("schema matches the models")
    assert cli.main(["db", "downgrade", "base"]) == 0
    assert capsys.readouterr().out.strip() == "downgraded to base"
    assert cli.main(["db", "current"]) == 0
    assert capsys.readouterr().out.strip() == "base (no schema)"
