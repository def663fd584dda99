"""The conversation format: JSON files under evals/conversations/, validated on load."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Transport = Literal["memory", "stdio"]
ALL_TRANSPORTS: tuple[Transport, ...] = ("memory", "stdio")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FaultSpec(Strict):
    """A transport or content fault on the fake upstream, injected once `after_call` steps
    have run. With `content` (a `tests.support.fake_upstream.ContentFault` value) the site
    the path names answers "200 but wrong" instead (the transport fields are unused)."""

    after_call: int = Field(default=0, ge=0, description="inject after this many calls")
    path: str = Field(description='path prefix, e.g. "/CFGlobalSearchTool" or "/graphql"')
    content: str | None = Field(default=None, description='e.g. "first_course_only"')
    status: int | None = Field(default=None, ge=100, le=599)
    hang: bool = False
    delay_before_headers: float = Field(default=0.0, ge=0, le=30)
    times: int | None = Field(default=None, ge=1, description="None: until cleared")


class Options(Strict):
    """Per-conversation server setup."""

    upstream: Literal["offline", "fake"] = "offline"
    faults: list[FaultSpec] = Field(default_factory=list)
    admin: bool = False
    settings: dict[str, Any] = Field(
        default_factory=dict, description="Settings overrides (SCHEDULE_MCP_* names, lower case)"
    )
    transports: list[Transport] = Field(
        default_factory=lambda: list(ALL_TRANSPORTS),
        description="where this conversation can run (advance_clock needs memory)",
    )


class Check(Strict):
    """One assertion on a step's result. `path` is dotted/indexed into the result data."""

    type: Literal[
        "ok",
        "is_error",
        "equals",
        "not_equals",
        "contains",
        "not_contains",
        "range",
        "length",
        "matches",
        "exists",
        "absent",
        "conflict_free",
        "from_college",
        "fresh",
        "stale",
        "sanitized",
        "respects",
    ]
    path: str = ""
    value: Any = None
    min: float | None = None
    max: float | None = None
    ignore_case: bool = False
    any: bool = Field(default=False, description="fan-out paths: one match suffices")
    mentions: list[str] = Field(default_factory=list, description="is_error: words expected")
    college: str = ""
    reason: str | None = None
    earliest: str = ""
    latest: str = ""
    days_off: list[str] = Field(default_factory=list)
    note: str = ""


class Step(Strict):
    """A tool call, a resource read, a prompt, a tools listing, or a harness action."""

    tool: str | None = None
    resource: str | None = None
    prompt: str | None = None
    list_tools: bool = False
    arguments: dict[str, Any] = Field(default_factory=dict)
    checks: list[Check] = Field(default_factory=list)
    save: dict[str, str] = Field(
        default_factory=dict, description='name -> path; use later as "${name}" in arguments'
    )
    advance_clock: float | None = Field(default=None, ge=0, description="seconds (memory only)")
    clear_faults: bool = False

    @model_validator(mode="after")
    def _one_kind(self) -> Step:
        kinds = [
            self.tool is not None,
            self.resource is not None,
            self.prompt is not None,
            self.list_tools,
            self.advance_clock is not None,
            self.clear_faults,
        ]
        if sum(kinds) != 1:
            raise ValueError(
                "a step is exactly one of tool, resource, prompt, list_tools, "
                "advance_clock, clear_faults"
            )
        return self

    @property
    def is_call(self) -> bool:
        """Calls count for `after_call` and latency; harness actions do not."""
        return self.advance_clock is None and not self.clear_faults

    @property
    def label(self) -> str:
        if self.tool is not None:
            return self.tool
        if self.resource is not None:
            return self.resource
        if self.prompt is not None:
            return f"prompt:{self.prompt}"
        if self.list_tools:
            return "tools/list"
        if self.advance_clock is not None:
            return f"advance_clock {self.advance_clock:g}s"
        return "clear_faults"


class Turn(Strict):
    user: str = Field(min_length=1)
    calls: list[Step] = Field(default_factory=list)


class Conversation(Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str = Field(min_length=1)
    description: str = ""
    options: Options = Field(default_factory=Options)
    turns: list[Turn] = Field(min_length=1)

    @property
    def needs_memory(self) -> bool:
        return any(step.advance_clock is not None for turn in self.turns for step in turn.calls)


def load_conversations(directory: Path) -> list[Conversation]:
    """Every *.json conversation in `directory`, sorted by file name; ids must be unique."""
    conversations: list[Conversation] = []
    for path in sorted(directory.glob("*.json")):
        try:
            conversations.append(Conversation.model_validate_json(path.read_bytes()))
        except ValueError as exc:
            raise ValueError(f"{path}: {exc}") from exc
    ids = [c.id for c in conversations]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ValueError(f"duplicate conversation ids: {', '.join(duplicates)}")
    return conversations
