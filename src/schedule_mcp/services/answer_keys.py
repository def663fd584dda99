"""What an answer is filed under: its (semester, university) scope, its parts, a generation.

The scope's generation is part of the stored key and of the row's tag, so moving a scope to
a new generation makes every older answer unreachable and lets the store drop them by tag.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from schedule_mcp.cache.entries import KeyPart, StoreKey

KEY_VERSION = "v1"
Scope = tuple[str | None, str]


@dataclass(frozen=True, slots=True)
class CacheKey:
    """A caller-built key: its (semester, university) scope plus JSON scalar parts."""

    semester: str | None
    university: str
    parts: tuple[KeyPart, ...] = ()

    @classmethod
    def of(cls, semester: str | None, university: str, *parts: KeyPart) -> CacheKey:
        return cls(semester, university, tuple(parts))

    @property
    def scope(self) -> Scope:
        return (self.semester, self.university)

    def stored_under(self, entity: str, generation: int) -> StoreKey:
        """The store key of this answer of `entity` in `generation` of its scope."""
        return (KEY_VERSION, entity, self.semester, self.university, generation, *self.parts)


def generation_tag(scope: Scope, generation: int) -> str:
    """The tag every row of `scope` written in `generation` carries (evicted together)."""
    return json.dumps([*scope, generation])
