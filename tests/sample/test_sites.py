"""The sample sites behave like the documented ones (session, field order, shapes), served
in-process through the offline transport."""

from __future__ import annotations

import base64
import json
import urllib.parse
from collections.abc import AsyncIterator

import httpx
import pytest

from schedule_mcp.config import Settings
from schedule_mcp.sample.cuny_site import MAX_SESSIONS, STEP2_ORDER, CunySite
from schedule_mcp.sample.exchange import SiteRequest
from schedule_mcp.sample.transport import offline_transport
from schedule_mcp.sample.world import load_sample_world
from schedule_mcp.upstream.cuny import step1_form, step2_form
from schedule_mcp.upstream.cuny_pages import SubjectOption, TermOption, parse_count, parse_subjects

WORLD = load_sample_world()
CMSC = SubjectOption("CMSC", "Computer Science")
SETTINGS = Settings()


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    transport = offline_transport(WORLD, SETTINGS)
    async with httpx.AsyncClient(transport=transport, base_url=SETTINGS.cuny_url + "/") as client:
        yield client


async def post(http: httpx.AsyncClient, form: list[tuple[str, str]], cookie: str) -> httpx.Response:
    return await http.post(
        "CFSearchToolController",
        content=urllib.parse.urlencode(form),
        headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
    )


async def session(http: httpx.AsyncClient) -> str:
    landing = await http.get("search.jsp")
    assert landing.headers["content-type"] == "text/html"  # no charset: ISO-8859-1 applies
    cookie = landing.headers["set-cookie"]
    assert cookie.startswith("JSESSIONID=") and "HttpOnly" in cookie
    return cookie.split(";", 1)[0]


STEP1 = step1_form("QNS01", "Queens College", TermOption(1269, "2026 Fall Term"))


async def test_steps_need_the_session_cookie(http: httpx.AsyncClient) -> None:
    without = await post(http, STEP1, "JSESSIONID=forged")
    assert 'name="term_value"' in without.text  # back to the landing form
    cookie = await session(http)
    criteria = await post(http, STEP1, cookie)
    assert [s.code for s in parse_subjects(criteria.text)][:3] == ["ACCT", "BIOL", "CMSC"]
    results = await post(http, step2_form(CMSC), cookie)
    assert parse_count(results.text) == 48
    other = await session(http)  # a second session has no institution + term yet
    assert 'name="term_value"' in (await post(http, step2_form(CMSC), other)).text


async def test_step2_field_order_and_time_operators_matter(http: httpx.AsyncClient) -> None:
    cookie = await session(http)
    await post(http, STEP1, cookie)
    form = step2_form(CMSC)
    assert [key for key, _ in form if key in STEP2_ORDER] == [
        k for k in STEP2_ORDER if k != "open_class"
    ]
    shuffled = list(reversed(form))
    assert (await post(http, shuffled, cookie)).status_code == 500
    no_time = [(k, v) for k, v in form if not k.startswith("meeting")]
    assert (await post(http, no_time, cookie)).status_code == 500


async def test_unknown_paths_are_404(http: httpx.AsyncClient) -> None:
    assert (await http.get("admin.jsp")).status_code == 404


async def test_sessions_are_bounded_oldest_first() -> None:
    site = CunySite(WORLD)
    landing = SiteRequest("GET", f"{site.base_path}/search.jsp", {}, {}, b"")
    cookies = [(await site(landing)).header_pairs()[-1][1] for _ in range(MAX_SESSIONS + 2)]
    tokens = [cookie.split(";", 1)[0].removeprefix("JSESSIONID=") for cookie in cookies]
    assert len(site.sessions) == MAX_SESSIONS
    assert list(site.sessions) == tokens[2:]


async def graphql(query: str, variables: dict[str, object]) -> httpx.Response:
    async with httpx.AsyncClient(transport=offline_transport(WORLD, SETTINGS)) as client:
        return await client.post(SETTINGS.rmp_url, json={"query": query, "variables": variables})


async def test_rmp_roots_follow_the_alias() -> None:
    aliased = await graphql(
        "query { search: newSearch { schools(query: $q) { edges } } }",
        {"query": {"text": "Baruch"}},
    )
    plain = await graphql(
        "query { newSearch { schools(query: $q) { edges } } }", {"query": {"text": "Baruch"}}
    )
    assert "search" in aliased.json()["data"] and "newSearch" in plain.json()["data"]
    node = plain.json()["data"]["newSearch"]["schools"]["edges"][0]["node"]
    assert (node["legacyId"], node["id"]) == (222, "U2Nob29sLTIyMg==")


async def test_rmp_teacher_pagination_and_fallback() -> None:
    school = base64.b64encode(b"School-900001").decode()
    query = 'query { search: newSearch { teachers(query: $query, first: 8, after: "") { edges } } }'
    first = (await graphql(query, {"query": {"text": "", "schoolID": school}})).json()
    teachers = first["data"]["search"]["teachers"]
    assert len(teachers["edges"]) == 8 and teachers["pageInfo"]["hasNextPage"]
    assert {e["node"]["school"]["id"] for e in teachers["edges"]} == {school}
    fallback = (
        await graphql(query, {"query": {"text": "Zzyzx", "schoolID": school, "fallback": True}})
    ).json()
    found = fallback["data"]["search"]["teachers"]
    assert found["didFallback"] is True
    assert school not in {e["node"]["school"]["id"] for e in found["edges"]}


async def test_rmp_bad_requests() -> None:
    async with httpx.AsyncClient(transport=offline_transport(WORLD, SETTINGS)) as client:
        assert (await client.get(SETTINGS.rmp_url)).status_code == 405
        bad = await client.post(SETTINGS.rmp_url, content=b"{")
        no_query = await client.post(SETTINGS.rmp_url, json={"variables": {}})
        unknown = await client.post(SETTINGS.rmp_url, json={"query": "query { viewer { id } }"})
    assert bad.status_code == 400 and json.loads(bad.content)["errors"]
    assert no_query.status_code == 400
    assert unknown.json()["errors"][0]["message"] == "Cannot query field on type Query"
    invalid = await graphql("query { node(id: $id) { id } }", {"id": "not-an-id"})
    assert invalid.json() == {"errors": [{"message": "Invalid ID", "path": ["node"]}], "data": None}
