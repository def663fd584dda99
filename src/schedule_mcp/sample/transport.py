"""Offline mode: the bundled sample world served in-process through the real parsers.

`offline_transport()` is an `httpx.AsyncBaseTransport` that answers CUNY and RMP requests
with the sample sites (no port, no network), so a `ResilientClient` built with it runs the
real flow and parsers over package data. The world itself and its linked-lab convention
are described in `schedule_mcp.sample.world`.
"""

from __future__ import annotations

import urllib.parse

import httpx

from schedule_mcp.config import Settings
from schedule_mcp.sample.cuny_site import CunySite
from schedule_mcp.sample.exchange import SiteHandler, SiteRequest
from schedule_mcp.sample.rmp_site import RmpSite
from schedule_mcp.sample.sites import site_handler
from schedule_mcp.sample.world import World, load_sample_world


class HandlerTransport(httpx.AsyncBaseTransport):
    """Calls a site handler in-process for each request."""

    def __init__(self, handler: SiteHandler) -> None:
        self._handler = handler

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        site_request = SiteRequest(
            method=request.method,
            path=request.url.path,
            query=urllib.parse.parse_qs(request.url.query.decode("ascii"), keep_blank_values=True),
            headers={key.lower(): value for key, value in request.headers.items()},
            body=body,
        )
        response = await self._handler(site_request)
        return httpx.Response(
            response.status,
            headers=response.header_pairs(),
            content=response.body,
            request=request,
        )


def offline_transport(
    world: World | None = None, settings: Settings | None = None
) -> httpx.AsyncBaseTransport:
    """A transport serving both sites from `world` (default: the sample world) at the
    paths of `settings.cuny_url` and `settings.rmp_url` (default: the real URLs)."""
    settings = settings or Settings()
    data = world if world is not None else load_sample_world()
    cuny = CunySite(data, base_path=httpx.URL(settings.cuny_url).path.rstrip("/"))
    rmp = RmpSite(data, path=httpx.URL(settings.rmp_url).path or "/")
    return HandlerTransport(site_handler(cuny, rmp))
