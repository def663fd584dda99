"""Retry-After, parsed defensively: delta-seconds or an HTTP-date, anything else is ignored.

The header comes from a server we do not control, so parsing never raises: a value that is
not 1-10 ASCII digits or a valid HTTP-date (RFC 9110 §10.2.3) counts as absent. Ten digits
already mean centuries; longer runs are junk (and ``float(int("9" * 400))`` overflows). The
result is capped by ``retry_after_cap`` so one header cannot park a host for days.
"""

from __future__ import annotations

import email.utils
import re
from datetime import UTC

_DELTA_SECONDS = re.compile(r"[0-9]{1,10}")
_MAX_DATE_CHARS = 64  # an IMF-fixdate is 29 characters; obsolete forms are a little longer


def parse_retry_after(
    value: str | None, *, now_wall: float, cap: float, date_header: str | None = None
) -> float | None:
    """Seconds to wait (at most ``cap``) from a Retry-After value, or None if absent or invalid.

    For the HTTP-date form the response's own ``Date`` header is the reference when valid
    (immune to clock skew between us and the server); otherwise our wall clock ``now_wall``.
    A date in the past means 0.
    """
    if value is None:
        return None
    text = value.strip()
    if _DELTA_SECONDS.fullmatch(text):
        return min(float(text), cap)
    when = http_date(text)
    if when is None:
        return None
    sent = http_date(date_header.strip()) if date_header else None
    reference = now_wall if sent is None else sent
    return min(max(0.0, when - reference), cap)


def http_date(text: str) -> float | None:
    """POSIX time of an HTTP-date, or None; a date without zone (or "-0000") is GMT."""
    if not text or len(text) > _MAX_DATE_CHARS:
        return None
    try:
        when = email.utils.parsedate_to_datetime(text)
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return when.timestamp()
    except (TypeError, ValueError, IndexError, OverflowError, OSError):
        return None
