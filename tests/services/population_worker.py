"""SF-6 helper process: one "server" making CALLS concurrent cold ensure_course_data calls.

Usage: python -m tests.services.population_worker DB_URL CUNY_URL RMP_URL DATA_DIR CALLS
Prints "ready" once its app is open (and the subject list is known), waits for a line on
stdin, runs the calls, then prints one JSON line with what it saw.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

from schedule_mcp.app import open_app
from schedule_mcp.config import load_settings
from schedule_mcp.domain.terms import parse_term


async def main(url: str, cuny_url: str, rmp_url: str, data_dir: str, calls: int) -> None:
    settings = load_settings(
        database_url=url,
        cuny_url=cuny_url,
        rmp_url=rmp_url,
        data_dir=Path(data_dir),
        cache_dir=Path(data_dir) / "cache",
        host_min_gap=0.0,
        max_attempts=1,
        connect_timeout=5.0,
        read_timeout=5.0,
    )
    async with open_app(settings, migrate=False) as app:
        await app.cuny.list_subjects("QNS01", parse_term("2026 Fall"))
        print("ready", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        outcomes = await asyncio.gather(
            *(
                app.population.ensure_course_data("2026 Fall", "QNS01", "CMSC", timeout=15)
                for _ in range(calls)
            ),
            return_exceptions=True,
        )
        fresh = [o for o in outcomes if not isinstance(o, BaseException) and o.is_fresh]
        errors = [repr(o) for o in outcomes if isinstance(o, BaseException)]
        sections = await app.courses.count_sections("QNS01", 1269, "CMSC")
        print(
            json.dumps(
                {
                    "fetches": app.population.upstream_fetches,
                    "fresh": len(fresh),
                    "errors": errors,
                    "sections": sections,
                }
            ),
            flush=True,
        )


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])))
