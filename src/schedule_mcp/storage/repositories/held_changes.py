"""Held changes: the durable record of a suspect upstream answer waiting for confirmation.

One row per stored key (a course snapshot key or a professor key). The gate runs inside the
caller's write transaction, so the decision and the write (or the hold) commit together.
The rule itself is pure (`schedule_mcp.domain.change_gate`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncConnection

from schedule_mcp.domain.change_gate import (
    ChangeRules,
    HeldChange,
    Suspicion,
    is_confirmed,
    next_held,
)
from schedule_mcp.errors import ChangeHeldError
from schedule_mcp.storage.repositories._sql import insert_for
from schedule_mcp.storage.tables import held_changes


def course_key(university: str, term_code: int, subject: str) -> str:
    """The held-change key of one course snapshot (university, term, subject)."""
    return f"courses:{university}:{term_code}:{subject}"


def professor_key(university: str, normalized_name: str) -> str:
    """The held-change key of one stored professor."""
    return f"professors:{university}:{normalized_name}"


async def read_held(connection: AsyncConnection, key: str) -> HeldChange | None:
    row = (await connection.execute(select(held_changes).where(held_changes.c.key == key))).first()
    if row is None:
        return None
    return HeldChange(row.key, row.fingerprint, row.reason, row.first_seen, row.last_seen)


async def _save_held(connection: AsyncConnection, held: HeldChange) -> None:
    values = {
        "key": held.key,
        "fingerprint": held.fingerprint,
        "reason": held.reason,
        "first_seen": held.first_seen,
        "last_seen": held.last_seen,
    }
    statement = insert_for(connection, held_changes).values(values)
    await connection.execute(
        statement.on_conflict_do_update(
            index_elements=["key"],
            set_={name: statement.excluded[name] for name in values if name != "key"},
        )
    )


async def clear_held(connection: AsyncConnection, key: str) -> None:
    await connection.execute(delete(held_changes).where(held_changes.c.key == key))


async def gate_change(
    connection: AsyncConnection,
    key: str,
    suspicion: Suspicion | None,
    *,
    now: datetime,
    rules: ChangeRules,
    force: bool,
) -> HeldChange | None:
    """None: the change may be written (any held record is cleared). Else the hold, saved.

    Accepted when nothing looks wrong, when `force`, or when the same change was first seen
    at least `rules.hold` ago (the confirmation).
    """
    held = await read_held(connection, key)
    if suspicion is None or force or is_confirmed(suspicion, held, now, rules):
        if held is not None:
            await clear_held(connection, key)
        return None
    record = next_held(key, suspicion, held, now)
    await _save_held(connection, record)
    return record


def held_error(
    what: str, held: HeldChange, rules: ChangeRules, kept: str, *, also: str = ""
) -> ChangeHeldError:
    """The error a held write raises: `what` was held, `kept` stays stored meanwhile."""
    confirm = held.confirm_after(rules)
    return ChangeHeldError(
        f"{what} held, {held.reason}",
        reason=held.reason,
        first_seen=held.first_seen,
        confirm_after=confirm,
        hint=f"the stored {kept} was kept; the same answer after {confirm:%Y-%m-%d %H:%M} UTC "
        f"is accepted{also}",
    )
