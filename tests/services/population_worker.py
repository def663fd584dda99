"""SF-6 helper: PROCESSES "server" processes, each making CALLS concurrent cold calls.

Usage: python -m tests.services.population_worker DB_URL CUNY_URL RMP_URL DIR CALLS PROCESSES

The parent imports the app once and forks the servers (cheap on a 2-core machine). Each
prints "ready" once its app is open, waits until DIR/go exists, runs its calls at once,
then prints one JSON line with what it saw.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

from schedule_mcp.app import open_app
from schedule_mcp.config import load_settings
from schedule_mcp.domain.colleges import find_college
from schedule_mcp.domain.terms import parse_term


def say(line: str) -> None:
    """One whole line per write: the forked servers share the parent's stdout pipe."""
    os.write(1, (line + "\n").encode())


async def serve(url: str, cuny_url: str, rmp_url: str, folder: Path, calls: int) -> None:
    settings = load_settings(
        database_url=url,
        cuny_url=cuny_url,
        rmp_url=rmp_url,
        data_dir=folder,
        cache_dir=folder / "cache",
        host_rate=0.0,
        max_attempts=1,
    )
    async with open_app(settings, migrate=False) as app:
        queens, term = find_college("QNS01"), parse_term("2026 Fall")
        await app.population.resolve_subjects(queens, term, "CMSC", ())
        say("ready")
        waited = 0.0
        while not (folder.parent / "go").exists():
            await asyncio.sleep(0.01)
            waited += 0.01
            if waited > 60:  # the test went away: never linger
                raise TimeoutError("no go signal")
        outcomes = await asyncio.gather(
            *(
                app.population.ensure_course_data(term, queens, "CMSC", timeout=15)
                for _ in range(calls)
            ),
            return_exceptions=True,
        )
        report = {
            "pid": os.getpid(),
            "fetches": app.population.upstream_fetches,
            "fresh": sum(1 for o in outcomes if not isinstance(o, BaseException) and o.is_fresh),
            "errors": [repr(o)[:200] for o in outcomes if isinstance(o, BaseException)][:5],
            "sections": await app.courses.count_sections("QNS01", 1269, "CMSC"),
        }
        say(json.dumps(report))


def main(argv: list[str]) -> int:
    url, cuny_url, rmp_url, root, calls, processes = argv
    children = []
    for index in range(int(processes)):
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                folder = Path(root) / f"server{index}"
                folder.mkdir(parents=True, exist_ok=True)
                asyncio.run(serve(url, cuny_url, rmp_url, folder, int(calls)))
            except BaseException as exc:  # report, never fall back into the parent's loop
                say(json.dumps({"crash": repr(exc)[:500]}))
                code = 1
            finally:
                os._exit(code)
        children.append(pid)
    failed = 0
    for pid in children:
        _, status = os.waitpid(pid, 0)
        failed += int(status != 0)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
