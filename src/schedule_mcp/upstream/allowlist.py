"""Where the upstream client may connect: the configured hosts and nothing else (SEC-9).

The allowlist is enforced in the transport, so no code path can bypass it, and checked for
redirect targets; redirects are never followed automatically. There is no shared cookie jar:
callers send ``Cookie`` headers and read ``set-cookie`` themselves.
"""

from __future__ import annotations

import http.cookiejar
import urllib.request
from typing import Any

import httpx

from schedule_mcp.config import Settings
from schedule_mcp.errors import UpstreamError


class DisallowedURLError(UpstreamError):
    """A request or redirect targets a host outside the allowlist, or the URL is malformed."""


def host_of(url: str | httpx.URL) -> str:
    """The lower-case host of ``url`` ("" if it has none)."""
    return httpx.URL(url).host.lower()


def allowed_hosts_for(settings: Settings) -> frozenset[str]:
    """The allowlist: the hosts of the configured CUNY and RMP URLs, nothing else."""
    return frozenset(host_of(u) for u in (settings.cuny_url, settings.rmp_url)) - {""}


def check_url(url: httpx.URL, allowed: frozenset[str]) -> None:
    """Raise DisallowedURLError unless ``url`` is http(s) to an allowlisted host."""
    if url.scheme not in ("http", "https") or url.host.lower() not in allowed:
        raise DisallowedURLError(
            f"refused request to {url.scheme}://{url.host}: host not in the upstream allowlist",
            host=url.host,
        )


class AllowlistTransport(httpx.AsyncBaseTransport):
    """Wraps the real transport and refuses any request whose host is not allowlisted (SEC-9)."""

    def __init__(self, inner: httpx.AsyncBaseTransport, allowed_hosts: frozenset[str]) -> None:
        self._inner = inner
        self.allowed_hosts = allowed_hosts

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        check_url(request.url, self.allowed_hosts)
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


class NoCookieJar(http.cookiejar.CookieJar):
    """A jar that never stores anything: concurrent CUNY flows must not share a session."""

    def extract_cookies(self, response: Any, request: urllib.request.Request) -> None:
        return None

    def set_cookie(self, cookie: http.cookiejar.Cookie) -> None:
        return None
