"""SQLAlchemy Core tables: the single source of truth the migrations must match.

Timestamps are stored as UTC and always come back timezone-aware (`UTCDateTime`), so
SQLite (which has no time zones) and PostgreSQL (`timestamptz`) behave the same.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    false,
)
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime on both databases; naive values are refused on the way in."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: pass an aware UTC datetime")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


NAMING_CONVENTION: dict[str, Any] = {
    "ix": "ix_%(column_0_N_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

courses = Table(
    "courses",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("university", String(16), nullable=False),
    Column("term_code", Integer, nullable=False),
    Column("subject", String(16), nullable=False, comment="the Global Search subject filter"),
    Column("code", String(32), nullable=False),
    Column("title", String(300), nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("last_scraped", UTCDateTime(), nullable=False, comment="when the content last changed"),
    Column("is_stale", Boolean, nullable=False, server_default=false()),
    UniqueConstraint("university", "term_code", "subject", "code"),
    Index("ix_courses_semester_university", "term_code", "university"),
    Index("ix_courses_code", "university", "term_code", "code"),
)

sections = Table(
    "sections",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "course_id",
        Integer,
        ForeignKey("courses.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("university", String(16), nullable=False),
    Column("term_code", Integer, nullable=False),
    Column("class_number", String(8), nullable=False),
    Column("course_code", String(32), nullable=False),
    Column("section", String(32), nullable=False),
    Column("component", String(32), nullable=False),
    Column("session", String(64), nullable=False),
    Column("instruction_mode", String(32), nullable=False),
    Column("instruction_mode_label", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("topic", String(300), nullable=False),
    Column("seats_capacity", Integer),
    Column("seats_enrolled", Integer),
    Column("seats_available", Integer),
    Column("seats_wait_capacity", Integer),
    Column("seats_wait_total", Integer),
    Column("content_hash", String(64), nullable=False),
    Column("last_scraped", UTCDateTime(), nullable=False, comment="when the content last changed"),
    UniqueConstraint("university", "term_code", "class_number"),
)


def _section_position_key() -> tuple[Column[int], Column[int]]:
    """The (section, position) key of a section's ordered child rows; deleted with it."""
    section_id = Column(
        "section_id", Integer, ForeignKey("sections.id", ondelete="CASCADE"), primary_key=True
    )
    return section_id, Column("position", Integer, primary_key=True)


meetings = Table(
    "meetings",
    metadata,
    *_section_position_key(),
    Column("days", String(14), nullable=False, comment='Global Search tokens, "" when TBA'),
    Column("start_minute", Integer),
    Column("end_minute", Integer),
    Column("room", String(120), nullable=False),
    Column("instructor", String(300), nullable=False),
    Column("start_date", Date),
    Column("end_date", Date),
)

section_instructors = Table(
    "section_instructors",
    metadata,
    *_section_position_key(),
    Column("name", String(200), nullable=False),
    Column("normalized_name", String(200), nullable=False, index=True),
)

course_snapshots = Table(
    "course_snapshots",
    metadata,
    Column("university", String(16), primary_key=True),
    Column("term_code", Integer, primary_key=True),
    Column("subject", String(16), primary_key=True),
    Column("fetched_at", UTCDateTime(), nullable=False, comment="when upstream was read"),
    Column("checked_at", UTCDateTime(), nullable=False, comment="when this snapshot was stored"),
    Column("changed_at", UTCDateTime(), nullable=False, comment="when the content last changed"),
    Column("row_count", Integer, nullable=False, comment="sections"),
    Column("course_count", Integer, nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("fencing_token", BigInteger),
)

professors = Table(
    "professors",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("university", String(16), nullable=False),
    Column("name", String(200), nullable=False),
    Column("normalized_name", String(200), nullable=False),
    Column("first_name", String(100), nullable=False),
    Column("last_name", String(100), nullable=False),
    Column("department", String(200), nullable=False),
    Column("rmp_id", String(64)),
    Column("rmp_legacy_id", Integer),
    Column("avg_rating", Float),
    Column("avg_difficulty", Float),
    Column("num_ratings", Integer, nullable=False),
    Column("would_take_again_percent", Float),
    Column("last_updated", UTCDateTime(), nullable=False),
    Column("data_source", String(32), nullable=False),
    UniqueConstraint("university", "normalized_name"),
    Index("ix_professors_name_university", "name", "university"),
)

reviews = Table(
    "reviews",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("upstream_id", String(64), nullable=False, unique=True),
    Column(
        "professor_id",
        Integer,
        ForeignKey("professors.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("professor_rmp_id", String(64), nullable=False),
    Column("posted_at", UTCDateTime(), nullable=False),
    Column("course", String(64), nullable=False),
    Column("comment", Text, nullable=False, comment="untrusted user-submitted text"),
    Column("quality", Float, nullable=False),
    Column("difficulty", Float, nullable=False),
    Column("would_take_again", Boolean),
    Column("grade", String(32), nullable=False),
    Column("attendance", String(64), nullable=False),
    Column("tags", JSON, nullable=False),
    Column("thumbs_up", Integer, nullable=False),
    Column("thumbs_down", Integer, nullable=False),
    Column("is_online", Boolean, nullable=False),
    Column("for_credit", Boolean, nullable=False),
    Column("scraped_at", UTCDateTime(), nullable=False),
)

sync_metadata = Table(
    "sync_metadata",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("entity_type", String(32), nullable=False),
    Column("semester", String(32), nullable=False),
    Column("university", String(16), nullable=False),
    Column("last_sync", UTCDateTime()),
    Column("sync_status", String(16), nullable=False),
    Column("error_message", Text),
    Column("created_at", UTCDateTime(), nullable=False),
    UniqueConstraint("entity_type", "semester", "university"),
)

leases = Table(
    "leases",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("holder", String(200), nullable=False),
    Column("token", BigInteger, nullable=False, comment="fencing token, grows on every handover"),
    Column("expires_at", UTCDateTime(), nullable=False),
)

held_changes = Table(
    "held_changes",
    metadata,
    Column("key", String(200), primary_key=True, comment="courses:<u>:<term>:<subject> etc."),
    Column("fingerprint", String(64), nullable=False, comment="what the change would lose"),
    Column("reason", Text, nullable=False, comment="what looked wrong, for answers"),
    Column("first_seen", UTCDateTime(), nullable=False),
    Column("last_seen", UTCDateTime(), nullable=False),
)
