"""SEC-2/3/4/13 over HTTP: bind check, Host/Origin guard, bearer tokens, admin scope.

The app is built with the same options as `schedule-mcp serve --http` and served by a real
uvicorn on a free loopback port, so the FastMCP client and plain httpx both talk to it.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastmcp import Client, FastMCP

from schedule_mcp import cli
from schedule_mcp.config import Settings, load_settings
from schedule_mcp.server import create_server
from schedule_mcp.server.http_guards import check_bind, http_app_options, is_loopback

HTTP_TOKEN = "http-token-0123456789"
ADMIN_TOKEN = "admin-token-9876543210"
INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-11-25",
        "capabilities": {},
        "clientInfo": {"name": "sec-test", "version": "1"},
    },
}
MCP_HEADERS = {"Accept": "application/json, text/event-stream"}

Serve = Callable[..., AbstractAsyncContextManager[str]]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@asynccontextmanager
async def serving(
    settings: Settings, *, bind: str = "127.0.0.1", extra_hosts: tuple[str, ...] = ()
) -> AsyncIterator[str]:
    """Serve like `schedule-mcp serve --http --host BIND`, but on 127.0.0.1:<free port>."""
    port = free_port()
    mcp: FastMCP = create_server(settings)
    app = mcp.http_app(**http_app_options(settings, bind, port, extra_hosts))
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, lifespan="on")
    server = uvicorn.Server(config)
    task = asyncio.ensure_future(server.serve())
    try:
        for _ in range(200):
            if server.started:
                break
            if task.done():
                task.result()
            await asyncio.sleep(0.02)
        assert server.started, "uvicorn did not start"
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


@pytest.fixture
def offline() -> Settings:
    return load_settings(offline=True)


async def post_initialize(base: str, **headers: str) -> httpx.Response:
    async with httpx.AsyncClient() as http:
        return await http.post(
            f"{base}/mcp", json=INITIALIZE, headers={**MCP_HEADERS, **headers}, timeout=10
        )


# ---------------------------------------------------------------- SEC-2


def test_loopback_detection() -> None:
    assert all(is_loopback(h) for h in ("127.0.0.1", "localhost", "::1", "[::1]", "127.0.0.2"))
    assert not any(is_loopback(h) for h in ("0.0.0.0", "192.168.1.4", "example.org", "::"))


def test_check_bind_refuses_public_bind_without_token(offline: Settings) -> None:
    check_bind("127.0.0.1", offline)
    with pytest.raises(SystemExit) as caught:
        check_bind("0.0.0.0", offline)
    assert "SCHEDULE_MCP_HTTP_TOKEN" in str(caught.value.code)
    check_bind("0.0.0.0", offline.model_copy(update={"http_token": HTTP_TOKEN}))


def test_serve_http_binds_loopback_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}

    async def fake_run(self: FastMCP, **kwargs: Any) -> None:
        seen.update(kwargs)

    monkeypatch.setattr(FastMCP, "run_http_async", fake_run)
    monkeypatch.setattr("schedule_mcp.json_logs.configure_logging", lambda *a, **k: None)
    assert cli.main(["serve", "--http", "--offline"]) == 0
    assert seen["host"] == "127.0.0.1"
    assert seen["port"] == 8765
    assert seen["host_origin_protection"] is True
    assert seen["allowed_hosts"] == ["127.0.0.1", "127.0.0.1:8765"]
    assert seen["uvicorn_config"] == {"loop": "uvloop", "http": "httptools"}  # both installed


def test_serve_public_without_token_exits_nonzero(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    async def never(self: FastMCP, **kwargs: Any) -> None:
        raise AssertionError("must not start")

    monkeypatch.setattr(FastMCP, "run_http_async", never)
    monkeypatch.setattr("schedule_mcp.json_logs.configure_logging", lambda *a, **k: None)
    with pytest.raises(SystemExit) as caught:
        cli.main(["serve", "--http", "--host", "0.0.0.0", "--offline"])
    assert caught.value.code != 0
    assert "refusing to listen on 0.0.0.0" in str(caught.value.code)


# ---------------------------------------------------------------- SEC-3


async def test_host_and_origin_guard(offline: Settings) -> None:
    async with serving(offline) as base:
        port = base.rsplit(":", 1)[1]
        assert (await post_initialize(base, Host=f"evil.example:{port}")).status_code == 421
        assert (await post_initialize(base, Origin="http://evil.example")).status_code == 403
        good_origin = await post_initialize(base, Origin=f"http://127.0.0.1:{port}")
        assert good_origin.status_code == 200
        assert (await post_initialize(base)).status_code == 200


async def test_public_bind_with_allowlist(offline: Settings) -> None:
    """0.0.0.0 with a token and `--allow-host planner.example`: that name passes, others 421."""
    settings = offline.model_copy(update={"http_token": HTTP_TOKEN})
    auth = {"Authorization": f"Bearer {HTTP_TOKEN}"}
    async with serving(settings, bind="0.0.0.0", extra_hosts=("planner.example",)) as base:
        port = base.rsplit(":", 1)[1]
        ok = await post_initialize(base, Host=f"planner.example:{port}", **auth)
        assert ok.status_code == 200
        evil = await post_initialize(base, Host=f"evil.example:{port}", **auth)
        assert evil.status_code == 421
        origin = await post_initialize(
            base, Host=f"planner.example:{port}", Origin="http://evil.example", **auth
        )
        assert origin.status_code == 403
        assert (await post_initialize(base, Host=f"planner.example:{port}")).status_code == 401


# ---------------------------------------------------------------- SEC-4


async def test_bearer_token(offline: Settings) -> None:
    settings = offline.model_copy(update={"http_token": HTTP_TOKEN})
    async with serving(settings) as base:
        missing = await post_initialize(base)
        assert missing.status_code == 401
        assert missing.headers["www-authenticate"].startswith("Bearer")
        assert (await post_initialize(base, Authorization="Bearer wrong")).status_code == 401
        assert (await post_initialize(base, Authorization=HTTP_TOKEN)).status_code == 401
        valid = await post_initialize(base, Authorization=f"Bearer {HTTP_TOKEN}")
        assert valid.status_code == 200
        async with httpx.AsyncClient() as http:
            health = await http.get(f"{base}/health")
            assert health.status_code == 200
            assert health.json()["status"] == "ok"
            assert (await http.get(f"{base}/metrics")).status_code == 401


# ---------------------------------------------------------------- SEC-13 over HTTP


async def test_admin_token_alone_does_not_lock_out_loopback_users(offline: Settings) -> None:
    settings = offline.model_copy(update={"admin_token": ADMIN_TOKEN})
    async with serving(settings) as base:
        assert (await post_initialize(base)).status_code == 200
        async with Client(f"{base}/mcp") as user:
            names = {tool.name for tool in await user.list_tools()}
            assert "search_courses" in names
            assert not any(name.startswith("admin_") for name in names)
        async with Client(f"{base}/mcp", auth=ADMIN_TOKEN) as admin:
            assert "admin_sync" in {tool.name for tool in await admin.list_tools()}


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_admin_scope_over_http(offline: Settings, mode: str) -> None:
    settings = offline.model_copy(update={"http_token": HTTP_TOKEN, "admin_token": ADMIN_TOKEN})
    sync = {"entity_type": "courses", "semester": "2026 Fall", "university": "QNS01"}
    async with serving(settings) as base:
        async with Client(f"{base}/mcp", auth=HTTP_TOKEN, mode=mode) as user:
            names = {tool.name for tool in await user.list_tools()}
            assert "search_courses" in names
            assert not any(name.startswith("admin_") for name in names)
            refused = await user.call_tool("admin_sync", sync, raise_on_error=False)
            assert refused.is_error
            text = "".join(getattr(part, "text", "") for part in refused.content)
            assert text.startswith("insufficient_scope")
        async with Client(f"{base}/mcp", auth=ADMIN_TOKEN, mode=mode) as admin:
            names = {tool.name for tool in await admin.list_tools()}
            assert {"admin_sync", "admin_clear_cache"} <= names
            accepted = await admin.call_tool("admin_sync", sync)
            assert accepted.structured_content is not None
            assert accepted.structured_content["job"]["job_id"].startswith("job-")


def listening_addresses(port: int) -> set[str]:
    """Local addresses in LISTEN state on `port`, from /proc/net/tcp{,6} (Linux)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            local, state = line.split()[1], line.split()[3]
            address, _, hex_port = local.partition(":")
            if state == "0A" and int(hex_port, 16) == port:
                found.add(address)
    return found


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="needs Linux /proc/net/tcp")
def test_serve_http_process_listens_on_loopback_only() -> None:
    """SEC-2 for real: `schedule-mcp serve --http` binds 127.0.0.1 and answers /health."""
    port = free_port()
    env = {**os.environ, "SCHEDULE_MCP_OFFLINE": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "schedule_mcp", "serve", "--http", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120  # a loaded 2-core machine starts slowly
        health = None
        while time.monotonic() < deadline and process.poll() is None:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/health", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        assert health is not None and health.status_code == 200, process.poll()
        assert listening_addresses(port) == {"0100007F"}  # 127.0.0.1, nothing else
    finally:
        process.terminate()
        process.wait(timeout=15)
