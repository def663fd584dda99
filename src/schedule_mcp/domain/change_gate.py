"""When a fetched answer may replace stored data: what looks wrong, and hold-then-confirm.

A fetched answer that would throw stored data away is *suspect* when it

* drops whole courses the stored course snapshot has,
* drops more than `max_section_loss` of the stored sections (by class number), or
* empties or zeroes a professor stored with ratings.

A suspect answer changes nothing: the stored data stays and is served with the reason.
The change is accepted only when a fetch at least `hold` after the first sighting shows
the same loss again (the same *fingerprint*: what would be lost, not the whole page, so
seat counts moving meanwhile do not restart the hold). An operator's `force` accepts at once.

Pure: no I/O; times are passed in.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from schedule_mcp.domain.models import Professor, ProfessorSource

DEFAULT_MAX_SECTION_LOSS = 0.3
DEFAULT_HOLD = timedelta(hours=1)


@dataclass(frozen=True)
class ChangeRules:
    """How much loss makes an answer suspect, and how long a suspect change is held."""

    max_section_loss: float = DEFAULT_MAX_SECTION_LOSS
    hold: timedelta = DEFAULT_HOLD


@dataclass(frozen=True)
class Suspicion:
    """What looked wrong about a fetched answer; `fingerprint` is what a confirmation repeats."""

    reason: str
    fingerprint: str


@dataclass(frozen=True)
class HeldChange:
    """A suspect change seen for a stored key and not (yet) accepted."""

    key: str
    fingerprint: str
    reason: str
    first_seen: datetime
    last_seen: datetime

    def confirm_after(self, rules: ChangeRules) -> datetime:
        """The earliest time a fetch showing the same change makes it accepted."""
        return self.first_seen + rules.hold

    def holding(self, now: datetime, rules: ChangeRules) -> bool:
        """True while the hold lasts: no fetch before then could confirm the change."""
        return now < self.confirm_after(rules)


def is_confirmed(
    suspicion: Suspicion, held: HeldChange | None, now: datetime, rules: ChangeRules
) -> bool:
    """Whether `suspicion` repeats a change first seen at least `rules.hold` ago."""
    return (
        held is not None
        and held.fingerprint == suspicion.fingerprint
        and not held.holding(now, rules)
    )


def next_held(key: str, suspicion: Suspicion, held: HeldChange | None, now: datetime) -> HeldChange:
    """The held record after seeing `suspicion` now: the same change keeps its first sighting."""
    if held is not None and held.fingerprint == suspicion.fingerprint:
        return replace(held, last_seen=now, reason=suspicion.reason)
    return HeldChange(key, suspicion.fingerprint, suspicion.reason, now, now)


def spoken_list(items: Sequence[str], most: int = 4) -> str:
    """ "A", "A and B", "A, B and C", "A, B, C, D and 3 more"."""
    if len(items) > most:
        return f"{', '.join(items[:most])} and {len(items) - most} more"
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def _fingerprint(value: object) -> str:
    encoded = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(encoded.encode()).hexdigest()


def snapshot_suspicion(
    stored: Mapping[str, Collection[str]],
    fetched: Mapping[str, Collection[str]],
    *,
    max_section_loss: float,
) -> Suspicion | None:
    """Why a fetched course snapshot looks wrong against the stored one, or None.

    Both map course code -> class numbers of one (university, term, subject) search.
    """
    stored_numbers = {number for numbers in stored.values() for number in numbers}
    if not stored:
        return None  # nothing stored (or a remembered empty result): nothing can be lost
    fetched_numbers = {number for numbers in fetched.values() for number in numbers}
    vanished = sorted(code for code in stored if code not in fetched)
    lost = sorted(stored_numbers - fetched_numbers)
    share = len(lost) / len(stored_numbers) if stored_numbers else 0.0
    reasons: list[str] = []
    if not fetched:
        reasons.append(f"the CUNY page listed none of the {len(stored)} stored courses")
    elif vanished:
        reasons.append(f"{spoken_list(vanished)} vanished from the CUNY page")
    if fetched and share > max_section_loss:
        reasons.append(
            f"{len(lost)} of the {len(stored_numbers)} stored sections ({share:.0%}) "
            "are missing from it"
        )
    if not reasons:
        return None
    return Suspicion(", and ".join(reasons), _fingerprint({"courses": vanished, "sections": lost}))


def professor_suspicion(stored: Professor | None, fetched: Professor | None) -> Suspicion | None:
    """Why a fetched RMP answer would empty a professor stored with ratings, or None.

    `fetched` None means RateMyProfessors no longer lists the professor at all.
    """
    if stored is None or stored.data_source is not ProfessorSource.RMP or stored.num_ratings <= 0:
        return None
    held = f"({stored.num_ratings} ratings stored)"
    if fetched is None or fetched.data_source is ProfessorSource.NO_PROFILE:
        return Suspicion(
            f"RateMyProfessors no longer lists {stored.name} {held}", _fingerprint("no-profile")
        )
    if fetched.num_ratings <= 0 or not fetched.avg_rating:
        return Suspicion(
            f"RateMyProfessors now shows {fetched.num_ratings} ratings and no average for "
            f"{stored.name} {held}",
            _fingerprint(["zeroed", fetched.num_ratings, fetched.avg_rating]),
        )
    return None
