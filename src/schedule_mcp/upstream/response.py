"""A fully read upstream response: status, headers and a body already under the size cap."""

from __future__ import annotations

import codecs
import json as jsonlib
import re
from dataclasses import dataclass
from typing import Any

import httpx

_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.IGNORECASE)


@dataclass(frozen=True)
class UpstreamResponse:
    """A fully read upstream response (the body is bytes, already under the size cap)."""

    status: int
    headers: httpx.Headers
    content: bytes
    url: str

    def text(self, encoding: str | None = None) -> str:
        """Decode the body: ``encoding``, else the Content-Type charset, else UTF-8.

        Undecodable bytes become U+FFFD rather than an exception (CUNY pages are ISO-8859-1).
        """
        name = encoding or self.charset or "utf-8"
        try:
            codecs.lookup(name)
        except LookupError:
            name = "utf-8"
        return self.content.decode(name, errors="replace")

    @property
    def charset(self) -> str | None:
        match = _CHARSET.search(self.headers.get("content-type", ""))
        return match.group(1) if match else None

    def json(self) -> Any:
        return jsonlib.loads(self.content)

    def set_cookies(self) -> list[str]:
        """Every ``Set-Cookie`` header value, in order."""
        return self.headers.get_list("set-cookie")
