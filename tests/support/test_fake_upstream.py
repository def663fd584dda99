"""The fake upstream's content faults: each one breaks the page it names, once when counted."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from schedule_mcp.sample.exchange import html_response
from schedule_mcp.sample.render import render_landing, render_results
from schedule_mcp.sample.world import load_sample_world
from schedule_mcp.upstream.cuny_pages import parse_count
from tests.support.fake_upstream import (
    RMP_TEST_AUTH,
    ContentFault,
    FakeUpstream,
    apply_results_fault,
    count_sections,
)

WORLD = load_sample_world()
COURSES = WORLD.courses("QNS01", 1269, "CMSC")
SECTIONS = count_sections(COURSES)
HEALTHY = html_response(render_results("Queens College", COURSES))


@pytest.fixture
async def fake() -> AsyncIterator[FakeUpstream]:
    async with FakeUpstream(WORLD) as upstream:
        yield upstream


def faulty_page(fault: ContentFault) -> str:
    return apply_results_fault(fault, HEALTHY).body.decode("iso-8859-1")


def test_each_results_fault_breaks_what_it_names() -> None:
    assert len(COURSES) == 4 and SECTIONS == 48
    renamed = faulty_page(ContentFault.RENAMED_CLASSES)
    assert "classinfo" not in renamed and "testing_msg" not in renamed
    assert renamed.count('<table class="class-info"') == len(COURSES)
    missing = faulty_page(ContentFault.MISSING_TABLE)
    assert "<table" not in missing and missing.count("<p>No listing</p>") == len(COURSES)
    extra = faulty_page(ContentFault.EXTRA_COLUMN)
    assert extra.count('<td data-label="Seats">12</td>') == SECTIONS
    assert parse_count(faulty_page(ContentFault.COUNT_MISMATCH)) == SECTIONS + 1
    with pytest.raises(UnicodeDecodeError):
        apply_results_fault(ContentFault.NON_UTF8, HEALTHY).body.decode("utf-8")


def test_results_faults_leave_other_pages_alone() -> None:
    landing = html_response(render_landing([("QNS01", "Queens College")], []))
    for fault in ContentFault:
        assert apply_results_fault(fault, landing) is landing
    assert apply_results_fault(None, HEALTHY) is HEALTHY


async def test_content_faults_apply_once_when_counted(fake: FakeUpstream) -> None:
    fake.cuny.set_fault(ContentFault.MAINTENANCE, times=1)
    async with httpx.AsyncClient(base_url=fake.cuny_url + "/") as http:
        assert "Maintenance" in (await http.get("search.jsp")).text
        assert "JSESSIONID" in (await http.get("search.jsp")).headers["set-cookie"]


async def test_rmp_auth_requirement(fake: FakeUpstream) -> None:
    fake.rmp.require_auth = True
    query = {"query": "query { node(id: $id) { id } }", "variables": {}}
    async with httpx.AsyncClient() as client:
        assert (await client.post(fake.rmp_url, json=query)).status_code == 401
        allowed = await client.post(
            fake.rmp_url, json=query, headers={"Authorization": RMP_TEST_AUTH}
        )
    assert allowed.status_code == 200 and fake.rmp.operations == ["teacher"]
