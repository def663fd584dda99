"""Offline, a college outside the sample world is refused with the world's own list."""

from __future__ import annotations

import pytest

from schedule_mcp.cli.scope import require_sample_colleges, resolve_college, resolve_term
from schedule_mcp.config import Settings
from schedule_mcp.domain.colleges import get_college
from schedule_mcp.errors import InputError
from schedule_mcp.sample import world as offline
from schedule_mcp.sample.world import load_sample_world

OFFLINE = Settings(offline=True)
ONLINE = Settings(offline=False)


def test_every_sample_college_is_accepted_offline() -> None:
    codes = [college.code for college in load_sample_world().colleges]
    assert codes
    assert [resolve_college(code, OFFLINE).code for code in codes] == codes


def test_online_every_cuny_college_is_accepted() -> None:
    assert resolve_college("Brooklyn College", ONLINE).code == "BKL01"


def test_the_list_comes_from_the_sample_data(monkeypatch: pytest.MonkeyPatch) -> None:
    world = load_sample_world()
    smaller = world.model_copy(update={"colleges": world.colleges[:1]})
    monkeypatch.setattr(offline, "load_sample_world", lambda: smaller)
    only = world.colleges[0].code
    with pytest.raises(InputError) as refused:
        require_sample_colleges(
            [get_college(only), get_college("BKL01"), get_college("CTY01")], OFFLINE
        )
    assert str(refused.value) == (
        f"the offline sample world has only {only}, not BKL01 and CTY01; "
        "drop offline mode to ask CUNY"
    )


@pytest.mark.parametrize(("text", "error"), [("Hogwarts", "unknown college"), ("", "empty")])
def test_a_bad_college_is_an_input_error(text: str, error: str) -> None:
    with pytest.raises(InputError, match=error):
        resolve_college(text, ONLINE)


def test_a_bad_term_is_an_input_error() -> None:
    with pytest.raises(InputError, match="unrecognised term"):
        resolve_term("someday")
