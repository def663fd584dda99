"""One resilient HTTP client per upstream host (CUNY Global Search, RateMyProfessors).

Everything reliability.md §2.2 asks of an upstream call, in one place:
- httpx timeouts (connect/read/write/pool) plus an overall deadline per attempt
  (``asyncio.timeout``), because httpx timeouts are per socket operation and do not stop a
  slow drip (F3);
- a streamed body read with a size cap (Content-Length checked first, then the bytes);
- at most ``max_attempts`` attempts with full-jitter backoff on connect errors, timeouts,
  truncated or reset bodies and 408/429/500/502/503/504 (500 included: CUNY's JSP throws
  transient 500s); never on other 4xx, oversize bodies or parse errors;
- Retry-After honoured inside the call up to 30 s; longer values fail fast and keep the
  breaker open until then; a Retry-After also pauses every other caller to that host;
- a per-process retry budget (``retry.RetryBudget``), one breaker per host
  (``breaker.CircuitBreaker``), per-host concurrency and start gap (``politeness.HostGate``);
- a host allowlist enforced in the transport (so nothing can bypass it) and checked for
  redirect targets; redirects are never followed automatically;
- no shared cookie jar: callers send ``Cookie`` headers and read ``set-cookie`` themselves.

Order of breaker and retries: every attempt's outcome feeds the breaker (RES-7 expects at most
5 failing requests before it opens, not 5 failed calls of 3 attempts), and no retry is made
once it is open. A half-open probe is a single attempt. Retries take a budget token each.
"""

from __future__ import annotations

import asyncio
import codecs
import http.cookiejar
import json as jsonlib
import logging
import random
import re
import time
import urllib.parse
import urllib.request
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from schedule_mcp import __version__
from schedule_mcp.config import Settings
from schedule_mcp.errors import UpstreamError
from schedule_mcp.upstream.breaker import BreakerOpen, CircuitBreaker
from schedule_mcp.upstream.politeness import HostGate, NotEnoughTime
from schedule_mcp.upstream.retry import (
    MAX_RETRY_AFTER,
    RETRYABLE_STATUSES,
    RetryBudget,
    full_jitter_delay,
    parse_retry_after,
    process_retry_budget,
)

log = logging.getLogger("schedule_mcp.upstream")

PROJECT_URL = "https://github.com/schedule-mcp/schedule-mcp"
USER_AGENT = f"schedule-mcp/{__version__} (+{PROJECT_URL})"
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.IGNORECASE)
_READ_CHUNK = 64 * 1024


class DisallowedURLError(UpstreamError):
    """A request or redirect targets a host outside the allowlist, or the URL is malformed."""


def host_of(url: str | httpx.URL) -> str:
    """The lower-case host of ``url`` ("" if it has none)."""
    return httpx.URL(url).host.lower()


def allowed_hosts_for(settings: Settings) -> frozenset[str]:
    """The allowlist: the hosts of the configured CUNY and RMP URLs, nothing else."""
    return frozenset(host_of(u) for u in (settings.cuny_url, settings.rmp_url)) - {""}


def _check_url(url: httpx.URL, allowed: frozenset[str]) -> None:
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
        _check_url(request.url, self.allowed_hosts)
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


class _NoCookieJar(http.cookiejar.CookieJar):
    """A jar that never stores anything: concurrent CUNY flows must not share a session."""

    def extract_cookies(self, response: Any, request: urllib.request.Request) -> None:
        return None

    def set_cookie(self, cookie: http.cookiejar.Cookie) -> None:
        return None


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


