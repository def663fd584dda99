"""The server process and its HTTP side: stdio purity (SEC-1), metrics, health, server.json."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import socket
import sys
import tomllib
import warnings
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastmcp import Client

from schedule_mcp import __version__
from schedule_mcp.config import ENV_PREFIX, Settings, load_settings
from schedule_mcp.json_logs import configure_logging
from schedule_mcp.server import create_server

ROOT = Path(__file__).resolve().parents[2]
FALL = {"university": "QNS01", "semester": "2026 Fall"}
SYNC = {"entity_type": "courses", "semester": "2026 Fall", "university": "QNS01"}

STDIO_CALLS: list[tuple[str, dict[str, Any]]] = [
    ("fetch_course_sections", {**FALL, "course_codes": ["CSCI 212", "MATH 151"]}),
    ("fetch_course_sections", {**FALL, "course_codes": ["NOPE 999"]}),
    ("search_courses", {**FALL, "query": "CSCI"}),
    ("search_courses", {**FALL, "university": "Hogwarts", "query": "CSCI"}),
    ("search_courses", {**FALL, "query": "x" * 500}),
    ("search_courses", {**FALL, "query": "CSCI", "extra": 1}),
    ("get_professor_grade", {"professor_name": "Ada Fenwright", "university": "QNS01"}),
    ("get_professor_grade", {"professor_name": "Nobody Atall", "university": "QNS01"}),
    ("compare_professors", {"professor_names": ["Ada Fenwright", "Vera Wrenmoor"],
                            "university": "QNS01"}),
    ("generate_optimized_schedule", {**FALL, "required_courses": ["CSCI 212", "MATH 151"]}),
    ("generate_optimized_schedule", {**FALL, "required_courses": ["CSCI 212"],
                                     "earliest_start_time": "25 o'clock"}),
    ("generate_optimized_schedule", {**FALL, "semester": "Fall 1812",
                                     "required_courses": ["CSCI 212"]}),
    ("check_schedule_conflicts", {**FALL, "section_ids": ["41175", "41190"]}),
    ("export_schedule", {**FALL, "section_ids": ["41175"]}),
    ("export_schedule", {**FALL, "section_ids": ["00000"]}),
    ("admin_sync", SYNC),
    ("admin_sync", {**SYNC, "university": "NOPE1"}),
    ("admin_clear_cache", {}),
    ("no_such_tool", {}),
]  # fmt: skip


class StdioSession:
    """Raw JSON-RPC over a subprocess's pipes, keeping every stdout line for inspection."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.stdout_lines: list[str] = []
        self.next_id = 0

    async def send(self, message: dict[str, Any]) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(message).encode() + b"\n")
        await self.process.stdin.drain()

    async def request(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        self.next_id += 1
        await self.send({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params})
        assert self.process.stdout is not None
        while True:
            line = await asyncio.wait_for(self.process.stdout.readline(), timeout=60)
            assert line, "server closed stdout"
            text = line.decode()
            self.stdout_lines.append(text)
            message = json.loads(text)
            if message.get("id") == self.next_id:
                result: dict[str, Any] = message
                return result


async def run_stdio(
    tmp_path: Path, env_overrides: dict[str, str], calls: list[tuple[str, dict[str, Any]]]
) -> tuple[list[bool], list[str], list[dict[str, Any]], set[str]]:
    """Run `python -m schedule_mcp` over pipes: per-call failure flags, stdout lines,
    parsed stderr records (each line must be JSON) and the listed tool names."""
    env = {**os.environ, "SCHEDULE_MCP_LOG_LEVEL": "DEBUG", "PYTHONUNBUFFERED": "1"}
    env.update(env_overrides)
    stderr_path = tmp_path / "stderr.txt"
    with stderr_path.open("wb") as stderr:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "schedule_mcp",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=stderr,
            env=env,
        )
        session = StdioSession(process)
        try:
            init = await session.request(
                "initialize",
                {
                    "protocolVersion": "2025-11-25",
                    "capabilities": {},
                    "clientInfo": {"name": "sec-1", "version": "1"},
                },
            )
            assert init["result"]["serverInfo"]["name"] == "schedule-mcp"
            await session.send({"jsonrpc": "2.0", "method": "notifications/initialized"})
            listed = await session.request("tools/list", {})
            names = {tool["name"] for tool in listed["result"]["tools"]}
            failed = []
            for name, arguments in calls:
                reply = await session.request("tools/call", {"name": name, "arguments": arguments})
                failed.append("error" in reply or reply["result"].get("isError", False))
            await session.request("resources/read", {"uri": "schedule://health"})
        finally:
            assert process.stdin is not None
            process.stdin.close()
            assert process.stdout is not None
            rest = await asyncio.wait_for(process.stdout.read(), timeout=30)
            await asyncio.wait_for(process.wait(), timeout=30)
    session.stdout_lines.extend(line + "\n" for line in rest.decode().splitlines())
    for line in session.stdout_lines:
        assert json.loads(line)["jsonrpc"] == "2.0", line
    stderr_lines = [line for line in stderr_path.read_text().splitlines() if line.strip()]
    records = [json.loads(line) for line in stderr_lines]  # every line is a JSON object
    assert all({"timestamp", "level", "logger", "event"} <= set(r) for r in records)
    return failed, session.stdout_lines, records, names


