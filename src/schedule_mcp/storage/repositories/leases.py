"""Cross-process single-flight: lease rows with fencing tokens (docs/reliability.md §4.2).

A lease is held by one holder until `expires_at`. Every handover increments the key's
token, and a write that carries a token other than the current one is refused with
StaleTokenError, so a paused or resurrected old holder can never overwrite newer data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from schedule_mcp.errors import StaleTokenError
from schedule_mcp.storage.db import Database
from schedule_mcp.storage.repositories._sql import Clock, insert_for, system_clock
from schedule_mcp.storage.tables import leases


@dataclass(frozen=True)
class Lease:
    """A held lease: pass it (or its `fencing`) to writes that must be fenced."""

    key: str
    holder: str
    token: int
    expires_at: datetime

    @property
    def fencing(self) -> FencingToken:
        return FencingToken(key=self.key, token=self.token)


@dataclass(frozen=True)
class FencingToken:
    """The (key, token) pair a fenced write checks inside its transaction."""

    key: str
    token: int


async def check_fencing_token(connection: AsyncConnection, fencing: FencingToken) -> None:
    """Raise StaleTokenError unless `fencing` is the key's current token (call inside a write)."""
    current = (
        await connection.execute(select(leases.c.token).where(leases.c.key == fencing.key))
    ).scalar_one_or_none()
    if current != fencing.token:
        raise StaleTokenError(
            f"lease {fencing.key!r}: token {fencing.token} is stale (current {current})",
            hint="another process took over this sync; its result will be used",
        )


class LeaseRepository:
    """Acquire, renew and release named leases."""

    def __init__(self, database: Database, clock: Clock = system_clock) -> None:
        self._database = database
        self._clock = clock

    async def acquire(self, key: str, holder: str, ttl: timedelta) -> Lease | None:
        """Take the lease if it is free or expired; None while someone else holds it.

        One atomic statement: insert, or take over an expired row with token + 1.
        """
        now = self._clock()
        expires_at = now + ttl
        async with self._database.write_session() as connection:
            statement = insert_for(connection, leases).values(
                key=key, holder=holder, token=1, expires_at=expires_at
            )
            statement = statement.on_conflict_do_update(
                index_elements=[leases.c.key],
                set_={
                    "holder": statement.excluded.holder,
                    "token": leases.c.token + 1,
                    "expires_at": statement.excluded.expires_at,
                },
                where=leases.c.expires_at <= now,
            ).returning(leases.c.token)
            token = (await connection.execute(statement)).scalar_one_or_none()
        if token is None:
            return None
        return Lease(key=key, holder=holder, token=int(token), expires_at=expires_at)

    async def renew(self, lease: Lease, ttl: timedelta) -> Lease:
        """Extend a held lease (heartbeat); StaleTokenError if it was taken over."""
        expires_at = self._clock() + ttl
        if not await self._set_expiry(lease, expires_at):
            raise StaleTokenError(f"lease {lease.key!r} with token {lease.token} is no longer held")
        return Lease(key=lease.key, holder=lease.holder, token=lease.token, expires_at=expires_at)

    async def release(self, lease: Lease) -> bool:
        """Let the lease go now; False if it had already been taken over.

        The row stays (expired) so the next holder's token is still higher.
        """
        return await self._set_expiry(lease, self._clock())

    async def _set_expiry(self, lease: Lease, expires_at: datetime) -> bool:
        """Move a held lease's expiry; False when its token or holder no longer match."""
        async with self._database.write_session() as connection:
            result = await connection.execute(
                update(leases)
                .where(
                    leases.c.key == lease.key,
                    leases.c.token == lease.token,
                    leases.c.holder == lease.holder,
                )
                .values(expires_at=expires_at)
            )
        return bool(result.rowcount == 1)

    async def get(self, key: str) -> Lease | None:
        """The lease row for `key` (held or expired), or None if never taken."""
        async with self._database.read_session() as connection:
            row = (await connection.execute(select(leases).where(leases.c.key == key))).first()
        if row is None:
            return None
        return Lease(key=row.key, holder=row.holder, token=row.token, expires_at=row.expires_at)

    async def is_held(self, key: str) -> bool:
        lease = await self.get(key)
        return lease is not None and lease.expires_at > self._clock()
