"""One Settings object, read from SCHEDULE_MCP_* environment variables (and a .env file)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import platformdirs
from pydantic import Field, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

APP_NAME = "schedule-mcp"
ENV_PREFIX = "SCHEDULE_MCP_"
SAMPLE_DIR = "sample"
"""Offline mode's own directory under DATA_DIR (database and cache of the sample world)."""
HOUR = 3600
DAY = 24 * HOUR


class ConfigError(ValueError):
    """A setting has an invalid value; the message is one line naming the variable."""


class Settings(BaseSettings):
    """Every knob of the server. Defaults give a working embedded install."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_file=".env", extra="ignore", validate_default=True
    )

    # storage
    data_dir: Path = Field(
        default_factory=lambda: Path(platformdirs.user_data_dir(APP_NAME)),
        description="Directory for the embedded database and other state "
        "(offline mode keeps its own under <DATA_DIR>/sample).",
    )
    database_url: str = Field(
        default="",
        description="SQLAlchemy async URL; default sqlite+aiosqlite:///<DATA_DIR>/schedule.db. "
        "Use postgresql+asyncpg://... to scale out. Live mode only: offline mode never uses it.",
    )
    sqlite_synchronous: Literal["NORMAL", "FULL"] = Field(
        default="NORMAL", description="SQLite synchronous pragma (WAL mode)."
    )
    cache_dir: Path | None = Field(
        default=None,
        description="Disk cache directory; default the platform user cache dir. "
        "Live mode only: offline mode uses <DATA_DIR>/sample/cache.",
    )
    cache_size_limit: int = Field(default=10 * 2**20, gt=0, description="Disk cache bytes.")
    low_hit_rate_warning: float = Field(
        default=0.5, ge=0, le=1, description="Warn when the answer cache hit rate stays below this."
    )
    error_rate_warning: float = Field(
        default=0.2, ge=0, le=1, description="Warn when this share of recent tool calls fail."
    )
    cache_memory_entries: int = Field(
        default=256, ge=0, description="Hot answers also kept in process memory (0 disables)."
    )
    cache_ttl: int = Field(default=HOUR, gt=0, description="Default cache entry TTL, seconds.")

    # freshness (seconds): fresh TTL, stale-while-revalidate, stale-if-error
    sections_ttl: int = Field(
        default=HOUR, gt=0, description="Sections stay fresh this many seconds."
    )
    sections_swr: int = Field(
        default=DAY,
        ge=0,
        description="Then served while refreshing in the background for this long (s).",
    )
    sections_sie: int = Field(
        default=14 * DAY,
        ge=0,
        description="Then served only if a refresh fails, for this long (s).",
    )
    professors_ttl: int = Field(
        default=7 * DAY, gt=0, description="Professor figures stay fresh this many seconds."
    )
    professors_swr: int = Field(
        default=30 * DAY, ge=0, description="Stale-while-revalidate window for professors (s)."
    )
    professors_sie: int = Field(
        default=180 * DAY, ge=0, description="Stale-if-error window for professors (s)."
    )
    reviews_ttl: int = Field(
        default=7 * DAY, gt=0, description="Reviews stay fresh this many seconds."
    )
    reviews_swr: int = Field(
        default=30 * DAY, ge=0, description="Stale-while-revalidate window for reviews (s)."
    )
    reviews_sie: int = Field(
        default=180 * DAY, ge=0, description="Stale-if-error window for reviews (s)."
    )
    lease_ttl: int = Field(default=120, gt=0, description="Cross-process sync lease, seconds.")
    empty_subject_ttl: int = Field(
        default=300,
        gt=0,
        description="An empty result for a subject with nothing stored is trusted this long (s).",
    )

    # changes that would lose stored data (held until confirmed)
    snapshot_max_section_loss: float = Field(
        default=0.3,
        ge=0,
        le=1,
        description="A course page missing more than this share of the stored sections is held.",
    )
    suspect_hold: int = Field(
        default=HOUR,
        gt=0,
        description="Seconds a suspect change (vanished courses, emptied professor) is held "
        "before a fetch showing it again is accepted.",
    )

    # upstream
    cuny_url: str = Field(
        default="https://globalsearch.cuny.edu/CFGlobalSearchTool",
        pattern=r"^https?://[^\s/]+(/\S*)?$",
        description="CUNY Global Class Search base URL.",
    )
    rmp_url: str = Field(
        default="https://www.ratemyprofessors.com/graphql",
        pattern=r"^https?://[^\s/]+(/\S*)?$",
        description="RateMyProfessors GraphQL endpoint.",
    )
    offline: bool = Field(
        default=False,
        description="Serve the bundled, made-up sample world (no network), "
        "with its own database and cache under <DATA_DIR>/sample.",
    )
    connect_timeout: float = Field(default=5.0, gt=0, description="Upstream connect timeout (s).")
    read_timeout: float = Field(
        default=10.0, gt=0, description="Upstream read timeout per socket read (s)."
    )
    write_timeout: float = Field(default=10.0, gt=0, description="Upstream write timeout (s).")
    pool_timeout: float = Field(default=5.0, gt=0, description="Wait for a pooled connection (s).")
    attempt_deadline: float = Field(default=20.0, gt=0, description="Overall cap per attempt, s.")
    max_attempts: int = Field(
        default=3, ge=1, le=10, description="Attempts per upstream request (1 + retries)."
    )
    retry_budget_per_minute: int = Field(
        default=60, ge=0, description="Retries allowed per minute for the whole process."
    )
    host_concurrency: int = Field(
        default=2, ge=1, le=8, description="Concurrent requests per upstream host."
    )
    host_burst: int = Field(
        default=4, ge=1, le=100, description="Requests to one upstream host that may start at once."
    )
    host_rate: float = Field(
        default=2.0,
        ge=0,
        description="Then this many request starts per second per host (0 = no limit).",
    )
    host_min_gap: float = Field(
        default=0.0, ge=0, description="Also at least this many seconds between request starts."
    )
    breaker_fail_max: int = Field(
        default=5, ge=1, description="Consecutive failures that open a host's circuit breaker."
    )
    breaker_reset_timeout: float = Field(
        default=30.0, gt=0, description="Seconds a breaker stays open before one probe."
    )
    retry_after_cap: float = Field(
        default=600.0, gt=0, description="Longest upstream Retry-After honoured (s)."
    )
    redis_url: str = Field(
        default="",
        pattern=r"^(|(rediss?|unix)://\S+)$",
        description="Redis URL (redis://host:6379/0) to share breaker state between "
        "server instances; unset keeps it in process memory. Needs schedule-mcp[redis].",
    )
    redis_prefix: str = Field(
        default="schedule-mcp",
        pattern=r"^[\w.:-]{1,64}$",
        description="Prefix of this deployment's keys in Redis.",
    )
    max_body_bytes: int = Field(
        default=10 * 2**20, gt=0, description="Largest upstream response body accepted (bytes)."
    )
    rmp_max_ratings: int = Field(default=100, ge=0, description="Ratings fetched per professor.")
    tool_timeout: float = Field(
        default=45.0,
        gt=0,
        lt=50,
        description="Seconds a tool may take before answering from stored data (< 50).",
    )
    stored_answer_wait: float = Field(
        default=2.0,
        gt=0,
        lt=50,
        description="Seconds a call waits for the upstream when stored data exists; then it "
        "answers from the store and the refresh continues in the background.",
    )
    population_concurrency: int = Field(
        default=4, ge=1, description="Upstream keys populated at once per request."
    )

    # surface
    admin_enabled: bool = Field(default=False, description="Expose admin tools over stdio.")
    admin_token: str = Field(default="", description="Bearer token granting admin over HTTP.")
    http_token: str = Field(default="", description="Bearer token required off loopback.")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = Field(
        default="INFO", description="Log level of the JSON logs on stderr."
    )
    log_file: Path | None = Field(
        default=None, description="Also write logs to this rotating file."
    )

    @model_validator(mode="before")
    @classmethod
    def _upper_log_level(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("log_level"), str):
            data["log_level"] = data["log_level"].upper()
        return data

    @property
    def state_dir(self) -> Path:
        """This mode's own directory: DATA_DIR live, DATA_DIR/sample offline.

        The sample world is made up, so it never shares a store or a cache with live data:
        offline mode reads and writes only under DATA_DIR/sample, live mode never looks there,
        and switching modes needs no cleanup.
        """
        return self.data_dir / SAMPLE_DIR if self.offline else self.data_dir

    @property
    def resolved_database_url(self) -> str:
        """The configured URL live; offline always the sample's own SQLite file."""
        embedded = f"sqlite+aiosqlite:///{self.state_dir / 'schedule.db'}"
        return embedded if self.offline else self.database_url or embedded

    @property
    def resolved_cache_dir(self) -> Path:
        """The configured cache directory live; offline always the sample's own."""
        if self.offline:
            return self.state_dir / "cache"
        return self.cache_dir or Path(platformdirs.user_cache_dir(APP_NAME))

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")


def load_settings(**overrides: Any) -> Settings:
    """Build Settings; an invalid value becomes a one-line ConfigError naming the variable."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = str(error["loc"][0]) if error["loc"] else "?"
        raise ConfigError(
            f"{ENV_PREFIX}{field.upper()}={error.get('input')!r} is invalid: {error['msg']}"
        ) from None
