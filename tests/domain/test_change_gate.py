"""The change gate's pure rules: what makes an answer suspect, and hold-then-confirm."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from schedule_mcp.domain.change_gate import (
    ChangeRules,
    HeldChange,
    Suspicion,
    is_confirmed,
    next_held,
    professor_suspicion,
    snapshot_suspicion,
    spoken_list,
)
from schedule_mcp.domain.models import Professor, ProfessorSource

T0 = datetime(2026, 9, 1, 12, 0, tzinfo=UTC)
STORED = {"CSCI 111": {"1", "2", "3"}, "CSCI 212": {"4", "5"}, "CSCI 381": {"6"}}


def suspicion(fetched: dict[str, set[str]], loss: float = 0.3) -> Suspicion | None:
    return snapshot_suspicion(STORED, fetched, max_section_loss=loss)


def test_whole_courses_vanishing_are_named() -> None:
    found = suspicion({"CSCI 111": {"1", "2", "3"}})
    assert found is not None
    assert found.reason == (
        "CSCI 212 and CSCI 381 vanished from the CUNY page, and 3 of the 6 stored sections "
        "(50%) are missing from it"
    )


def test_an_empty_page_loses_everything() -> None:
    found = suspicion({})
    assert found is not None and found.reason == "the CUNY page listed none of the 3 stored courses"


def test_section_loss_up_to_the_share_is_fine_above_it_suspect() -> None:
    two_gone = {"CSCI 111": {"1"}, "CSCI 212": {"4", "5"}, "CSCI 381": {"6"}}
    assert suspicion(two_gone, loss=0.34) is None
    found = suspicion(two_gone, loss=0.3)
    assert found is not None and found.reason == (
        "2 of the 6 stored sections (33%) are missing from it"
    )


def test_nothing_stored_or_nothing_lost_is_never_suspect() -> None:
    assert snapshot_suspicion({}, {}, max_section_loss=0.3) is None
    assert snapshot_suspicion({}, {"CSCI 111": {"1"}}, max_section_loss=0.3) is None
    grown = {**STORED, "CSCI 999": {"9"}}
    assert suspicion({k: set(v) for k, v in grown.items()}) is None


def test_the_fingerprint_is_the_loss_not_the_page() -> None:
    one = suspicion({"CSCI 111": {"1", "2", "3"}})
    same_loss_new_rows = suspicion({"CSCI 111": {"1", "2", "3", "7"}, "CSCI 999": {"8"}})
    other_loss = suspicion({"CSCI 212": {"4", "5"}})
    assert one is not None and same_loss_new_rows is not None and other_loss is not None
    assert one.fingerprint == same_loss_new_rows.fingerprint != other_loss.fingerprint


def test_hold_then_confirm() -> None:
    rules = ChangeRules(hold=timedelta(hours=1))
    seen = Suspicion("x", "f1")
    held = next_held("k", seen, None, T0)
    assert held == HeldChange("k", "f1", "x", T0, T0)
    assert not is_confirmed(seen, None, T0, rules)
    assert not is_confirmed(seen, held, T0 + timedelta(minutes=59), rules)
    assert held.holding(T0 + timedelta(minutes=59), rules)
    later = next_held("k", seen, held, T0 + timedelta(minutes=59))
    assert (later.first_seen, later.last_seen) == (T0, T0 + timedelta(minutes=59))
    assert is_confirmed(seen, later, T0 + timedelta(hours=1), rules)
    assert not is_confirmed(Suspicion("x", "f2"), later, T0 + timedelta(hours=2), rules)
    assert next_held("k", Suspicion("y", "f2"), later, T0 + timedelta(hours=2)).first_seen == (
        T0 + timedelta(hours=2)
    )


def ada(**changes: object) -> Professor:
    base = Professor(name="Ada Fenwright", university="QNS01", num_ratings=11, avg_rating=4.2)
    return base.model_copy(update=changes)


@pytest.mark.parametrize(
    ("fetched", "reason"),
    [
        (None, "RateMyProfessors no longer lists Ada Fenwright (11 ratings stored)"),
        (
            ada(data_source=ProfessorSource.NO_PROFILE, num_ratings=0),
            "RateMyProfessors no longer lists Ada Fenwright (11 ratings stored)",
        ),
        (
            ada(num_ratings=0, avg_rating=None),
            "RateMyProfessors now shows 0 ratings and no average for Ada Fenwright "
            "(11 ratings stored)",
        ),
        (
            ada(num_ratings=11, avg_rating=0.0),
            "RateMyProfessors now shows 11 ratings and no average for Ada Fenwright "
            "(11 ratings stored)",
        ),
    ],
)
def test_emptying_a_rated_professor_is_suspect(fetched: Professor | None, reason: str) -> None:
    found = professor_suspicion(ada(), fetched)
    assert found is not None and found.reason == reason


def test_professor_answers_that_lose_nothing() -> None:
    assert professor_suspicion(None, None) is None
    assert professor_suspicion(ada(num_ratings=0, avg_rating=None), None) is None
    assert professor_suspicion(ada(data_source=ProfessorSource.SEARCH_ONLY), None) is None
    assert professor_suspicion(ada(), ada(num_ratings=12, avg_rating=4.0)) is None


def test_spoken_list() -> None:
    assert [spoken_list(list("abcdef"[:n])) for n in range(4)] == ["", "a", "a and b", "a, b and c"]
    assert spoken_list(list("abcdef")) == "a, b, c, d and 2 more"
