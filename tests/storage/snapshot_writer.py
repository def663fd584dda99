"""DB-6 helper process: rewrite one subject forever, alternating two 1,000-row snapshots.

Usage (from the repository root): python -m tests.storage.snapshot_writer URL. Prints "ready" after the first commit; runs until killed.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from schedule_mcp.storage.db import Database
from schedule_mcp.storage.repositories import CourseRepository
from tests.storage.factories import make_snapshot


async def main(url: str) -> None:
    database = Database.from_url(url)
    repository = CourseRepository(database)
    snapshots = [make_snapshot(1000), make_snapshot(1000, variant=1)]
    await repository.replace_snapshot(snapshots[0])
    print("ready", flush=True)
    index = 1
    while True:
        await repository.replace_snapshot(snapshots[index % 2])
        index += 1


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