class _AttemptFailure(Exception):
    """One attempt failed; says whether to retry and whether the breaker should count it."""

    def __init__(
        self,
        reason: str,
        *,
        retryable: bool,
        counts: bool = True,
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable
        self.counts = counts
        self.status = status
        self.retry_after = retry_after


class ResilientClient:
    """One per upstream host: timeouts, deadline, size cap, retries, breaker, politeness, allowlist."""

    def __init__(
        self,
        base_url: str,
        settings: Settings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rng: random.Random | None = None,
        allowed_hosts: frozenset[str] | None = None,
        name: str = "",
        retry_budget: RetryBudget | None = None,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self._settings = settings
        self.base_url = httpx.URL(base_url)
        self.host = self.base_url.host.lower()
        self.name = name or self.host
        self.allowed_hosts = (
            allowed_hosts if allowed_hosts is not None else allowed_hosts_for(settings)
        )
        if self.host not in self.allowed_hosts:
            raise ValueError(f"base URL host {self.host!r} is not in the allowlist")
        self._clock = clock
        self._sleep = sleep
        self._wall_clock = wall_clock
        self._rng = rng or random.Random()
        # A client on an injected (test) clock gets its own budget on that clock; production
        # clients share the process budget so retries across hosts are capped together.
        if retry_budget is None:
            if clock is time.monotonic:
                retry_budget = process_retry_budget(settings.retry_budget_per_minute)
            else:
                retry_budget = RetryBudget(settings.retry_budget_per_minute, clock=clock)
        self.retry_budget = retry_budget
        self.breaker = CircuitBreaker(
            name=self.name,
            fail_max=settings.breaker_fail_max,
            reset_timeout=settings.breaker_reset_timeout,
            clock=clock,
        )
        self.gate = HostGate(
            concurrency=settings.host_concurrency,
            min_gap=settings.host_min_gap,
            clock=clock,
            sleep=sleep,
        )
        inner = transport if transport is not None else httpx.AsyncHTTPTransport(retries=0)
        self._client = httpx.AsyncClient(
            base_url=self.base_url,
            transport=AllowlistTransport(inner, self.allowed_hosts),
            timeout=httpx.Timeout(
                connect=settings.connect_timeout,
                read=settings.read_timeout,
                write=settings.write_timeout,
                pool=settings.pool_timeout,
            ),
            follow_redirects=False,
            headers={"User-Agent": USER_AGENT},
            cookies=_NoCookieJar(),  # a Cookies() wrapper would copy it into a normal jar
            trust_env=False,
        )
        self.requests = 0
        self.failures = 0
        self.retries = 0
        self.parse_failures = 0

    # ------------------------------------------------------------------ public API

    async def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, str] | None = None,
        data: Mapping[str, str] | list[tuple[str, str]] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        deadline: float | None = None,
    ) -> UpstreamResponse:
        """Send one logical request (up to ``max_attempts`` attempts) and read the body.

        ``url`` is relative to the base URL or absolute (its host must be allowlisted).
        ``deadline`` is an absolute ``clock()`` time for the whole call; an attempt that could
        not finish by then (``attempt_deadline``) is not started. Returns 2xx/3xx/4xx responses
        other than 408/429 (a 404 is an answer, not a failure); raises UpstreamError otherwise.
        """
        request = self._build(method, url, params=params, data=data, json=json, headers=headers)
        path = request.url.path
        attempt_time = self._settings.attempt_deadline
        attempt = 0
        while True:
            attempt += 1
            self._ensure_time(deadline, attempt_time, path)
            self._fail_fast_if_open(path)
            probe = False
            try:
                async with self.gate.slot(
                    deadline=deadline, reserve=attempt_time, admit=self._admit
                ) as probe:
                    response = await self._attempt(request, attempt)
            except BreakerOpen as exc:
                raise self._open_error(exc.retry_after) from None
            except NotEnoughTime as exc:
                raise UpstreamError(
                    f"{self.name}: no time left for another attempt ({exc})",
                    host=self.host,
                    hint="Answer from stored data; the refresh can run in the background.",
                ) from None
            except _AttemptFailure as failure:
                error = self._on_failure(failure, probe, path, attempt)
                wait = self._retry_wait(failure, attempt, deadline, error)
                self.retries += 1
                log.info(
                    "retrying %s %s in %.2f s (attempt %d failed: %s)",
                    self.host,
                    path,
                    wait,
                    attempt,
                    failure.reason,
                    extra={"host": self.host, "path": path, "attempt": attempt},
                )
                if wait > 0:
                    await self._sleep(wait)
                continue
            except BaseException:
                self.breaker.on_abandon(probe)
                raise
            self.breaker.on_success(probe)
            log.debug(
                "%s %s -> %d (attempt %d)",
                self.host,
                path,
                response.status,
                attempt,
                extra={
                    "host": self.host,
                    "path": path,
                    "attempt": attempt,
                    "status": response.status,
                },
            )
            return response

    def record_parse_failure(self) -> None:
        """A parser rejected a page from this host; ``breaker_fail_max`` in a row open the breaker."""
        self.parse_failures += 1
        self.failures += 1
        self.breaker.record_parse_failure()
        log.warning("parse failure recorded for %s", self.host, extra={"host": self.host})

    def record_success(self) -> None:
        """A parser accepted a page from this host: the failure streaks end."""
        self.breaker.record_success()

    def health(self) -> dict[str, Any]:
        """Breaker state and counters for a health view (plain JSON-able values)."""
        return {
            "name": self.name,
            "host": self.host,
            **self.breaker.snapshot(),
            "requests": self.requests,
            "failures": self.failures,
            "parse_failures": self.parse_failures,
            "retries": self.retries,
            "retry_budget_left": self.retry_budget.remaining(),
            "in_flight": self.gate.in_flight,
            "max_in_flight": self.gate.max_in_flight,
        }

    async def aclose(self) -> None:
        await self._client.aclose()

    async def __aenter__(self) -> ResilientClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    # ------------------------------------------------------------------ internals

    def _build(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, str] | None,
        data: Mapping[str, str] | list[tuple[str, str]] | None,
        json: Any,
        headers: Mapping[str, str] | None,
    ) -> httpx.Request:
        clean_headers = {k: v for k, v in (headers or {}).items() if k.lower() != "host"}
        content: bytes | None = None
        form: Mapping[str, str] | None = None
        if isinstance(data, list):
            # httpx takes a mapping for form data; encode pairs ourselves to keep order/repeats.
            content = urllib.parse.urlencode(data).encode("ascii")
            clean_headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        else:
            form = data
        try:
            request = self._client.build_request(
                method,
                url,
                params=params,
                data=form,
                content=content,
                json=json,
                headers=clean_headers,
            )
        except (httpx.InvalidURL, httpx.UnsupportedProtocol, ValueError, TypeError) as exc:
            raise DisallowedURLError(f"invalid upstream URL: {exc}", host=self.host) from None
        _check_url(request.url, self.allowed_hosts)
        return request

    def _admit(self) -> bool:
        return self.breaker.before_call()

    def _fail_fast_if_open(self, path: str) -> None:
        if self.breaker.state == "open":
            log.debug("%s %s refused: breaker open", self.host, path, extra={"host": self.host})
            raise self._open_error(self.breaker.retry_after())

    def _open_error(self, retry_after: float | None) -> UpstreamError:
        when = f"; retry after {retry_after:.0f} s" if retry_after else ""
        return UpstreamError(
            f"{self.name} is unavailable (circuit breaker open{when})",
            host=self.host,
            retry_after=retry_after,
            hint="Use stored data or try again later.",
        )

    def _ensure_time(self, deadline: float | None, needed: float, path: str) -> None:
        if deadline is not None and self._clock() + needed > deadline:
            raise UpstreamError(
                f"{self.name}: not enough time left to call {path} "
                f"({max(0.0, deadline - self._clock()):.1f} s left, an attempt may take "
                f"{needed:.0f} s)",
                host=self.host,
                hint="Answer from stored data; the refresh can run in the background.",
            )

    def _on_failure(
        self, failure: _AttemptFailure, probe: bool, path: str, attempt: int
    ) -> UpstreamError:
        """Feed the breaker and politeness gate; return the error to raise if we stop here."""
        now = self._clock()
        retry_after = failure.retry_after
        open_until = None
        if retry_after is not None and retry_after > MAX_RETRY_AFTER:
            open_until = now + retry_after  # fail fast, keep the breaker open until then
        if failure.counts:
            self.failures += 1
            self.breaker.on_failure(probe, open_until=open_until)
        else:
            self.breaker.on_abandon(probe)
        if retry_after:
            self.gate.pause_until(now + retry_after)
        log.warning(
            "%s %s attempt %d failed: %s",
            self.host,
            path,
            attempt,
            failure.reason,
            extra={"host": self.host, "path": path, "attempt": attempt, "status": failure.status},
        )
        return UpstreamError(
            f"{self.name} request failed after {attempt} attempt(s): {failure.reason}",
            host=self.host,
            retry_after=failure.retry_after if failure.retry_after else self.breaker.retry_after(),
            hint="Use stored data or try again later.",
        )

    def _retry_wait(
        self, failure: _AttemptFailure, attempt: int, deadline: float | None, error: UpstreamError
    ) -> float:
        """How long to wait before the next attempt; raises ``error`` when we must stop."""
        if not failure.retryable or attempt >= self._settings.max_attempts:
            raise error
        if failure.retry_after is not None and failure.retry_after > MAX_RETRY_AFTER:
            raise error
        if self.breaker.state != "closed":
            raise error
        wait = full_jitter_delay(attempt - 1, self._rng)
        if failure.retry_after is not None:
            wait = max(wait, failure.retry_after)
        if (
            deadline is not None
            and self._clock() + wait + self._settings.attempt_deadline > deadline
        ):
            raise error
        if not self.retry_budget.try_acquire():
            log.warning("retry budget spent; not retrying %s", self.host, extra={"host": self.host})
            raise UpstreamError(
                f"{error} (process retry budget spent)",
                host=self.host,
                retry_after=error.retry_after,
                hint=error.hint,
            ) from None
        return wait

    async def _attempt(self, request: httpx.Request, attempt: int) -> UpstreamResponse:
        self.requests += 1
        try:
            async with asyncio.timeout(self._settings.attempt_deadline):
                response = await self._client.send(request, stream=True)
                try:
                    content = await self._read_capped(response)
                finally:
                    await response.aclose()
        except TimeoutError:
            raise _AttemptFailure(
                f"attempt deadline of {self._settings.attempt_deadline:g} s passed", retryable=True
            ) from None
        except httpx.TimeoutException as exc:
            raise _AttemptFailure(f"timeout ({type(exc).__name__})", retryable=True) from None
        except httpx.UnsupportedProtocol as exc:
            raise DisallowedURLError(str(exc), host=self.host) from None
        except httpx.TransportError as exc:
            detail = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            raise _AttemptFailure(detail, retryable=True) from None
        except httpx.HTTPError as exc:  # e.g. DecodingError: a corrupt body comes back the same
            raise _AttemptFailure(f"{type(exc).__name__}: {exc}", retryable=False) from None
        status = response.status_code
        if status in RETRYABLE_STATUSES or status >= 500:
            retry_after = parse_retry_after(
                response.headers.get("retry-after"),
                now_wall=self._wall_clock(),
                date_header=response.headers.get("date"),
            )
            raise _AttemptFailure(
                f"HTTP {status}",
                retryable=status in RETRYABLE_STATUSES,
                status=status,
                retry_after=retry_after,
            )
        if 300 <= status < 400 and "location" in response.headers:
            target = request.url.join(response.headers["location"])
            try:
                _check_url(target, self.allowed_hosts)
            except DisallowedURLError:
                raise DisallowedURLError(
                    f"refused redirect to {target.host!r}: host not in the upstream allowlist",
                    host=target.host,
                ) from None
        return UpstreamResponse(
            status=status, headers=response.headers, content=content, url=str(request.url)
        )

    async def _read_capped(self, response: httpx.Response) -> bytes:
        cap = self._settings.max_body_bytes
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > cap:
            raise _AttemptFailure(
                f"body of {declared} bytes exceeds the {cap} byte cap", retryable=False
            )
        chunks: list[bytes] = []
        total = 0
        async for chunk in response.aiter_bytes(_READ_CHUNK):
            total += len(chunk)
            if total > cap:
                raise _AttemptFailure(f"body exceeds the {cap} byte cap", retryable=False)
            chunks.append(chunk)
        return b"".join(chunks)
