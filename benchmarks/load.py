"""Load benchmark: 100 concurrent MCP clients against `schedule-mcp serve --http` (offline world).

    python benchmarks/load.py                         # 60 s, 100 clients in 4 processes
    python benchmarks/load.py --duration 20 --json load.json
    python benchmarks/load.py --think 0               # closed loop: find the saturation point

The server runs as a subprocess (`python -m schedule_mcp serve --http --offline` on a free
loopback port, fresh temp data and cache dirs, log level WARNING). After a warm-up that
touches every key of the mix once, `--procs` client processes (spawned, so the client is not
one GIL) each run `--clients / --procs` fastmcp streamable-HTTP clients. Every client is one
assistant session: it calls a tool, waits an exponential think time (mean `--think` s), and
repeats until the deadline. The mix is mostly cached section and professor lookups, with some
searches, comparisons, conflict checks and schedule generations.

Printed: requests per minute, p50/p95/p99 per tool (client-side wall time), errors, the
answer-cache hit rate after warm-up (from schedule://health counters, end minus warm-up),
client and server CPU, and a PASS/FAIL line per target:
>= 1,000 requests/min, cached lookup p95 < 100 ms, schedule generation p95 < 5 s,
zero errors, hit rate > 80 %. Bounded: loopback only, fixed duration, finishes in < 3 min.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CACHED_TOOLS = ("fetch_course_sections", "get_professor_grade")
TERM = "2026 Fall"

# (weight, tool, arguments): every key here is warmed once before the measured window.
QNS = "QNS01"
SECTION_KEYS: list[tuple[str, list[str]]] = [
    (QNS, ["CSCI 212"]),
    (QNS, ["CSCI 111"]),
    (QNS, ["MATH 151"]),
    (QNS, ["CSCI 212", "MATH 151"]),
    (QNS, ["ENGL 110"]),
    (QNS, ["BIOL 105"]),
    ("HTR01", ["CSCI 127"]),
    ("HTR01", ["MATH 150"]),
    ("BAR01", ["STA 2000"]),
    ("BAR01", ["ACC 2101"]),
]
PROFESSORS: list[tuple[str, str]] = [
    ("Ada Fenwright", QNS),
    ("Odette Rookhart", QNS),
    ("Vera Wrenmoor", QNS),
    ("Farrah Ashwright", QNS),
    ("Miles Fenwright", QNS),
    ("Quinn Birchmore", QNS),
    ("Quinn Glenton", QNS),
    ("Oriel Quillfeather", QNS),
]
SEARCHES: list[tuple[str, str]] = [(QNS, "CSCI"), (QNS, "calculus"), ("BAR01", "STA")]
CONFLICT_SETS: list[list[str]] = [["41175", "41290"], ["41213", "41307"], ["41175", "41309"]]
PLANS: list[dict[str, Any]] = [
    {"required_courses": ["CSCI 212", "MATH 151"], "earliest_start_time": "10am"},
    {"required_courses": ["CSCI 212", "MATH 151", "ENGL 110"], "days_off": ["Fri"]},
    {"required_courses": ["BIOL 105", "CSCI 111"]},
]
MIX: list[tuple[float, str]] = [
    (0.40, "fetch_course_sections"),
    (0.30, "get_professor_grade"),
    (0.08, "search_courses"),
    (0.05, "compare_professors"),
    (0.10, "check_schedule_conflicts"),
    (0.07, "generate_optimized_schedule"),
]


def request_for(tool: str, rng: random.Random) -> dict[str, Any]:
    """Arguments for one call of `tool`, drawn from the warmed keys."""
    if tool == "fetch_course_sections":
        college, codes = rng.choice(SECTION_KEYS)
        return {"university": college, "semester": TERM, "course_codes": codes}
    if tool == "get_professor_grade":
        name, college = rng.choice(PROFESSORS)
        return {"professor_name": name, "university": college}
    if tool == "search_courses":
        college, query = rng.choice(SEARCHES)
        return {"university": college, "semester": TERM, "query": query}
    if tool == "compare_professors":
        names = rng.sample([n for n, _ in PROFESSORS[:4]], 2)
        return {"professor_names": names, "university": QNS}
    if tool == "check_schedule_conflicts":
        return {"section_ids": rng.choice(CONFLICT_SETS), "semester": TERM, "university": QNS}
    plan = rng.choice(PLANS)
    return {**plan, "semester": TERM, "university": QNS, "max_schedules": 3}


def every_request() -> Iterator[tuple[str, dict[str, Any]]]:
    """Each distinct request of the mix once (the warm-up)."""
    for college, codes in SECTION_KEYS:
        yield (
            "fetch_course_sections",
            {"university": college, "semester": TERM, "course_codes": codes},
        )
    for name, college in PROFESSORS:
        yield "get_professor_grade", {"professor_name": name, "university": college}
    for college, query in SEARCHES:
        yield "search_courses", {"university": college, "semester": TERM, "query": query}
    for numbers in CONFLICT_SETS:
        yield (
            "check_schedule_conflicts",
            {"section_ids": numbers, "semester": TERM, "university": QNS},
        )
    for plan in PLANS:
        yield (
            "generate_optimized_schedule",
            {**plan, "semester": TERM, "university": QNS, "max_schedules": 3},
        )


CACHED_ONLY_MIX: list[tuple[float, str]] = [
    (0.6, "fetch_course_sections"),
    (0.4, "get_professor_grade"),
]


def pick(rng: random.Random, mix: list[tuple[float, str]] = MIX) -> str:
    roll, total = rng.random(), 0.0
    for weight, tool in mix:
        total += weight
        if roll < total:
            return tool
    return mix[-1][1]


# --------------------------------------------------------------------------- server


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    url: str
    base: str


def start_server(root: Path, port: int) -> Server:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCHEDULE_MCP_")}
    env.update(
        SCHEDULE_MCP_DATA_DIR=str(root / "data"),
        SCHEDULE_MCP_CACHE_DIR=str(root / "cache"),
        SCHEDULE_MCP_LOG_LEVEL="WARNING",
        FASTMCP_LOG_LEVEL="WARNING",
    )
    command = [sys.executable, "-m", "schedule_mcp", "serve", "--http", "--offline"]
    command += ["--host", "127.0.0.1", "--port", str(port)]
    log = (root / "server.log").open("wb")
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=root)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"server exited with {process.returncode}; see {root / 'server.log'}"
            )
        with (
            contextlib.suppress(OSError),
            urllib.request.urlopen(f"{base}/health", timeout=1) as response,
        ):
            if response.status == 200:
                return Server(process, f"{base}/mcp", base)
        time.sleep(0.2)
    process.kill()
    raise RuntimeError("server did not become healthy within 30 s")


def attach(url: str) -> Server:
    """An already running server (for profiling it); loopback only."""
    if not url.startswith(("http://127.0.0.1:", "http://localhost:")):
        raise SystemExit("--url must be a loopback http://127.0.0.1:PORT/mcp URL")
    this = subprocess.Popen([sys.executable, "-c", "pass"])  # a placeholder pid for CPU reads
    this.wait()
    return Server(this, url, url.rsplit("/", 1)[0])


def stop_server(server: Server) -> None:
    if server.process.poll() is None:
        server.process.send_signal(signal.SIGINT)
        try:
            server.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait(timeout=5)


def process_cpu_seconds(pid: int) -> float:
    """utime + stime of a process from /proc (Linux); 0.0 elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