async def test_stdio_stdout_is_only_json_rpc(tmp_path: Path) -> None:
    """SEC-1: every tool incl. error paths at DEBUG; stdout is JSON-RPC, stderr JSON logs."""
    overrides = {"SCHEDULE_MCP_OFFLINE": "1", "SCHEDULE_MCP_ADMIN_ENABLED": "1"}
    failed, stdout, records, names = await run_stdio(tmp_path, overrides, STDIO_CALLS)
    assert {"admin_sync", "admin_clear_cache"} <= names  # SEC-13: enabled over stdio
    assert failed == [
        False, True, False, True, True, True, False, False, False,
        False, True, True, False, False, True, False, True, False, True,
    ]  # fmt: skip
    assert len(stdout) >= len(STDIO_CALLS) + 3
    assert any(r["event"] == "tool call" and r.get("tool") == "search_courses" for r in records)
    assert any(r["level"] == "DEBUG" for r in records)


async def test_stdio_stays_clean_when_the_upstream_fails(tmp_path: Path) -> None:
    """SEC-1 with forced upstream failures: nothing listens at the configured sites."""
    dead = f"http://127.0.0.1:{unused_port()}"
    overrides = {
        "SCHEDULE_MCP_CUNY_URL": f"{dead}/CFGlobalSearchTool",
        "SCHEDULE_MCP_RMP_URL": f"{dead}/graphql",
        "SCHEDULE_MCP_HOST_RATE": "0",
        "SCHEDULE_MCP_MAX_ATTEMPTS": "2",
    }
    calls: list[tuple[str, dict[str, Any]]] = [
        ("fetch_course_sections", {**FALL, "course_codes": ["CSCI 212"]}),
        ("get_professor_grade", {"professor_name": "Ada Fenwright", "university": "QNS01"}),
        ("generate_optimized_schedule", {**FALL, "required_courses": ["CSCI 212"]}),
    ]
    failed, _, records, _ = await run_stdio(tmp_path, overrides, calls)
    assert failed == [True, True, True]
    assert any(r["level"] == "WARNING" and r["logger"].startswith("schedule_mcp") for r in records)


def unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def test_metrics_and_health_move(tmp_path: Path) -> None:
    """Issue 7: /metrics (Prometheus text), /health and schedule://health after a few calls."""
    settings = load_settings(offline=True, database_url=f"sqlite+aiosqlite:///{tmp_path}/m.db")
    mcp = create_server(settings)
    app = mcp.http_app()
    async with app.router.lifespan_context(app), Client(mcp) as client:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http:
            before = (await http.get("/metrics")).text
            for _ in range(2):
                await client.call_tool(
                    "fetch_course_sections", {**FALL, "course_codes": ["CSCI 212"]}
                )
            await client.call_tool(
                "search_courses",
                {**FALL, "university": "Nowhere", "query": "x"},
                raise_on_error=False,
            )
            response = await http.get("/metrics")
            health = await http.get("/health")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/plain")
        text = response.text
        assert text != before
        samples = parse_prometheus(text)
        tool_calls = {k: v for k, v in samples.items() if "fetch_course_sections" in k}
        assert tool_calls and max(tool_calls.values()) >= 2, text[:2000]
        assert health.status_code == 200
        assert health.json() == {"status": "ok", "version": __version__, "offline": True}
        resource = await client.read_resource("schedule://health")
        report = json.loads(resource[0].text)
        counts = report["metrics"]["counts"]
        assert counts["tool:fetch_course_sections:ok"] == 2
        assert counts["tool:search_courses:InputError"] == 1, counts
        assert report["cache"]["hits"] >= 1


def parse_prometheus(text: str) -> dict[str, float]:
    samples = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        name, _, value = line.rpartition(" ")
        samples[name] = float(value)
    return samples


# ---------------------------------------------------------------- server.json


def test_server_json_matches_the_package() -> None:
    server = json.loads((ROOT / "server.json").read_text())
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    version = pyproject["project"]["version"]
    assert server["version"] == version == __version__
    assert server["$schema"] == (
        "https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json"
    )
    assert server["name"] == "io.github.schedule-mcp/schedule-mcp"
    assert 1 <= len(server["description"]) <= 100
    (package,) = server["packages"]
    assert package["registryType"] == "pypi"
    assert package["identifier"] == pyproject["project"]["name"] == "schedule-mcp"
    assert package["version"] == version
    assert package["runtimeHint"] == "uvx"
    assert package["transport"] == {"type": "stdio"}
    variables = {v["name"]: v for v in package["environmentVariables"]}
    expected = {f"{ENV_PREFIX}{field.upper()}" for field in Settings.model_fields}
    assert set(variables) == expected
    for name, variable in variables.items():
        assert variable["description"], name
        assert isinstance(variable["isRequired"], bool), name
        assert isinstance(variable["isSecret"], bool), name
    secrets = {name for name, v in variables.items() if v["isSecret"]}
    assert secrets == {f"{ENV_PREFIX}ADMIN_TOKEN", f"{ENV_PREFIX}HTTP_TOKEN"}
    defaults = {
        f"{ENV_PREFIX}{field.upper()}": info.default
        for field, info in Settings.model_fields.items()
        if info.default_factory is None and info.default not in (None, "")
    }
    for name, default in defaults.items():
        text = str(default).lower() if isinstance(default, bool) else str(default)
        assert variables[name].get("default") == text, name


@pytest.mark.parametrize("path", ["README.md"])
def test_readme_carries_the_registry_name(path: str) -> None:
    assert "mcp-name: io.github.schedule-mcp/schedule-mcp" in (ROOT / path).read_text()


def test_library_logs_and_python_warnings_become_json_lines() -> None:
    """FastMCP's own handler and `warnings.warn` would write raw text to stderr."""
    root, library = logging.getLogger(), logging.getLogger("fastmcp")
    saved = (root.handlers[:], root.level, library.handlers[:], library.propagate, library.level)
    stream = io.StringIO()
    logging.captureWarnings(False)  # an earlier configure_logging may have left it half set
    configure_logging("INFO", stream=stream)
    try:
        assert library.handlers == []
        logging.getLogger("fastmcp.server.server").error("Error calling tool 'x'")
        with warnings.catch_warnings():
            warnings.simplefilter("always")
            warnings.warn_explicit("old thing", UserWarning, "lib.py", 7)
    finally:
        logging.captureWarnings(False)
        root.handlers[:], library.handlers[:] = saved[0], saved[2]
        root.setLevel(saved[1])
        library.propagate = saved[3]
        library.setLevel(saved[4])
    records = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [(r["logger"], r["level"]) for r in records] == [
        ("fastmcp.server.server", "ERROR"),
        ("py.warnings", "WARNING"),
    ]
    assert "old thing" in records[1]["event"]
