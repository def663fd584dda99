"""Resources: colleges, terms, sync status and health."""

from __future__ import annotations

from typing import Any

from fastmcp import FastMCP
from fastmcp.dependencies import Depends
from fastmcp.exceptions import ResourceError

from schedule_mcp.domain.colleges import COLLEGES
from schedule_mcp.errors import ScheduleMCPError
from schedule_mcp.services.catalog import CatalogService
from schedule_mcp.services.status import StatusService
from schedule_mcp.tools import dependencies
from schedule_mcp.tools._boundary import resolve_college

JSON = "application/json"


def register(mcp: FastMCP) -> None:
    @mcp.resource("schedule://colleges", mime_type=JSON, name="colleges")
    def colleges() -> list[dict[str, str]]:
        """The 26 CUNY colleges: code (use it as `university`), name and kind."""
        return [{"code": c.code, "name": c.name, "kind": c.kind.value} for c in COLLEGES]

    @mcp.resource("schedule://terms/{university}", mime_type=JSON, name="terms")
    async def terms(
        university: str, catalog: CatalogService = Depends(dependencies.catalog)
    ) -> dict[str, Any]:
        """Terms CUNY Global Search currently offers (e.g. 2026 Fall, code 1269)."""
        try:
            college = resolve_college(university)
            offered = await catalog.offered_terms()
        except ScheduleMCPError as exc:
            raise ResourceError(exc.for_model()) from None
        return {
            "university": college.code,
            "terms": [{"code": term.code, "name": term.name} for term in offered],
        }

    @mcp.resource("schedule://sync-status", mime_type=JSON, name="sync-status")
    async def sync_status(status: StatusService = Depends(dependencies.status)) -> dict[str, Any]:
        """Last sync time and status of every stored entity kind, term and college."""
        rows = [
            {
                **row.model_dump(mode="json", exclude={"freshness"}),
                "is_fresh": row.is_fresh,
            }
            for row in await status.sync_rows()
        ]
        return {"entities": rows, "count": len(rows)}

    @mcp.resource("schedule://health", mime_type=JSON, name="health")
    async def health(status: StatusService = Depends(dependencies.status)) -> dict[str, Any]:
        """Cache hit rate, size and entries; breaker states; database status; tool metrics."""
        return await status.health()
