"""Initial schema: courses, sections, meetings, professors, reviews, sync state, leases.

Revision ID: 0001
Revises:
Create Date: 2026-11-28 17:36:05.220449
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Long on purpose: the initial schema, one declarative create per table, in FK order."""
    op.create_table(
        "course_snapshots",
        sa.Column("university", sa.String(length=16), nullable=False),
        sa.Column("term_code", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=16), nullable=False),
        sa.Column(
            "fetched_at",
            sa.DateTime(timezone=True),
            nullable=False,
            comment="when upstream was read",
        ),
        sa.Column(
            "checked_at",
            sa.DateTime(timezone=True),
            nullable=False,
            comment="when this snapshot was stored",
        ),
        sa.Column(
            "changed_at",
            sa.DateTime(timezone=True),
            nullable=False,
            comment="when the content last changed",
        ),
        sa.Column("row_count", sa.Integer(), nullable=False, comment="sections"),
        sa.Column("course_count", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("fencing_token", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint(
            "university", "term_code", "subject", name=op.f("pk_course_snapshots")
        ),
    )
    op.create_table(
        "courses",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("university", sa.String(length=16), nullable=False),
        sa.Column("term_code", sa.Integer(), nullable=False),
        sa.Column(
            "subject",
            sa.String(length=16),
            nullable=False,
            comment="the Global Search subject filter",
        ),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column(
            "last_scraped",
            sa.DateTime(timezone=True),
            nullable=False,
            comment="when the content last changed",
        ),
        sa.Column("is_stale", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_courses")),
        sa.UniqueConstraint(
            "university",
            "term_code",
            "subject",
            "code",
            name=op.f("uq_courses_university_term_code_subject_code"),
        ),
    )
    op.create_index("ix_courses_code", "courses", ["university", "term_code", "code"], unique=False)
    op.create_index(
        "ix_courses_semester_university", "courses", ["term_code", "university"], unique=False
    )
    op.create_table(
        "leases",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("holder", sa.String(length=200), nullable=False),
        sa.Column(
            "token",
            sa.BigInteger(),
            nullable=False,
            comment="fencing token, grows on every handover",
        ),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_leases")),
    )
    op.create_table(
        "professors",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("university", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("normalized_name", sa.String(length=200), nullable=False),
        sa.Column("first_name", sa.String(length=100), nullable=False),
        sa.Column("last_name", sa.String(length=100), nullable=False),
        sa.Column("department", sa.String(length=200), nullable=False),
        sa.Column("rmp_id", sa.String(length=64), nullable=True),
        sa.Column("rmp_legacy_id", sa.Integer(), nullable=True),
        sa.Column("avg_rating", sa.Float(), nullable=True),
        sa.Column("avg_difficulty", sa.Float(), nullable=True),
        sa.Column("num_ratings", sa.Integer(), nullable=False),
        sa.Column("would_take_again_percent", sa.Float(), nullable=True),
        sa.Column("last_updated", sa.DateTime(timezone=True), nullable=False),
        sa.Column("data_source", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_professors")),
        sa.UniqueConstraint(
            "university", "normalized_name", name=op.f("uq_professors_university_normalized_name")
        ),
    )
    op.create_index(
        "ix_professors_name_university", "professors", ["name", "university"], unique=False
    )
    op.create_table(
        "sync_metadata",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("entity_type", sa.String(length=32), nullable=False),
        sa.Column("semester", sa.String(length=32), nullable=False),
        sa.Column("university", sa.String(length=16), nullable=False),
        sa.Column("last_sync", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sync_status", sa.String(length=16), nullable=False),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_metadata")),
        sa.UniqueConstraint(
            "entity_type",
            "semester",
            "university",
            name=op.f("uq_sync_metadata_entity_type_semester_university"),
        ),
    )
    op.create_table(
        "reviews",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("upstream_id", sa.String(length=64), nullable=False),
        sa.Column("professor_id", sa.Integer(), nullable=False),
        sa.Column("professor_rmp_id", sa.String(length=64), nullable=False),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("course", sa.String(length=64), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False, comment="untrusted user-submitted text"),
        sa.Column("quality", sa.Float(), nullable=False),
        sa.Column("difficulty", sa.Float(), nullable=False),
        sa.Column("would_take_again", sa.Boolean(), nullable=True),
        sa.Column("grade", sa.String(length=32), nullable=False),
        sa.Column("attendance", sa.String(length=64), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("thumbs_up", sa.Integer(), nullable=False),
        sa.Column("thumbs_down", sa.Integer(), nullable=False),
        sa.Column("is_online", sa.Boolean(), nullable=False),
        sa.Column("for_credit", sa.Boolean(), nullable=False),
        sa.Column("scraped_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["professor_id"],
            ["professors.id"],
            name=op.f("fk_reviews_professor_id_professors"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reviews")),
        sa.UniqueConstraint("upstream_id", name=op.f("uq_reviews_upstream_id")),
    )
    op.create_index("ix_reviews_professor_id", "reviews", ["professor_id"], unique=False)
    op.create_table(
        "sections",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("university", sa.String(length=16), nullable=False),
        sa.Column("term_code", sa.Integer(), nullable=False),
        sa.Column("class_number", sa.String(length=8), nullable=False),
        sa.Column("course_code", sa.String(length=32), nullable=False),
        sa.Column("section", sa.String(length=32), nullable=False),
        sa.Column("component", sa.String(length=32), nullable=False),
        sa.Column("session", sa.String(length=64), nullable=False),
        sa.Column("instruction_mode", sa.String(length=32), nullable=False),
        sa.Column("instruction_mode_label", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("topic", sa.String(length=300), nullable=False),
        sa.Column("seats_capacity", sa.Integer(), nullable=True),
        sa.Column("seats_enrolled", sa.Integer(), nullable=True),
        sa.Column("seats_available", sa.Integer(), nullable=True),
        sa.Column("seats_wait_capacity", sa.Integer(), nullable=True),
        sa.Column("seats_wait_total", sa.Integer(), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column(
            "last_scraped",
            sa.DateTime(timezone=True),
            nullable=False,
            comment="when the content last changed",
        ),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["courses.id"],
            name=op.f("fk_sections_course_id_courses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sections")),
        sa.UniqueConstraint(
            "university",
            "term_code",
            "class_number",
            name=op.f("uq_sections_university_term_code_class_number"),
        ),
    )
    op.create_index("ix_sections_course_id", "sections", ["course_id"], unique=False)
    op.create_table(
        "meetings",
        sa.Column("section_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column(
            "days",
            sa.String(length=14),
            nullable=False,
            comment='Global Search tokens, "" when TBA',
        ),
        sa.Column("start_minute", sa.Integer(), nullable=True),
        sa.Column("end_minute", sa.Integer(), nullable=True),
        sa.Column("room", sa.String(length=120), nullable=False),
        sa.Column("instructor", sa.String(length=300), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["section_id"],
            ["sections.id"],
            name=op.f("fk_meetings_section_id_sections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("section_id", "position", name=op.f("pk_meetings")),
    )
    op.create_table(
        "section_instructors",
        sa.Column("section_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("normalized_name", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["section_id"],
            ["sections.id"],
            name=op.f("fk_section_instructors_section_id_sections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("section_id", "position", name=op.f("pk_section_instructors")),
    )
    op.create_index(
        "ix_section_instructors_normalized_name",
        "section_instructors",
        ["normalized_name"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_section_instructors_normalized_name", table_name="section_instructors")
    op.drop_table("section_instructors")
    op.drop_table("meetings")
    op.drop_index("ix_sections_course_id", table_name="sections")
    op.drop_table("sections")
    op.drop_index("ix_reviews_professor_id", table_name="reviews")
    op.drop_table("reviews")
    op.drop_table("sync_metadata")
    op.drop_index("ix_professors_name_university", table_name="professors")
    op.drop_table("professors")
    op.drop_table("leases")
    op.drop_index("ix_courses_semester_university", table_name="courses")
    op.drop_index("ix_courses_code", table_name="courses")
    op.drop_table("courses")
    op.drop_table("course_snapshots")
