"""Resources: colleges, terms, sync status and health."""

from __future__ import annotations

from typing import Any

from fastmcp import Context, FastMCP
from fastmcp.exceptions import ResourceError

from schedule_mcp.domain.colleges import COLLEGES
from schedule_mcp.domain.models import SyncEntity
from schedule_mcp.errors import ScheduleMCPError
from schedule_mcp.tools._boundary import app_of, resolve_college

JSON = "application/json"


def register(mcp: FastMCP) -> None:
    @mcp.resource("schedule://colleges", mime_type=JSON, name="colleges")
    def colleges() -> list[dict[str, str]]:
        """The 26 CUNY colleges: code (use it as `university`), name and kind."""
        return [{"code": c.code, "name": c.name, "kind": c.kind.value} for c in COLLEGES]

    @mcp.resource("schedule://terms/{university}", mime_type=JSON, name="terms")
    async def terms(university: str, ctx: Context) -> dict[str, Any]:
        """Terms CUNY Global Search currently offers (e.g. 2026 Fall, code 1269)."""
        app = app_of(ctx)
        try:
            college = resolve_college(university)
            options = await app.cuny.list_terms()
        except ScheduleMCPError as exc:
            raise ResourceError(exc.for_model()) from None
        return {
            "university": college.code,
            "terms": [{"code": t.code, "name": t.text.removesuffix(" Term")} for t in options],
        }

    @mcp.resource("schedule://sync-status", mime_type=JSON, name="sync-status")
    async def sync_status(ctx: Context) -> dict[str, Any]:
        """Last sync time and status of every stored entity kind, term and college."""
        app = app_of(ctx)
        rows = []
        for entity in SyncEntity:
            for row in await app.sync.list_all(entity):
                fresh = await app.freshness.get_sync_metadata(entity, row.semester, row.university)
                current = fresh or row
                rows.append(
                    {
                        "entity_type": entity.value,
                        "semester": current.semester,
                        "university": current.university,
                        "last_sync": current.last_sync.isoformat() if current.last_sync else None,
                        "sync_status": current.sync_status.value,
                        "error_message": current.error_message,
                        "is_fresh": app.freshness.classify(entity, current.last_sync).value
                        == "fresh",
                    }
                )
        return {"entities": rows, "count": len(rows)}

    @mcp.resource("schedule://health", mime_type=JSON, name="health")
    async def health(ctx: Context) -> dict[str, Any]:
        """Cache hit rate, size and entries; breaker states; database status; tool metrics."""
        return await app_of(ctx).health()
