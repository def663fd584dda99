"""ProfessorLookupService over the loopback fake RMP: matching, storing, TTL and fallbacks."""

from __future__ import annotations

from pathlib import Path

import pytest

from schedule_mcp.app import App, open_app
from schedule_mcp.config import load_settings
from schedule_mcp.domain.freshness import StaleReason
from schedule_mcp.domain.models import ProfessorSource
from schedule_mcp.errors import DataNotFoundError, DataStaleError, PopulationError
from tests.services.conftest import T0, Clock
from tests.support.fake_upstream import FakeUpstream
from tests.support.fault_server import Fault

RMP = "/graphql"
WEEK, MONTH = 7 * 86400, 30 * 86400


async def test_exact_name_is_stored_with_its_reviews(app: App, fake: FakeUpstream) -> None:
    found = await app.professor_lookup.ensure_professor_data("Ada Fenwright", "QNS01")
    assert found.has_profile and not found.ambiguous
    assert found.professor is not None
    assert (found.professor.name, found.professor.rmp_legacy_id) == ("Ada Fenwright", 101315)
    assert found.professor.last_updated == T0
    assert len(found.reviews) == 11 and found.match_confidence == 1.0
    assert (found.outcome.source, found.outcome.auto_populated) == ("upstream", True)
    stored = await app.professors_repo.find_by_name("Ada Fenwright", "QNS01")
    assert stored is not None and stored.id is not None
    assert len(await app.professors_repo.get_reviews(stored.id)) == 11

    requests = fake.requests(RMP)
    again = await app.professor_lookup.ensure_professor_data("ada  fenwright", "QNS01")
    assert fake.requests(RMP) == requests  # fresh in the store: no RMP request
    assert (again.outcome.source, again.outcome.is_fresh) == ("database", True)
    assert len(again.reviews) == 11


@pytest.mark.parametrize("spelling", ["Fenwright, Ada", "A. Fenwright", "FENWRIGHT, A"])
async def test_last_first_and_initials_match_the_profile(app: App, spelling: str) -> None:
    found = await app.professor_lookup.ensure_professor_data(spelling, "QNS01")
    assert found.professor is not None and found.professor.name == "Ada Fenwright"
    assert not found.ambiguous and found.has_profile
    assert found.reviews
    # the instructor string is remembered as an alias of the profile
    assert (await app.professor_lookup.stored(spelling, "QNS01")) == found.professor


async def test_ambiguous_surname_returns_candidates_and_no_pick(
    app: App, fake: FakeUpstream
) -> None:
    found = await app.professor_lookup.ensure_professor_data("Fenwright", "QNS01")
    assert found.professor is None and not found.has_profile
    assert found.ambiguous
    assert sorted(c.name for c in found.candidates) == ["Ada Fenwright", "Miles Fenwright"]
    assert "candidates" in found.reason
    # candidates are stored from the search only (no reviews fetched for anyone)
    assert fake.rmp.operations.count("ratings") == 0
    rival = await app.professors_repo.find_by_name("Miles Fenwright", "QNS01")
    assert rival is not None and rival.data_source == ProfessorSource.SEARCH_ONLY
    # asking for one candidate by full name fetches that profile fully
    miles = await app.professor_lookup.ensure_professor_data("Miles Fenwright", "QNS01")
    assert miles.professor is not None and miles.professor.data_source == "rmp"
    assert fake.rmp.operations.count("ratings") == 1


async def test_unknown_name_is_remembered_without_asking_rmp_again(
    app: App, fake: FakeUpstream, clock: Clock
) -> None:
    found = await app.professor_lookup.ensure_professor_data("Zzyzx Nobody", "QNS01")
    assert found.professor is not None and found.professor.data_source == ProfessorSource.NO_PROFILE
    assert not found.has_profile and not found.ambiguous and found.reviews == []
    assert "no RateMyProfessors profile" in found.reason
    requests = fake.requests(RMP)
    clock.advance(WEEK - 1)
    again = await app.professor_lookup.ensure_professor_data("Zzyzx Nobody", "QNS01")
    assert fake.requests(RMP) == requests
    assert again.professor is not None and again.professor.data_source == ProfessorSource.NO_PROFILE
    clock.advance(1)  # at the TTL: stale, refreshed in the background
    stale = await app.professor_lookup.ensure_professor_data("Zzyzx Nobody", "QNS01")
    assert stale.outcome.stale_reason == StaleReason.REFRESHING
    await app.professor_lookup.wait_idle()
    assert fake.requests(RMP) > requests


