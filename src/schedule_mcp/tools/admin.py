"""Operator tools: admin_sync and admin_clear_cache (hidden unless the operator enables them).

Over stdio they exist only when SCHEDULE_MCP_ADMIN_ENABLED is set by the human who writes
the client configuration; over HTTP only for requests bearing SCHEDULE_MCP_ADMIN_TOKEN.
Arguments are enums or a strict pattern: no URL, host or path ever reaches them.
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from typing import Annotated, Any, Literal

from fastmcp import FastMCP
from fastmcp.dependencies import Depends
from fastmcp.exceptions import ToolError
from fastmcp.server.dependencies import get_http_headers
from fastmcp.server.middleware import CallNext, Middleware, MiddlewareContext
from fastmcp.tools import Tool, ToolResult
from mcp import types as mt
from mcp.types import ToolAnnotations
from pydantic import BaseModel, Field

from schedule_mcp.config import Settings
from schedule_mcp.domain.models import SyncEntity
from schedule_mcp.services.jobs import JobService, JobStatus, RateLimitedError
from schedule_mcp.tools import dependencies
from schedule_mcp.tools._boundary import ToolRunner, resolve_term

ADMIN_TAG = "admin"
CollegeCode = Literal[
    "BAR01", "BMC01", "BCC01", "BKL01", "CTY01", "CSI01", "GRD01", "NCC01", "HOS01",
    "HTR01", "JJC01", "KCC01", "LAG01", "LEH01", "MHC01", "MEC01", "NYT01", "QNS01",
    "QCC01", "SOJ01", "SLU01", "LAW01", "MED01", "SPS01", "SPH01", "YRK01",
]  # fmt: skip
ADMIN_ANNOTATIONS = ToolAnnotations(
    read_only_hint=False, destructive_hint=False, idempotent_hint=True, open_world_hint=True
)


def http_bearer() -> str | None:
    """The bearer token of the current HTTP request; None over stdio."""
    headers = get_http_headers(include={"authorization"})
    if not headers:
        return None
    value = headers.get("authorization", "")
    scheme, _, token = value.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def is_admin(settings: Settings) -> bool:
    token = http_bearer()
    if token is None:
        return settings.admin_enabled
    return bool(settings.admin_token) and hmac.compare_digest(token, settings.admin_token)


class AdminGate(Middleware):
    """Hides admin tools from callers without the admin scope and refuses their calls."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def on_list_tools(
        self,
        context: MiddlewareContext[mt.ListToolsRequest],
        call_next: CallNext[mt.ListToolsRequest, Sequence[Tool]],
    ) -> Sequence[Tool]:
        tools = await call_next(context)
        if is_admin(self.settings):
            return tools
        return [tool for tool in tools if ADMIN_TAG not in tool.tags]

    async def on_call_tool(
        self,
        context: MiddlewareContext[mt.CallToolRequestParams],
        call_next: CallNext[mt.CallToolRequestParams, Any],
    ) -> Any:
        if context.message.name.startswith("admin_") and not is_admin(self.settings):
            raise ToolError("insufficient_scope: this tool needs the operator's admin token")
        return await call_next(context)


class SyncAccepted(BaseModel):
    job: JobStatus
    message: str


def register(mcp: FastMCP) -> None:
    @mcp.tool(annotations=ADMIN_ANNOTATIONS, output_schema=None, tags={ADMIN_TAG})
    async def admin_sync(
        entity_type: Annotated[
            Literal["courses", "reviews"], Field(description="What to refresh.")
        ],
        semester: Annotated[
            str,
            Field(
                max_length=11,
                pattern=r"^20\d\d (Spring|Summer|Fall)$",
                description='e.g. "2026 Fall".',
            ),
        ],
        university: Annotated[CollegeCode, Field(description="College code, e.g. QNS01.")],
        force: Annotated[bool, Field(description="Accept a much smaller snapshot.")] = False,
        jobs: JobService = Depends(dependencies.jobs),
        runner: ToolRunner = Depends(dependencies.runner),
    ) -> ToolResult:
        """Queue a refresh of stored data (operator only); answers at once with a job id.

        Example: entity_type="courses", semester="2026 Fall", university="QNS01".
        """

        async def work() -> BaseModel:
            term = resolve_term(semester)
            caller = "http" if http_bearer() is not None else "stdio"
            try:
                job = jobs.submit(
                    SyncEntity(entity_type), term.name, university, force=force, caller=caller
                )
            except RateLimitedError as exc:
                raise ToolError(str(exc)) from None
            note = "joined the same job submitted earlier" if job.coalesced else "queued"
            return SyncAccepted(job=job, message=f"{entity_type} sync {note}: {job.job_id}")

        return await runner.run("admin_sync", work)

    @mcp.tool(annotations=ADMIN_ANNOTATIONS, output_schema=None, tags={ADMIN_TAG})
    async def admin_clear_cache(
        jobs: JobService = Depends(dependencies.jobs),
        runner: ToolRunner = Depends(dependencies.runner),
    ) -> ToolResult:
        """Empty the answer cache (operator only); returns the statistics from before."""

        async def work() -> BaseModel:
            caller = "http" if http_bearer() is not None else "stdio"
            return await jobs.clear_cache(caller=caller)

        return await runner.run("admin_clear_cache", work)
