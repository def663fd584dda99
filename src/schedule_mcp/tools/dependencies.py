"""What a tool may receive: one service each, read from the server's composition root.

Tools declare them as hidden parameters (`catalog: CatalogService = Depends(catalog)`), so a
tool sees only the services it uses and never a repository or an upstream client.
"""

from __future__ import annotations

from fastmcp import Context
from fastmcp.dependencies import CurrentContext

from schedule_mcp.app import App
from schedule_mcp.services.catalog import CatalogService
from schedule_mcp.services.jobs import JobService
from schedule_mcp.services.planner import PlannerService
from schedule_mcp.services.professors import ProfessorService
from schedule_mcp.services.status import StatusService
from schedule_mcp.tools._boundary import ToolRunner


def _app(ctx: Context) -> App:
    app: App = ctx.lifespan_context["app"]
    return app


def runner(ctx: Context = CurrentContext()) -> ToolRunner:
    return _app(ctx).runner


def catalog(ctx: Context = CurrentContext()) -> CatalogService:
    return _app(ctx).catalog


def professors(ctx: Context = CurrentContext()) -> ProfessorService:
    return _app(ctx).professors


def planner(ctx: Context = CurrentContext()) -> PlannerService:
    return _app(ctx).planner


def jobs(ctx: Context = CurrentContext()) -> JobService:
    return _app(ctx).jobs


def status(ctx: Context = CurrentContext()) -> StatusService:
    return _app(ctx).status
