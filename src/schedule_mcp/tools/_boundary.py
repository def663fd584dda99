"""What every tool shares: argument types, term and college resolution, the runner."""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastmcp.exceptions import ToolError
from fastmcp.tools import ToolResult
from mcp.types import TextContent
from pydantic import BaseModel, Field

from schedule_mcp.domain.colleges import College, CollegeError, find_college
from schedule_mcp.domain.terms import Term, TermError, parse_term
from schedule_mcp.errors import InputError, ScheduleMCPError
from schedule_mcp.json_logs import request_id
from schedule_mcp.services.budget import data_budget
from schedule_mcp.services.metrics import Metrics

log = logging.getLogger("schedule_mcp.tools")

University = Annotated[
    str,
    Field(
        min_length=2,
        max_length=100,
        pattern=r"^[A-Za-z0-9 .,&'()-]+$",
        description='CUNY college code or name, e.g. "QNS01" or "Queens College".',
    ),
]
Semester = Annotated[
    str,
    Field(
        min_length=4,
        max_length=30,
        pattern=r"^[A-Za-z0-9 ]+$",
        description='Term, e.g. "2026 Fall", "Fall 2026" or the term code "1269".',
    ),
]
CourseCode = Annotated[str, Field(min_length=2, max_length=40)]
ClassNumber = Annotated[str, Field(min_length=1, max_length=40)]  # "63028@Baruch College"
Name = Annotated[str, Field(min_length=1, max_length=100)]


def resolve_college(text: str) -> College:
    try:
        return find_college(text)
    except CollegeError as exc:
        raise InputError(str(exc), hint="read schedule://colleges for the list of codes") from exc


def resolve_term(text: str) -> Term:
    try:
        return parse_term(text)
    except TermError as exc:
        raise InputError(str(exc)) from exc


def answer(payload: BaseModel | dict[str, Any]) -> ToolResult:
    """Structured content plus the same JSON as text for clients that only read text."""
    data = payload.model_dump(mode="json") if isinstance(payload, BaseModel) else payload
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return ToolResult(content=[TextContent(type="text", text=text)], structured_content=data)


class ToolRunner:
    """Runs tool bodies with the tool deadline, metrics, JSON logs and model-ready errors."""

    def __init__(self, metrics: Metrics, tool_timeout: float) -> None:
        self._metrics = metrics
        self.tool_timeout = tool_timeout
        self.data_budget = data_budget(tool_timeout)
        """Seconds a tool body may spend fetching (the one deadline rule, services.budget)."""

    async def run(
        self, name: str, work: Callable[[], Awaitable[BaseModel | dict[str, Any]]]
    ) -> ToolResult:
        token = request_id.set(uuid.uuid4().hex[:12])
        started = time.perf_counter()
        outcome = "ok"
        try:
            async with asyncio.timeout(self.tool_timeout):
                return answer(await work())
        except ScheduleMCPError as exc:
            outcome = type(exc).__name__
            raise ToolError(exc.for_model()) from None
        except TimeoutError:
            outcome = "timeout"
            raise ToolError(
                f"{name} did not finish within {self.tool_timeout:.0f} s; the data fetch "
                "continues in the background, so retry in a minute"
            ) from None
        except ToolError:
            outcome = "tool_error"
            raise
        except Exception:
            outcome = "internal"
            log.exception("tool failed", extra={"tool": name})
            raise ToolError(f"{name} failed with an internal error; retry, or report it") from None
        finally:
            elapsed = time.perf_counter() - started
            if outcome not in ("ok", "tool_error"):
                self._metrics.error(outcome)
            self._metrics.observe_tool(name, elapsed, outcome)
            log.info(
                "tool call",
                extra={"tool": name, "duration_ms": round(elapsed * 1000, 1), "outcome": outcome},
            )
            request_id.reset(token)