# --------------------------------------------------------------------------- clients


async def read_health(url: str) -> dict[str, Any]:
    from fastmcp import Client

    async with Client(url, timeout=30) as client:
        contents = await client.read_resource("schedule://health")
    text = "".join(getattr(c, "text", "") for c in contents)
    health: dict[str, Any] = json.loads(text)
    return health


async def warm_up(url: str) -> int:
    """Every distinct request once (populates the store and the answer cache)."""
    from fastmcp import Client

    errors = 0
    async with Client(url, timeout=60) as client:
        for tool, arguments in every_request():
            result = await client.call_tool(tool, arguments, raise_on_error=False)
            errors += int(result.is_error)
    return errors


async def one_client(
    url: str,
    seed: int,
    start_at: float,
    stop_at: float,
    think: float,
    ready: asyncio.Event,
    mix: list[tuple[float, str]],
) -> tuple[dict[str, list[float]], dict[str, int]]:
    from fastmcp import Client

    rng = random.Random(seed)
    latencies: dict[str, list[float]] = {}
    errors: dict[str, int] = {}
    async with Client(url, timeout=30) as client:
        ready.set()
        await asyncio.sleep(max(0.0, start_at - time.time()) + rng.random() * min(think, 1.0))
        while time.time() < stop_at:
            tool = pick(rng, mix)
            arguments = request_for(tool, rng)
            began = time.perf_counter()
            try:
                result = await client.call_tool(tool, arguments, raise_on_error=False)
                failed = result.is_error
            except Exception:  # any transport failure counts as an error
                failed = True
            elapsed = time.perf_counter() - began
            if time.time() <= stop_at:
                latencies.setdefault(tool, []).append(elapsed)
                if failed:
                    errors[tool] = errors.get(tool, 0) + 1
            if think > 0:
                await asyncio.sleep(rng.expovariate(1.0 / think))
    return latencies, errors


