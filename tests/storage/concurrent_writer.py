"""DB-2 helper process: TASKS tasks x ITERATIONS read-then-write upserts on overlapping keys.

Usage: python concurrent_writer.py URL PROCESS_ID TASKS ITERATIONS KEYS
Prints one JSON line: {"errors": [...], "latencies": [...transaction seconds...]}.
"""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from schedule_mcp.storage.db import Database
from schedule_mcp.storage.tables import leases

EXPIRES = datetime(2030, 1, 1, tzinfo=UTC)


async def increment(database: Database, key: str, holder: str) -> None:
    """Read the counter (the `token` column), then write counter + 1: a lost update if unserialised."""
    async with database.write_session() as connection:
        current = (
            await connection.execute(select(leases.c.token).where(leases.c.key == key))
        ).scalar_one_or_none()
        insert = postgresql.insert if database.dialect == "postgresql" else sqlite.insert
        statement = insert(leases).values(
            key=key, holder=holder, token=(current or 0) + 1, expires_at=EXPIRES
        )
        await connection.execute(
            statement.on_conflict_do_update(
                index_elements=[leases.c.key],
                set_={"token": statement.excluded.token, "holder": statement.excluded.holder},
            )
        )


async def main(url: str, process: str, tasks: int, iterations: int, keys: int) -> None:
    database = Database.from_url(url)
    errors: list[str] = []

    async def worker(task: int) -> None:
        for iteration in range(iterations):
            key = f"counter-{(iteration + task) % keys}"
            try:
                await increment(database, key, f"{process}/{task}")
            except Exception as exc:
                errors.append(f"{type(exc).__name__}: {exc}"[:300])

    try:
        await asyncio.gather(*(worker(task) for task in range(tasks)))
    finally:
        await database.dispose()
    print(json.dumps({"errors": errors}))


if __name__ == "__main__":
    url, process, tasks, iterations, keys = sys.argv[1:6]
    asyncio.run(main(url, process, int(tasks), int(iterations), int(keys)))
