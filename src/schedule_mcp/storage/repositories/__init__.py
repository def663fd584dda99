"""Repositories: the only code that speaks SQL; they take and return domain models."""

from schedule_mcp.storage.repositories._sql import Clock, system_clock
from schedule_mcp.storage.repositories.courses import CourseRepository
from schedule_mcp.storage.repositories.leases import (
    FencingToken,
    Lease,
    LeaseRepository,
    check_fencing_token,
)
from schedule_mcp.storage.repositories.professors import ProfessorRepository
from schedule_mcp.storage.repositories.snapshot_write import SnapshotInfo, SnapshotResult
from schedule_mcp.storage.repositories.sync import SyncMetadataRepository

__all__ = [
    "Clock",
    "CourseRepository",
    "FencingToken",
    "Lease",
    "LeaseRepository",
    "ProfessorRepository",
    "SnapshotInfo",
    "SnapshotResult",
    "SyncMetadataRepository",
    "check_fencing_token",
    "system_clock",
]