async def test_placeholder_names_never_reach_rmp(app: App, fake: FakeUpstream) -> None:
    for name in ("Staff", "TBA"):
        found = await app.professor_lookup.ensure_professor_data(name, "QNS01")
        assert found.professor is None and "placeholder" in found.reason
    assert fake.requests(RMP) == 0


async def test_rmp_down_with_stored_data_serves_lkg_with_a_warning(
    app: App, fake: FakeUpstream, clock: Clock
) -> None:
    await app.professor_lookup.ensure_professor_data("Ada Fenwright", "QNS01")
    clock.advance(WEEK + MONTH + 1)  # past SWR: a refresh is needed first
    fake.server.inject(RMP, Fault(status=503))
    found = await app.professor_lookup.ensure_professor_data("Ada Fenwright", "QNS01")
    assert found.professor is not None and len(found.reviews) == 11
    assert (found.outcome.is_fresh, found.outcome.stale_reason) == (
        False,
        StaleReason.UPSTREAM_UNAVAILABLE,
    )
    assert found.outcome.fetched_at == T0
    assert "RateMyProfessors failed" in found.outcome.warnings[0]
    clock.advance(180 * 86400)  # past stale-if-error
    with pytest.raises(DataStaleError, match="too old"):
        await app.professor_lookup.ensure_professor_data("Ada Fenwright", "QNS01")


async def test_rmp_down_without_data_is_a_population_error(app: App, fake: FakeUpstream) -> None:
    fake.server.inject(RMP, Fault(status=503))
    with pytest.raises(PopulationError, match="no stored ratings") as caught:
        await app.professor_lookup.ensure_professor_data("Ada Fenwright", "QNS01")
    assert "retry in a minute" in caught.value.for_model().lower()


async def test_slow_rmp_answers_from_store_or_says_retry(
    app: App, fake: FakeUpstream, clock: Clock
) -> None:
    fake.server.inject(RMP, Fault(delay_before_headers=0.3, times=1))
    with pytest.raises(PopulationError, match="still looking up"):
        await app.professor_lookup.ensure_professor_data("Ada Fenwright", "QNS01", timeout=0.02)
    await app.professor_lookup.wait_idle()
    clock.advance(WEEK + MONTH + 1)
    fake.server.inject(RMP, Fault(delay_before_headers=0.3, times=1))
    slow = await app.professor_lookup.ensure_professor_data("Ada Fenwright", "QNS01", timeout=0.02)
    assert slow.outcome.stale_reason == StaleReason.REFRESH_PENDING
    assert "is slow" in slow.outcome.warnings[0]
    await app.professor_lookup.wait_idle()


async def test_review_data_is_refreshed_when_stale(
    app: App, fake: FakeUpstream, clock: Clock
) -> None:
    found = await app.professor_lookup.ensure_professor_data("Ada Fenwright", "QNS01")
    assert found.professor is not None and found.professor.id is not None
    pid = found.professor.id
    ratings = fake.rmp.operations.count("ratings")
    assert len(await app.professor_lookup.ensure_review_data(pid)) == 11
    assert fake.rmp.operations.count("ratings") == ratings
    clock.advance(WEEK)
    assert len(await app.professor_lookup.ensure_review_data(pid)) == 11
    assert fake.rmp.operations.count("ratings") == ratings + 1
    refreshed = await app.professors_repo.get(pid)
    assert refreshed is not None and refreshed.last_updated == clock()
    with pytest.raises(DataNotFoundError):
        await app.professor_lookup.ensure_review_data(99999)


async def test_stored_only_answer(app: App) -> None:
    found = await app.professor_lookup.ensure_professor_data("Ada Fenwright", "QNS01")
    assert found.professor is not None
    answer = await app.professor_lookup.answer_from_store("Ada Fenwright", "QNS01", found.professor)
    assert (answer.outcome.source, answer.outcome.is_fresh) == ("database", True)
    assert len(answer.reviews) == 11


async def test_an_alias_survives_a_restart(tmp_path: Path) -> None:
    settings = load_settings(offline=True, data_dir=tmp_path / "data", cache_dir=tmp_path / "c")
    async with open_app(settings) as first:
        found = await first.professor_lookup.ensure_professor_data("A. Fenwright", "QNS01")
        assert found.professor is not None and found.professor.name == "Ada Fenwright"
    async with open_app(settings) as second:
        again = await second.professor_lookup.ensure_professor_data("A. Fenwright", "QNS01")
        assert again.professor is not None and again.professor.name == "Ada Fenwright"
        assert second.professor_lookup.upstream_fetches == 0  # the store answered
