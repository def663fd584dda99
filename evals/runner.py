"""Replay recorded conversations against a fresh server and check every result.

python -m evals [--dir DIR] [--transport memory|stdio] [--offline] [--report FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fastmcp import Client
from fastmcp.client.transports import StdioTransport
from fastmcp.exceptions import ClientError, FastMCPError
from mcp.shared.exceptions import MCPError

from evals.checks import StepResult, evaluate
from evals.model import Conversation, FaultSpec, Step, Transport, load_conversations
from evals.paths import PathError, resolve_one

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DEFAULT_DIR = HERE / "conversations"
STEP_TIMEOUT = 60.0
VERBOSE = False


class ShiftClock:
    """The server's clock: real UTC time plus an offset the conversation can advance."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += timedelta(seconds=seconds)


@dataclass
class Failure:
    turn: int
    step: int
    call: str
    check: str
    message: str


@dataclass
class ConversationReport:
    id: str
    title: str
    transport: str
    passed: int = 0
    failed: int = 0
    skipped: str = ""
    calls: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    by_call: dict[str, list[float]] = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def p50(self) -> float | None:
        return percentile(self.latencies_ms, 50)

    @property
    def p95(self) -> float | None:
        return percentile(self.latencies_ms, 95)


def percentile(samples: Sequence[float], pct: float) -> float | None:
    """Nearest-rank percentile; None without samples."""
    if not samples:
        return None
    ordered = sorted(samples)
    rank = max(1, min(len(ordered), round(pct / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


@dataclass
class Session:
    """A connected client plus the harness controls of one conversation."""

    client: Client[Any]
    clock: ShiftClock | None
    fake: Any = None  # tests.support.fake_upstream.FakeUpstream when upstream="fake"


def _base_settings(conversation: Conversation, root: Path) -> dict[str, Any]:
    values: dict[str, Any] = {
        "data_dir": root / "data",
        "cache_dir": root / "cache",
        "log_level": "WARNING",
        "admin_enabled": conversation.options.admin,
    }
    values.update(conversation.options.settings)
    return values


def _fake_settings(fake: Any) -> dict[str, Any]:
    return {
        "cuny_url": fake.cuny_url,
        "rmp_url": fake.rmp_url,
        "host_rate": 0.0,
        "connect_timeout": 2.0,
        "read_timeout": 2.0,
        "attempt_deadline": 5.0,
    }


def _stdio_env(values: dict[str, Any]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCHEDULE_MCP_")}
    for key, value in values.items():
        text = str(value).lower() if isinstance(value, bool) else str(value)
        env[f"SCHEDULE_MCP_{key.upper()}"] = text
    return env


@contextlib.asynccontextmanager
async def open_session(conversation: Conversation, transport: Transport) -> AsyncIterator[Session]:
    """A fresh server (fresh temp data and cache dirs) and a client connected to it."""
    from tests.support.fake_upstream import FakeUpstream

    from schedule_mcp.config import Settings
    from schedule_mcp.sample.world import load_sample_world
    from schedule_mcp.server import create_server

    async with contextlib.AsyncExitStack() as stack:
        root = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="smcp-eval-")))
        values = _base_settings(conversation, root)
        fake = None
        if conversation.options.upstream == "fake":
            fake = await stack.enter_async_context(FakeUpstream(load_sample_world()))
            values = {**_fake_settings(fake), **values, "offline": False}
        else:
            values = {**values, "offline": True}
        if transport == "memory":
            clock = ShiftClock()
            server = create_server(Settings(**values), clock=clock)
            client: Client[Any] = Client(server, timeout=STEP_TIMEOUT)
        else:
            clock = None
            stdio = StdioTransport(
                command=sys.executable,
                args=["-m", "schedule_mcp"],
                env=_stdio_env(values),
                cwd=str(root),
                keep_alive=False,
                log_file=root / "server-stderr.log",
            )
            client = Client(stdio, timeout=STEP_TIMEOUT, init_timeout=STEP_TIMEOUT)
        await stack.enter_async_context(client)
        yield Session(client=client, clock=clock, fake=fake)


def substitute(value: Any, saved: dict[str, Any]) -> Any:
    """Replace "${name}" strings (whole values) with values saved by earlier steps."""
    if isinstance(value, str) and value.startswith("${") and value.endswith("}"):
        name = value[2:-1]
        if name not in saved:
            raise KeyError(f"nothing saved as {name!r}")
        return saved[name]
    if isinstance(value, list):
        return [substitute(v, saved) for v in value]
    if isinstance(value, dict):
        return {k: substitute(v, saved) for k, v in value.items()}
    return value


def _parse_text(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return {"text": text}


async def perform(session: Session, step: Step, arguments: dict[str, Any]) -> StepResult:
    """Send one request the way an MCP client would and normalise the outcome."""
    client = session.client
    try:
        if step.tool is not None:
            result = await client.call_tool(step.tool, arguments, raise_on_error=False)
            texts = [c.text for c in result.content if hasattr(c, "text")]
            if result.is_error:
                return StepResult(True, None, " ".join(texts))
            data = result.structured_content
            if data is None:
                data = _parse_text(texts[0]) if texts else {}
            return StepResult(False, data)
        if step.resource is not None:
            contents = await client.read_resource(step.resource)
            text = "".join(getattr(c, "text", "") for c in contents)
            return StepResult(False, _parse_text(text))
        if step.prompt is not None:
            prompt = await client.get_prompt(step.prompt, arguments)
            text = "\n".join(
                getattr(m.content, "text", "") for m in prompt.messages if m.content is not None
            )
            return StepResult(False, {"text": text, "messages": len(prompt.messages)})
        tools = await client.list_tools()
        return StepResult(False, {"tools": sorted(t.name for t in tools)})
    except (MCPError, FastMCPError, ClientError) as exc:
        return StepResult(True, None, str(exc))


def _inject(session: Session, spec: FaultSpec) -> None:
    from tests.support.fake_upstream import ContentFault
    from tests.support.fault_server import Fault

    if spec.content is not None:
        site = session.fake.rmp if spec.path.startswith("/graphql") else session.fake.cuny
        site.set_fault(ContentFault(spec.content))
        return
    session.fake.server.inject(
        spec.path,
        Fault(
            status=spec.status,
            hang=spec.hang,
            delay_before_headers=spec.delay_before_headers,
            times=spec.times,
        ),
    )


async def run_conversation(
    conversation: Conversation, transport: Transport, *, offline_only: bool = False
) -> ConversationReport:
    """Replay one conversation on a fresh server; never raises for a server misbehaving."""
    report = ConversationReport(conversation.id, conversation.title, transport)
    if transport not in conversation.options.transports or (
        transport == "stdio" and conversation.needs_memory
    ):
        report.skipped = f"not run over {transport}"
        return report
    if offline_only and conversation.options.upstream == "fake":
        report.skipped = "needs the fake upstream (--offline)"
        return report
    started = time.perf_counter()
    try:
        await _replay(conversation, transport, report)
    except Exception as exc:  # a broken session is a failure of the conversation, not the run
        report.failed += 1
        report.failures.append(Failure(0, 0, "session", "session", f"{type(exc).__name__}: {exc}"))
    report.seconds = time.perf_counter() - started
    return report


async def _replay(
    conversation: Conversation, transport: Transport, report: ConversationReport
) -> None:
    pending = sorted(conversation.options.faults, key=lambda f: f.after_call)
    async with open_session(conversation, transport) as session:
        saved: dict[str, Any] = {}
        for turn_no, turn in enumerate(conversation.turns, 1):
            for step_no, step in enumerate(turn.calls, 1):
                while pending and pending[0].after_call <= report.calls:
                    _inject(session, pending.pop(0))
                if step.advance_clock is not None:
                    if session.clock is None:
                        raise RuntimeError("advance_clock needs the memory transport")
                    session.clock.advance(step.advance_clock)
                    continue
                if step.clear_faults:
                    session.fake.server.clear_faults()
                    session.fake.cuny.set_fault(None)
                    session.fake.rmp.set_fault(None)
                    continue
                arguments = substitute(step.arguments, saved)
                began = time.perf_counter()
                result = await asyncio.wait_for(perform(session, step, arguments), STEP_TIMEOUT + 5)
                elapsed = (time.perf_counter() - began) * 1000
                report.calls += 1
                report.latencies_ms.append(elapsed)
                report.by_call.setdefault(step.label, []).append(elapsed)
                if VERBOSE:
                    shown = result.error or json.dumps(result.data, ensure_ascii=False)
                    print(f"  {conversation.id} {turn_no}.{step_no} {step.label}: {shown[:400]}")
                for check in step.checks:
                    if check.value is not None:
                        check = check.model_copy(update={"value": substitute(check.value, saved)})
                    verdict = evaluate(check, result)
                    if verdict.passed:
                        report.passed += 1
                    else:
                        report.failed += 1
                        where = f"{check.type} {check.path}".strip()
                        report.failures.append(
                            Failure(turn_no, step_no, step.label, where, verdict.message)
                        )
                for name, path in step.save.items():
                    try:
                        saved[name] = resolve_one(result.data, path)
                    except PathError as exc:
                        report.failed += 1
                        report.failures.append(
                            Failure(turn_no, step_no, step.label, f"save {name}", str(exc))
                        )


async def run_all(
    conversations: Sequence[Conversation],
    transport: Transport,
    *,
    offline_only: bool = False,
) -> list[ConversationReport]:
    """Run conversations one after another (each on its own fresh server)."""
    return [await run_conversation(c, transport, offline_only=offline_only) for c in conversations]


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def render_table(reports: Sequence[ConversationReport]) -> str:
    width = max([len("conversation"), *(len(r.id) for r in reports)])
    lines = [
        f"{'conversation':<{width}}  {'passed':>6}  {'failed':>6}  {'calls':>5}  "
        f"{'p50 ms':>8}  {'p95 ms':>8}  {'secs':>6}  note"
    ]
    lines.append("-" * len(lines[0]))
    for r in reports:
        note = r.skipped or ("FAIL" if r.failed else "ok")
        lines.append(
            f"{r.id:<{width}}  {r.passed:>6}  {r.failed:>6}  {r.calls:>5}  "
            f"{_ms(r.p50):>8}  {_ms(r.p95):>8}  {r.seconds:>6.1f}  {note}"
        )
    return "\n".join(lines)


def render_failures(reports: Sequence[ConversationReport]) -> str:
    return "\n".join(
        f"FAIL {r.id} turn {f.turn} step {f.step} ({f.call}) [{f.check}]: {f.message}"
        for r in reports
        for f in r.failures
    )


def summary_line(reports: Sequence[ConversationReport]) -> str:
    passed = sum(r.passed for r in reports)
    failed = sum(r.failed for r in reports)
    return f"{passed} passed, {failed} failed"


def write_report(
    path: Path, reports: Sequence[ConversationReport], transport: str, seconds: float
) -> None:
    all_latencies = [ms for r in reports for ms in r.latencies_ms]
    by_call: dict[str, list[float]] = {}
    for r in reports:
        for name, samples in r.by_call.items():
            by_call.setdefault(name, []).extend(samples)
    document = {
        "transport": transport,
        "seconds": round(seconds, 2),
        "summary": summary_line(reports),
        "passed": sum(r.passed for r in reports),
        "failed": sum(r.failed for r in reports),
        "conversations": len(reports),
        "skipped": [r.id for r in reports if r.skipped],
        "latency_ms": {
            "p50": percentile(all_latencies, 50),
            "p95": percentile(all_latencies, 95),
            "mean": statistics.fmean(all_latencies) if all_latencies else None,
        },
        "latency_by_call_ms": {
            name: {
                "calls": len(samples),
                "p50": percentile(samples, 50),
                "p95": percentile(samples, 95),
            }
            for name, samples in sorted(by_call.items())
        },
        "results": [
            {
                **{k: v for k, v in asdict(r).items() if k not in {"latencies_ms", "by_call"}},
                "p50_ms": r.p50,
                "p95_ms": r.p95,
            }
            for r in reports
        ],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")


def quiet_logs() -> None:
    """The in-process server logs expected failures (outages, bad input); keep the table clean."""
    for name in ("schedule_mcp", "fastmcp", "mcp", "httpx"):
        logging.getLogger(name).setLevel(logging.CRITICAL)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m evals", description="Replay recorded MCP conversations and check them."
    )
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR, help="conversations directory")
    parser.add_argument("--transport", choices=["memory", "stdio"], default="memory")
    parser.add_argument(
        "--offline",
        action="store_true",
        help="offline sample world only: skip conversations that need the fake upstream",
    )
    parser.add_argument(
        "--report", type=Path, default=HERE / "report.json", help="JSON report path"
    )
    parser.add_argument("--only", action="append", default=[], help="run only these ids")
    parser.add_argument("--verbose", action="store_true", help="print every step's answer")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    global VERBOSE
    args = build_parser().parse_args(argv)
    VERBOSE = args.verbose
    quiet_logs()
    conversations = load_conversations(args.dir)
    if args.only:
        conversations = [c for c in conversations if c.id in set(args.only)]
    if not conversations:
        print(f"no conversations in {args.dir}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    reports = asyncio.run(run_all(conversations, args.transport, offline_only=args.offline))
    seconds = time.perf_counter() - started
    print(render_table(reports))
    failures = render_failures(reports)
    if failures:
        print()
        print(failures)
    ran = sum(1 for r in reports if not r.skipped)
    print(f"\n{ran} conversations over {args.transport} in {seconds:.1f} s")
    print(summary_line(reports))
    write_report(args.report, reports, args.transport, seconds)
    return 1 if any(r.failed for r in reports) else 0
