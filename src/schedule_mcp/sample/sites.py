"""Both sample sites behind one handler, routed by path (one transport or one server)."""

from __future__ import annotations

from schedule_mcp.sample.cuny_site import CunySite
from schedule_mcp.sample.exchange import SiteHandler, SiteRequest, SiteResponse
from schedule_mcp.sample.rmp_site import RmpSite


def site_handler(cuny: CunySite, rmp: RmpSite) -> SiteHandler:
    """One handler serving both sites: RMP's GraphQL path, everything else to CUNY."""

    async def handle(request: SiteRequest) -> SiteResponse:
        if request.path == rmp.path:
            return await rmp(request)
        return await cuny(request)

    return handle
