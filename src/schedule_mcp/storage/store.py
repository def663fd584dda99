"""One object holding the database and every repository, for the server's composition root."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from schedule_mcp.config import Settings
from schedule_mcp.domain.change_gate import ChangeRules
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
    def over(
        cls, database: Database, clock: Clock = system_clock, rules: ChangeRules | None = None
    ) -> Storage:
        return cls(
            database=database,
            courses=CourseRepository(database, clock, rules),
            professors=ProfessorRepository(database, clock, rules),
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
        return cls.over(database, clock, change_rules(settings))


def change_rules(settings: Settings) -> ChangeRules:
    """The change gate's thresholds from settings (held suspect changes, docs/operations.md)."""
    return ChangeRules(
        max_section_loss=settings.snapshot_max_section_loss,
        hold=timedelta(seconds=settings.suspect_hold),
    )
