"""The error taxonomy. Tools map these to ToolError messages that say what to do next."""

from __future__ import annotations

from datetime import datetime


class ScheduleMCPError(Exception):
    """Base of every error this package raises on purpose."""

    hint: str = ""

    def __init__(self, message: str, *, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint or self.hint

    def for_model(self) -> str:
        """The message a model sees: what happened, then what to try."""
        text = str(self).rstrip()
        if not self.hint:
            return text
        separator = " " if text.endswith((".", "?", "!", ";", ":")) else ". "
        return f"{text}{separator}{self.hint[0].upper()}{self.hint[1:]}"


class InputError(ScheduleMCPError, ValueError):
    """An argument is malformed (bad term, unknown college, bad time)."""


class DataNotFoundError(ScheduleMCPError):
    """The store has no such data and population could not find it either."""


class DataStaleError(ScheduleMCPError):
    """Only data older than the stale-if-error window exists and the upstream is unavailable."""


class UpstreamError(ScheduleMCPError):
    """An upstream site failed (HTTP error, timeout, breaker open, rate limited)."""

    def __init__(
        self, message: str, *, host: str = "", retry_after: float | None = None, hint: str = ""
    ) -> None:
        super().__init__(message, hint=hint)
        self.host = host
        self.retry_after = retry_after


class ScrapingError(UpstreamError):
    """A scrape flow could not complete (session lost, unexpected step)."""


class ParseError(ScheduleMCPError):
    """An upstream page is not what the documented format says; never a silent empty result."""

    def __init__(self, message: str, *, page: str, selector: str = "", snippet: str = "") -> None:
        detail = f"{page}: {message}"
        if selector:
            detail += f" (selector {selector!r})"
        if snippet:
            detail += f"; near {snippet[:120]!r}"
        super().__init__(detail)
        self.page = page
        self.selector = selector
        self.snippet = snippet[:500]


class CountMismatchError(ParseError):
    """A results page's count line disagrees with the rows it lists."""

    def __init__(self, message: str, *, page: str, expected: int, found: int, **kwargs: str):
        super().__init__(message, page=page, **kwargs)
        self.expected = expected
        self.found = found


class PopulationError(ScheduleMCPError):
    """On-demand population failed; carries the underlying cause."""


class SnapshotRejectedError(ScheduleMCPError):
    """A snapshot failed the validation gate (invalid rows) or is held (ChangeHeldError)."""


class ChangeHeldError(SnapshotRejectedError):
    """A fetched answer would lose stored data and is held until a later fetch confirms it.

    Nothing changed. `reason` says what looked wrong (no upstream text); `confirm_after`
    is when a fetch showing the same change is accepted (docs/operations.md).
    """

    def __init__(
        self, message: str, *, reason: str, first_seen: datetime, confirm_after: datetime, hint: str
    ) -> None:
        super().__init__(message, hint=hint)
        self.reason = reason
        self.first_seen = first_seen
        self.confirm_after = confirm_after


class StaleTokenError(ScheduleMCPError):
    """A write carried a fencing token older than the lease's current one."""


class StorageConfigError(ScheduleMCPError):
    """The database URL names a driver or file that cannot be used (one line for the user)."""
