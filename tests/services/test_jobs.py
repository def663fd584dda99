"""JobService: sync jobs over the offline world, and the admin queue (coalescing, hourly
rate limit, audit)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from schedule_mcp.app import App
from schedule_mcp.domain.colleges import find_college
from schedule_mcp.domain.models import SyncEntity, SyncStatus
from schedule_mcp.domain.terms import parse_term
from schedule_mcp.errors import InputError
from schedule_mcp.services.jobs import JobService, RateLimitedError
from tests.services.conftest import FALL, Clock
from tests.support.fake_upstream import FakeUpstream
from tests.support.fault_server import FakeClock, Fault


def _jobs(app: App, clock: Clock, monotonic: FakeClock, audit: Path | None) -> JobService:
    return JobService(
        population=app.population,
        professor_lookup=app.professor_lookup,
        professors=app.professors,
        courses=app.courses,
        sync=app.sync,
        cache=app.cache,
        clock=clock,
        monotonic=monotonic,
        audit_path=audit,
    )


async def test_sync_courses_fills_an_empty_database(offline: App) -> None:
    seen: list[tuple[str, int, int]] = []
    record = await offline.jobs.sync_courses(
        FALL, "qns01", progress=lambda label, done, total: seen.append((label, done, total))
    )
    assert record.job == "sync_courses"
    assert record.count == await offline.courses.count_sections("QNS01", 1269) == 168
    assert len(seen) == 7 and seen[-1][1:] == (7, 7)
    snapshots = {
        i.subject: i.row_count for i in await offline.courses.list_snapshots("QNS01", 1269)
    }
    # subjects listed but not offered this term (ACCT, PSYCH) are stored empty, not errors
    assert snapshots == {
        "ACCT": 0,
        "BIOL": 20,
        "CMSC": 48,
        "ENGL": 40,
        "MATH": 45,
        "PHYS": 15,
        "PSYCH": 0,
    }
    assert record.success and record.errors == [] and len(record.items) == 7
    metadata = await offline.freshness.get_sync_metadata(SyncEntity.COURSES, FALL, "QNS01")
    assert metadata is not None and metadata.sync_status is SyncStatus.SUCCESS
    assert metadata.last_sync is not None

    again = await offline.jobs.sync_courses()  # every known college and term
    assert again.count == 168 and len(again.items) == 7 and again.success
    with pytest.raises(InputError, match="nothing stored yet"):
        await offline.jobs.sync_courses(None, "HTR01")


async def test_sync_courses_reports_failure_when_every_subject_fails(
    app: App, fake: FakeUpstream
) -> None:
    await app.population.list_subjects(find_college("HTR01"), parse_term(FALL))
    fake.server.inject("/CFGlobalSearchTool", Fault(status=503))
    record = await app.jobs.sync_courses(FALL, "HTR01")
    assert not record.success and record.count == 0 and len(record.errors) == 3
    metadata = await app.freshness.get_sync_metadata(SyncEntity.COURSES, FALL, "HTR01")
    assert metadata is not None and metadata.sync_status is SyncStatus.FAILED
    assert metadata.error_message and "class search site failed" in metadata.error_message


async def test_scrape_reviews_and_update_grades(offline: App) -> None:
    one = await offline.jobs.scrape_reviews("Ada Fenwright", "QNS01")
    assert one.success and one.count == 11 and one.items == ["Ada Fenwright (QNS01)"]
    with pytest.raises(InputError, match="needs a university"):
        await offline.jobs.scrape_reviews("Ada Fenwright")
    metadata = await offline.sync.get(SyncEntity.REVIEWS, "all", "QNS01")
    assert metadata is not None and metadata.sync_status is SyncStatus.SUCCESS

    await offline.jobs.sync_courses(FALL, "QNS01")
    await offline.professor_lookup.ensure_professor_data("Odette Rookhart", "QNS01")
    await offline.professor_lookup.ensure_professor_data("Zzyzx Nobody", "QNS01")
    everyone = await offline.jobs.scrape_reviews()
    assert sorted(everyone.items) == ["Ada Fenwright (QNS01)", "Odette Rookhart (QNS01)"]
    assert everyone.count == 11 + 66

    grades = await offline.jobs.update_professor_grades()
    assert grades.success and grades.count == 2  # the no-profile record has no grade
    assert sorted(grades.items) == ["Ada Fenwright", "Odette Rookhart", "Zzyzx Nobody"]
    stored = await offline.professors_repo.find_by_name("Ada Fenwright", "QNS01")
    assert stored is not None and stored.id is not None
    single = await offline.jobs.update_professor_grades(stored.id)
    assert (single.count, single.items) == (1, ["Ada Fenwright"])
    with pytest.raises(InputError, match="no stored professor"):
        await offline.jobs.update_professor_grades(99999)


async def test_submit_coalesces_within_ten_minutes(
    offline: App, clock: Clock, tmp_path: Path
) -> None:
    monotonic = FakeClock()
    audit = tmp_path / "audit.jsonl"
    jobs = _jobs(offline, clock, monotonic, audit)
    first = jobs.submit(SyncEntity.COURSES, FALL, "QNS01", caller="alice")
    assert first.state == "queued" and not first.coalesced
    monotonic.advance(599)
    same = jobs.submit(SyncEntity.COURSES, FALL, "QNS01", caller="bob")
    assert same.job_id == first.job_id and same.coalesced
    await jobs.wait_idle()
    finished = jobs.jobs[first.job_id]
    assert finished.state in {"succeeded", "failed"} and finished.record is not None
    assert finished.record.count == 168
    monotonic.advance(1)  # 10 minutes after the first submission: a new job
    later = jobs.submit(SyncEntity.REVIEWS, "all", "QNS01", caller="alice")
    other = jobs.submit(SyncEntity.COURSES, FALL, "QNS01", caller="alice")
    assert len({first.job_id, later.job_id, other.job_id}) == 3
    await jobs.wait_idle()
    assert jobs.jobs[later.job_id].state == "succeeded"

    entries = [json.loads(line) for line in audit.read_text().splitlines()]
    assert entries == jobs.audit
    assert [(e["caller"], e["job_id"], e["outcome"]) for e in entries[:3]] == [
        ("alice", first.job_id, "accepted"),
        ("bob", first.job_id, "coalesced"),
        ("alice", first.job_id, finished.state),
    ]
    assert entries[0]["arguments"] == {
        "entity_type": "courses",
        "semester": FALL,
        "university": "QNS01",
        "force": False,
    }
    assert entries[0]["tool"] == "admin_sync" and entries[0]["at"] == clock().isoformat()


async def test_submit_rate_limits_the_seventh_job_in_an_hour(offline: App, clock: Clock) -> None:
    monotonic = FakeClock()
    jobs = _jobs(offline, clock, monotonic, None)
    accepted = []
    for university in ("QNS01", "HTR01", "BAR01", "CTY01", "BKL01", "LEH01"):
        accepted.append(jobs.submit(SyncEntity.REVIEWS, "all", university, caller="eve").job_id)
        monotonic.advance(60)
    await jobs.aclose()  # the queued work is not what this test is about
    assert len(set(accepted)) == 6
    with pytest.raises(RateLimitedError) as caught:
        jobs.submit(SyncEntity.COURSES, FALL, "QNS01", caller="eve")
    assert caught.value.retry_after == pytest.approx(3600 - 360)
    assert "retry after" in str(caught.value)
    assert jobs.audit[-1]["outcome"] == "rate_limited" and jobs.audit[-1]["job_id"] is None
    # coalescing still answers for a known key while rate limited
    assert jobs.submit(SyncEntity.REVIEWS, "all", "LEH01").job_id == accepted[-1]
    monotonic.advance(3600 - 360)  # the first acceptance leaves the hour window
    fresh = jobs.submit(SyncEntity.COURSES, "2026 Spring", "QNS01")
    assert fresh.job_id not in accepted
    await jobs.aclose()


async def test_refreshed_reviews_are_not_hidden_by_cached_grades(app: App, clock: Clock) -> None:
    queens = find_college("QNS01")
    before = await app.professors.report("Ada Fenwright", queens)
    assert (await app.professors.report("Ada Fenwright", queens)).metadata.source == "cache"
    clock.advance(3600)
    await app.jobs.scrape_reviews("Ada Fenwright", "QNS01")
    after = await app.professors.report("Ada Fenwright", queens)
    assert after.metadata.source != "cache"
    assert after.metadata.fetched_at == clock() != before.metadata.fetched_at
    # update_professor_grades recomputes rather than reading cached answers back
    clock.advance(60)
    found = await app.professor_lookup.ensure_professor_data("Ada Fenwright", "QNS01", force=True)
    assert found.professor is not None and found.professor.id is not None
    graded = await app.jobs.update_professor_grades(found.professor.id)
    assert graded.count == 1
    latest = await app.professors.report("Ada Fenwright", queens)
    assert latest.metadata.fetched_at == clock()
