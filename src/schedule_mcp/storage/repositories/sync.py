"""Sync metadata: when each entity kind was last synced per (semester, university)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import or_, select, update

from schedule_mcp.domain.models import SyncEntity, SyncMetadata, SyncStatus
from schedule_mcp.storage.db import Database
from schedule_mcp.storage.repositories._sql import Clock, insert_for, system_clock
from schedule_mcp.storage.tables import sync_metadata

_KEY = ("entity_type", "semester", "university")


class SyncMetadataRepository:
    """Get, create, update and record sync state; find what needs a refresh."""

    def __init__(self, database: Database, clock: Clock = system_clock) -> None:
        self._database = database
        self._clock = clock

    async def get(
        self, entity_type: SyncEntity, semester: str, university: str
    ) -> SyncMetadata | None:
        statement = select(sync_metadata).where(
            sync_metadata.c.entity_type == entity_type.value,
            sync_metadata.c.semester == semester,
            sync_metadata.c.university == university,
        )
        async with self._database.read_session() as connection:
            row = (await connection.execute(statement)).first()
        return None if row is None else _metadata(row)

    async def create(self, metadata: SyncMetadata) -> SyncMetadata:
        """Insert a new row; IntegrityError if one exists for the same key (use `record`)."""
        async with self._database.write_session() as connection:
            await connection.execute(sync_metadata.insert().values(_row(metadata)))
        return metadata

    async def update(self, metadata: SyncMetadata) -> SyncMetadata:
        """Overwrite the row with the same (entity_type, semester, university)."""
        values = {
            name: value for name, value in _row(metadata).items() if name not in {"id", *_KEY}
        }
        async with self._database.write_session() as connection:
            result = await connection.execute(
                update(sync_metadata)
                .where(
                    sync_metadata.c.entity_type == metadata.entity_type.value,
                    sync_metadata.c.semester == metadata.semester,
                    sync_metadata.c.university == metadata.university,
                )
                .values(values)
            )
        if result.rowcount != 1:
            raise LookupError(
                f"no sync metadata for {metadata.entity_type} {metadata.semester} {metadata.university}"
            )
        return metadata

    async def record(
        self,
        entity_type: SyncEntity,
        semester: str,
        university: str,
        status: SyncStatus,
        *,
        error_message: str | None = None,
    ) -> SyncMetadata:
        """Upsert the outcome of a sync attempt; `last_sync` advances only on success."""
        now = self._clock()
        async with self._database.write_session() as connection:
            statement = insert_for(connection, sync_metadata)
            set_: dict[str, Any] = {
                "sync_status": statement.excluded.sync_status,
                "error_message": statement.excluded.error_message,
            }
            if status is SyncStatus.SUCCESS:
                set_["last_sync"] = statement.excluded.last_sync
            fresh = SyncMetadata(
                entity_type=entity_type,
                semester=semester,
                university=university,
                last_sync=now if status is SyncStatus.SUCCESS else None,
                sync_status=status,
                error_message=error_message,
                created_at=now,
            )
            await connection.execute(
                statement.values(_row(fresh)).on_conflict_do_update(
                    index_elements=list(_KEY), set_=set_
                )
            )
            row = (
                await connection.execute(
                    select(sync_metadata).where(
                        sync_metadata.c.entity_type == entity_type.value,
                        sync_metadata.c.semester == semester,
                        sync_metadata.c.university == university,
                    )
                )
            ).one()
        return _metadata(row)

    async def list_all(self, entity_type: SyncEntity | None = None) -> list[SyncMetadata]:
        """Every sync row (of one entity kind), most recently synced first."""
        statement = select(sync_metadata).order_by(
            sync_metadata.c.last_sync.desc().nulls_last(),
            sync_metadata.c.university,
            sync_metadata.c.semester,
        )
        if entity_type is not None:
            statement = statement.where(sync_metadata.c.entity_type == entity_type.value)
        async with self._database.read_session() as connection:
            return [_metadata(row) for row in await connection.execute(statement)]

    async def get_stale_entities(
        self, entity_type: SyncEntity, ttl_seconds: float
    ) -> list[SyncMetadata]:
        """Rows of `entity_type` never synced successfully or last synced over `ttl_seconds` ago."""
        cutoff = self._clock() - timedelta(seconds=ttl_seconds)
        statement = (
            select(sync_metadata)
            .where(
                sync_metadata.c.entity_type == entity_type.value,
                or_(sync_metadata.c.last_sync.is_(None), sync_metadata.c.last_sync < cutoff),
            )
            .order_by(sync_metadata.c.university, sync_metadata.c.semester)
        )
        async with self._database.read_session() as connection:
            return [_metadata(row) for row in await connection.execute(statement)]


def _row(metadata: SyncMetadata) -> dict[str, Any]:
    return {
        "id": metadata.id,
        "entity_type": metadata.entity_type.value,
        "semester": metadata.semester,
        "university": metadata.university,
        "last_sync": metadata.last_sync,
        "sync_status": metadata.sync_status.value,
        "error_message": metadata.error_message,
        "created_at": metadata.created_at,
    }


def _metadata(row: Any) -> SyncMetadata:
    return SyncMetadata(
        id=row.id,
        entity_type=SyncEntity(row.entity_type),
        semester=row.semester,
        university=row.university,
        last_sync=row.last_sync,
        sync_status=SyncStatus(row.sync_status),
        error_message=row.error_message,
        created_at=row.created_at,
    )
