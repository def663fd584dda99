"""One object holding the database and every repository, for the server's composition root."""

from __future__ import annotations

from dataclasses import dataclass

from schedule_mcp.config import Settings
from schedule_mcp.storage.db import Database
from schedule_mcp.storage.migrate import ensure_schema
from schedule_mcp.storage.repositories import (
    Clock,
    CourseRepository,
    LeaseRepository,
    ProfessorRepository,
    SyncMetadataRepository,
    system_clock,
)


@dataclass(frozen=True)
class Storage:
    """The repositories over one Database, sharing one clock."""

    database: Database
    courses: CourseRepository
    professors: ProfessorRepository
    sync: SyncMetadataRepository
    leases: LeaseRepository

    @classmethod
    def over(cls, database: Database, clock: Clock = system_clock) -> Storage:
        return cls(
            database=database,
            courses=CourseRepository(database, clock),
            professors=ProfessorRepository(database, clock),
            sync=SyncMetadataRepository(database, clock),
            leases=LeaseRepository(database, clock),
        )

    @classmethod
    async def open(cls, settings: Settings, clock: Clock = system_clock) -> Storage:
        """Connect per `settings` and bring the schema up to date (what the server does at start)."""
        database = Database.from_settings(settings)
        try:
            await ensure_schema(database.engine)
        except BaseException:
            await database.dispose()
            raise
        return cls.over(database, clock)

    async def close(self) -> None:
        await self.database.dispose()