async def worker_main(
    url: str, clients: int, seed: int, start_at: float, stop_at: float, think: float, mix: str
) -> dict[str, Any]:
    weights = CACHED_ONLY_MIX if mix == "cached" else MIX
    events = [asyncio.Event() for _ in range(clients)]
    cpu_before = time.process_time()
    results = await asyncio.gather(
        *(
            one_client(url, seed * 1000 + i, start_at, stop_at, think, events[i], weights)
            for i in range(clients)
        ),
        return_exceptions=True,
    )
    latencies: dict[str, list[float]] = {}
    errors: dict[str, int] = {}
    broken = 0
    for result in results:
        if isinstance(result, BaseException):
            broken += 1
            continue
        for tool, samples in result[0].items():
            latencies.setdefault(tool, []).extend(samples)
        for tool, count in result[1].items():
            errors[tool] = errors.get(tool, 0) + count
    return {
        "latencies": latencies,
        "errors": errors,
        "broken_clients": broken,
        "cpu_seconds": time.process_time() - cpu_before,
    }


def worker(args: tuple[str, int, int, float, float, float, str]) -> dict[str, Any]:
    import logging

    logging.disable(logging.WARNING)
    return asyncio.run(worker_main(*args))


# --------------------------------------------------------------------------- report


def percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    rank = max(1, min(len(ordered), round(pct / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def cache_counts(health: dict[str, Any]) -> tuple[int, int]:
    counts = health.get("metrics", {}).get("counts", {})
    return int(counts.get("cache:hit", 0)), int(counts.get("cache:miss", 0))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=60.0, help="measured seconds")
    parser.add_argument("--clients", type=int, default=100, help="concurrent MCP clients")
    parser.add_argument("--procs", type=int, default=4, help="client processes")
    parser.add_argument("--think", type=float, default=2.0, help="mean think time, s (0: none)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--mix",
        choices=["realistic", "cached"],
        default="realistic",
        help="realistic (default) or cached lookups only (isolates the cached path)",
    )
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument(
        "--url", help="drive an already running loopback server (http://127.0.0.1:PORT/mcp)"
    )
    args = parser.parse_args(argv)
    if not 1 <= args.duration <= 150:
        parser.error("--duration must be 1-150 s (the whole run stays under 3 minutes)")
    if not 1 <= args.clients <= 400 or not 1 <= args.procs <= 16:
        parser.error("--clients 1-400, --procs 1-16")

    wall_started = time.monotonic()
    load_before = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    with tempfile.TemporaryDirectory(prefix="smcp-load-") as tmp:
        root = Path(tmp)
        server = attach(args.url) if args.url else start_server(root, free_port())
        try:
            warm_started = time.monotonic()
            warm_errors = asyncio.run(warm_up(server.url))
            warm_seconds = time.monotonic() - warm_started
            before = asyncio.run(read_health(server.url))
            server_cpu_before = process_cpu_seconds(server.process.pid)

            per_proc = [args.clients // args.procs] * args.procs
            for i in range(args.clients % args.procs):
                per_proc[i] += 1
            start_at = time.time() + 3.0 + 0.05 * args.clients  # every session is open by then
            stop_at = start_at + args.duration
            jobs = [
                (server.url, n, args.seed + i, start_at, stop_at, args.think, args.mix)
                for i, n in enumerate(per_proc)
                if n
            ]
            context = multiprocessing.get_context("spawn")
            with context.Pool(len(jobs)) as pool:
                parts = pool.map(worker, jobs)
            server_cpu = process_cpu_seconds(server.process.pid) - server_cpu_before
            after = asyncio.run(read_health(server.url))
        finally:
            if not args.url:
                stop_server(server)
    total_wall = time.monotonic() - wall_started

    latencies: dict[str, list[float]] = {}
    errors: dict[str, int] = {}
    for part in parts:
        for tool, samples in part["latencies"].items():
            latencies.setdefault(tool, []).extend(samples)
        for tool, count in part["errors"].items():
            errors[tool] = errors.get(tool, 0) + count
    broken = sum(p["broken_clients"] for p in parts)
    client_cpu = sum(p["cpu_seconds"] for p in parts)
    total = sum(len(v) for v in latencies.values())
    error_count = sum(errors.values()) + broken + warm_errors
    per_minute = total / args.duration * 60
    hits0, misses0 = cache_counts(before)
    hits1, misses1 = cache_counts(after)
    lookups = (hits1 - hits0) + (misses1 - misses0)
    hit_rate = (hits1 - hits0) / lookups if lookups else 0.0
    cached = [s for tool in CACHED_TOOLS for s in latencies.get(tool, [])]
    cached_p95 = percentile(cached, 95) * 1000 if cached else float("inf")
    generation = latencies.get("generate_optimized_schedule", [])
    generation_p95 = percentile(generation, 95) if generation else float("inf")

    print(
        f"schedule-mcp load: {args.clients} clients in {len(jobs)} processes, "
        f"{args.duration:.0f} s, think {args.think:g} s, {args.mix} mix, offline world, "
        "streamable HTTP"
    )
    server_side = after.get("metrics", {}).get("tool_latency", {})
    print(
        f"{'tool':<30} {'calls':>7} {'errors':>6} {'p50 ms':>9} {'p95 ms':>9} {'p99 ms':>9}"
        f" {'srv p50':>8} {'srv p95':>8}"
    )
    print("-" * 93)
    for tool in sorted(latencies, key=lambda t: -len(latencies[t])):
        samples = latencies[tool]
        print(
            f"{tool:<30} {len(samples):>7} {errors.get(tool, 0):>6} "
            f"{percentile(samples, 50) * 1000:>9.1f} {percentile(samples, 95) * 1000:>9.1f} "
            f"{percentile(samples, 99) * 1000:>9.1f}"
            f" {server_side.get(tool, {}).get('p50_ms', float('nan')):>8.1f}"
            f" {server_side.get(tool, {}).get('p95_ms', float('nan')):>8.1f}"
        )
    everything = [s for samples in latencies.values() for s in samples]
    if everything:
        print("-" * 93)
        print(
            f"{'all':<30} {total:>7} {sum(errors.values()):>6} "
            f"{percentile(everything, 50) * 1000:>9.1f} {percentile(everything, 95) * 1000:>9.1f} "
            f"{percentile(everything, 99) * 1000:>9.1f}"
        )
    cores = os.cpu_count() or 1
    print()
    print(f"requests/min         {per_minute:,.0f} ({total / args.duration:.1f} req/s)")
    print(f"errors               {error_count} (warm-up {warm_errors}, broken clients {broken})")
    print(
        f"answer-cache hits    {hit_rate:.1%} after warm-up ({hits1 - hits0} of {lookups}); "
        f"server cumulative {after.get('metrics', {}).get('answer_cache_hit_rate')}, "
        f"disk cache {after.get('cache', {}).get('hit_rate')}"
    )
    print(
        f"client CPU           {client_cpu:.1f} s = {client_cpu / args.duration:.0%} of one core "
        f"({cores} cores); server CPU {server_cpu:.1f} s = {server_cpu / args.duration:.0%}"
    )
    load_after = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"warm-up              {warm_seconds:.1f} s; whole run {total_wall:.1f} s")
    print(
        f"machine load (1 min) {load_before:.2f} before, {load_after:.2f} after "
        "(before the run: other work on the machine; above ~0.5 it skews the latencies)"
    )
    targets = [
        ("requests/min >= 1,000", per_minute >= 1000, f"{per_minute:,.0f}"),
        ("cached lookup p95 < 100 ms", cached_p95 < 100, f"{cached_p95:.1f} ms"),
        ("schedule generation p95 < 5 s", generation_p95 < 5, f"{generation_p95:.2f} s"),
        ("zero errors", error_count == 0, str(error_count)),
        ("hit rate > 80 % after warm-up", hit_rate > 0.8, f"{hit_rate:.1%}"),
    ]
    print()
    for name, ok, value in targets:
        print(f"{'PASS' if ok else 'FAIL'}  {name:<32} {value}")
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "clients": args.clients,
                    "procs": len(jobs),
                    "duration_s": args.duration,
                    "think_s": args.think,
                    "requests": total,
                    "requests_per_minute": per_minute,
                    "errors": error_count,
                    "hit_rate_after_warmup": hit_rate,
                    "client_cpu_s": client_cpu,
                    "server_cpu_s": server_cpu,
                    "tools": {
                        tool: {
                            "calls": len(samples),
                            "errors": errors.get(tool, 0),
                            "p50_ms": percentile(samples, 50) * 1000,
                            "p95_ms": percentile(samples, 95) * 1000,
                            "p99_ms": percentile(samples, 99) * 1000,
                        }
                        for tool, samples in latencies.items()
                    },
                    "targets": {name: ok for name, ok, _ in targets},
                },
                indent=2,
            )
            + "\n",
            encoding="utf-8",
        )
    return 0 if all(ok for _, ok, _ in targets) else 1


if __name__ == "__main__":
    sys.exit(main())
