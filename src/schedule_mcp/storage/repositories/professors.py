"""Professors (RateMyProfessors aggregates) and their reviews."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from schedule_mcp.domain.models import Professor, Rating
from schedule_mcp.domain.names import normalise_name
from schedule_mcp.storage.db import Database
from schedule_mcp.storage.repositories._sql import Clock, chunks, insert_for, system_clock
from schedule_mcp.storage.tables import professors, reviews

_PROFESSOR_FIELDS = (
    "name",
    "first_name",
    "last_name",
    "department",
    "rmp_id",
    "rmp_legacy_id",
    "avg_rating",
    "avg_difficulty",
    "num_ratings",
    "would_take_again_percent",
    "data_source",
)


class ProfessorRepository:
    """Upsert and look up professors by name within a university; store their reviews."""

    def __init__(self, database: Database, clock: Clock = system_clock) -> None:
        self._database = database
        self._clock = clock

    async def upsert(self, professor: Professor) -> Professor:
        """Insert or update by (university, normalised name); sets `last_updated` to now."""
        return (await self.upsert_many([professor]))[0]

    async def upsert_many(self, items: Sequence[Professor]) -> list[Professor]:
        """Bulk `upsert`, one transaction; returns the stored professors with ids."""
        if not items:
            return []
        now = self._clock()
        rows = {
            (item.university, normalise_name(item.name)): {
                **{name: getattr(item, name) for name in _PROFESSOR_FIELDS},
                "university": item.university,
                "normalized_name": normalise_name(item.name),
                "last_updated": now,
            }
            for item in items
        }
        async with self._database.write_session() as connection:
            statement = insert_for(connection, professors)
            await connection.execute(
                statement.on_conflict_do_update(
                    index_elements=["university", "normalized_name"],
                    set_={
                        name: statement.excluded[name]
                        for name in (*_PROFESSOR_FIELDS, "last_updated")
                    },
                ),
                list(rows.values()),
            )
            stored = await _professors_by_key(connection, list(rows))
        return [stored[(item.university, normalise_name(item.name))] for item in items]

    async def find_by_name(self, name: str, university: str) -> Professor | None:
        """The professor whose normalised name matches `name` at `university`."""
        async with self._database.read_session() as connection:
            found = await _professors_by_key(connection, [(university, normalise_name(name))])
        return next(iter(found.values()), None)

    async def get(self, professor_id: int) -> Professor | None:
        async with self._database.read_session() as connection:
            row = (
                await connection.execute(select(professors).where(professors.c.id == professor_id))
            ).first()
        return None if row is None else _professor(row)

    async def list_for_university(self, university: str) -> list[Professor]:
        statement = (
            select(professors)
            .where(professors.c.university == university)
            .order_by(professors.c.normalized_name)
        )
        async with self._database.read_session() as connection:
            return [_professor(row) for row in await connection.execute(statement)]

    async def insert_reviews(self, professor_id: int, ratings: Sequence[Rating]) -> int:
        """Store reviews not seen before (by upstream id), stamping `scraped_at`; returns how many."""
        if not ratings:
            return 0
        now = self._clock()
        rows = {rating.upstream_id: _review_row(professor_id, rating, now) for rating in ratings}
        async with self._database.write_session() as connection:
            known: set[str] = set()
            for batch in chunks(list(rows)):
                result = await connection.execute(
                    select(reviews.c.upstream_id).where(reviews.c.upstream_id.in_(batch))
                )
                known.update(result.scalars())
            new_rows = [row for upstream_id, row in rows.items() if upstream_id not in known]
            if new_rows:
                statement = insert_for(connection, reviews).on_conflict_do_nothing(
                    index_elements=["upstream_id"]
                )
                await connection.execute(statement, new_rows)
        return len(new_rows)

    async def get_reviews(self, professor_id: int, *, limit: int | None = None) -> list[Rating]:
        """A professor's reviews, newest first."""
        statement = (
            select(reviews)
            .where(reviews.c.professor_id == professor_id)
            .order_by(reviews.c.posted_at.desc(), reviews.c.upstream_id)
            .limit(limit)
        )
        async with self._database.read_session() as connection:
            return [_rating(row) for row in await connection.execute(statement)]


async def _professors_by_key(
    connection: AsyncConnection, keys: list[tuple[str, str]]
) -> dict[tuple[str, str], Professor]:
    found: dict[tuple[str, str], Professor] = {}
    for university in {university for university, _ in keys}:
        names = [name for key_university, name in keys if key_university == university]
        for batch in chunks(names):
            result = await connection.execute(
                select(professors).where(
                    professors.c.university == university,
                    professors.c.normalized_name.in_(batch),
                )
            )
            found.update({(row.university, row.normalized_name): _professor(row) for row in result})
    return found


def _professor(row: Any) -> Professor:
    return Professor(
        id=row.id,
        university=row.university,
        last_updated=row.last_updated,
        **{name: getattr(row, name) for name in _PROFESSOR_FIELDS},
    )


def _review_row(professor_id: int, rating: Rating, now: datetime) -> dict[str, Any]:
    return {
        "upstream_id": rating.upstream_id,
        "professor_id": professor_id,
        "professor_rmp_id": rating.professor_rmp_id,
        "posted_at": rating.date,
        "course": rating.course,
        "comment": rating.comment,
        "quality": rating.quality,
        "difficulty": rating.difficulty,
        "would_take_again": rating.would_take_again,
        "grade": rating.grade,
        "attendance": rating.attendance,
        "tags": list(rating.tags),
        "thumbs_up": rating.thumbs_up,
        "thumbs_down": rating.thumbs_down,
        "is_online": rating.is_online,
        "for_credit": rating.for_credit,
        "scraped_at": now,
    }


def _rating(row: Any) -> Rating:
    return Rating(
        upstream_id=row.upstream_id,
        professor_rmp_id=row.professor_rmp_id,
        date=row.posted_at,
        course=row.course,
        comment=row.comment,
        quality=row.quality,
        difficulty=row.difficulty,
        would_take_again=row.would_take_again,
        grade=row.grade,
        attendance=row.attendance,
        tags=list(row.tags),
        thumbs_up=row.thumbs_up,
        thumbs_down=row.thumbs_down,
        is_online=row.is_online,
        for_credit=row.for_credit,
        scraped_at=row.scraped_at,
    )
