"""The request and response values the sample sites speak (no HTTP library in them).

The in-process offline transport converts `httpx` requests into `SiteRequest`s; the
tests' loopback server parses raw sockets into the same type, so one site implementation
serves both.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class SiteRequest:
    """One request as a site receives it; header names are lower-case."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def form(self) -> dict[str, list[str]]:
        """The urlencoded body as a dict of value lists."""
        return urllib.parse.parse_qs(self.body.decode("latin-1"), keep_blank_values=True)

    def json(self) -> Any:
        return json.loads(self.body)

    def cookies(self) -> dict[str, str]:
        """Cookies from the ``Cookie`` header (name -> value)."""
        result: dict[str, str] = {}
        for part in self.headers.get("cookie", "").split(";"):
            name, sep, value = part.strip().partition("=")
            if sep and name:
                result[name] = value
        return result


@dataclass
class SiteResponse:
    """What a site answers; headers may repeat when given as a list of pairs."""

    status: int = 200
    headers: dict[str, str] | list[tuple[str, str]] = field(default_factory=dict)
    body: bytes = b""

    def header_pairs(self) -> list[tuple[str, str]]:
        """The headers as (name, value) pairs, repeats kept."""
        return list(self.headers.items()) if isinstance(self.headers, dict) else list(self.headers)


SiteHandler = Callable[[SiteRequest], Awaitable[SiteResponse]]


def html_response(body: str, status: int = 200, cookies: list[str] | None = None) -> SiteResponse:
    """An HTML page in ISO-8859-1 (the Global Search charset; other characters as entities)."""
    headers: list[tuple[str, str]] = [("Content-Type", "text/html")]
    headers += [("Set-Cookie", cookie) for cookie in cookies or []]
    return SiteResponse(
        status=status, headers=headers, body=body.encode("iso-8859-1", "xmlcharrefreplace")
    )


def json_response(payload: Any, status: int = 200) -> SiteResponse:
    return SiteResponse(
        status=status,
        headers=[("Content-Type", "application/json")],
        body=json.dumps(payload).encode(),
    )
