"""One resilient HTTP client per upstream host (CUNY Global Search, RateMyProfessors).

Everything an upstream call needs, in one place:
- httpx timeouts (connect/read/write/pool) plus an overall deadline per attempt
  (``asyncio.timeout``), because httpx timeouts are per socket operation and do not stop a
  slow drip;
- a streamed body read with a size cap (Content-Length checked first, then the bytes);
- retries with tenacity (``AsyncRetrying``): at most ``max_attempts`` attempts, full-jitter
  backoff, only on connect errors, timeouts, truncated or reset bodies and
  408/429/500/502/503/504 (500 included: CUNY's JSP throws transient 500s); never on other
  4xx, oversize bodies or parse errors; no retry that could not finish before the caller's
  deadline, none once the breaker has left "closed", and each one takes a token of the
  per-process retry budget before its sleep;
- Retry-After (capped by ``retry_after_cap``) honoured when it fits the caller's deadline;
  when it does not, the call fails now and the breaker stays open until then; a
  Retry-After also pauses every other caller to that host;
- one breaker per host (``breaker.HostBreaker`` over pybreaker; state in memory or Redis),
  per-host concurrency and start spacing (``politeness.HostGate``);
- a host allowlist enforced in the transport (``allowlist``); redirects are never followed.

Order of breaker and retries: every attempt's outcome feeds the breaker (at most
``breaker_fail_max`` failing requests before it opens, not that many failed calls of 3
attempts), and no retry is made once it is open. A half-open probe is a single attempt.
``request_parsed`` runs the caller's parser inside the attempt's breaker verdict, so a 200
whose body has the wrong shape counts as a failure instead of resetting the count.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
import urllib.parse
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypedDict, TypeVar, Unpack

import httpx
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt

from schedule_mcp import __version__
from schedule_mcp.config import Settings
from schedule_mcp.errors import ParseError, UpstreamError
from schedule_mcp.upstream.allowlist import (
    AllowlistTransport,
    DisallowedURLError,
    NoCookieJar,
    allowed_hosts_for,
    check_url,
    host_of,
)
from schedule_mcp.upstream.breaker import BreakerOpen, HostBreaker
from schedule_mcp.upstream.breaker_storage import breaker_storage
from schedule_mcp.upstream.exchange import exchange
from schedule_mcp.upstream.politeness import HostGate, NotEnoughTime
from schedule_mcp.upstream.response import UpstreamResponse
from schedule_mcp.upstream.retry import (
    AttemptFailure,
    RetryBudget,
    RetryBudgetSpent,
    failure_of,
    fits_deadline,
    is_retryable,
    process_retry_budget,
    stop_if,
    stop_past_deadline,
    wait_full_jitter,
    wait_retry_after,
)

__all__ = [
    "USER_AGENT",
    "DisallowedURLError",
    "ResilientClient",
    "UpstreamResponse",
    "allowed_hosts_for",
    "host_of",
]

log = logging.getLogger("schedule_mcp.upstream")

T = TypeVar("T")
PROJECT_URL = "https://github.com/schedule-mcp/schedule-mcp"
USER_AGENT = f"schedule-mcp/{__version__} (+{PROJECT_URL})"
_STORED_DATA_HINT = "Answer from stored data; the refresh can run in the background."


class RequestOptions(TypedDict, total=False):
    """What a request may carry besides method and URL (see ``ResilientClient.request``)."""

    params: Mapping[str, str] | None
    data: Mapping[str, str] | list[tuple[str, str]] | None
    json: Any
    headers: Mapping[str, str] | None
    deadline: float | None


def _as_is(response: UpstreamResponse) -> UpstreamResponse:
    return response


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
        storage = breaker_storage(settings, self.host)
        self.breaker = HostBreaker(
            self.name,
            fail_max=settings.breaker_fail_max,
            reset_timeout=settings.breaker_reset_timeout,
            storage=storage,
            # replicas sharing Redis compare instants: only the wall clock is common to them
            clock=wall_clock if storage.shared else clock,
            probe_ttl=2 * settings.attempt_deadline,
        )
        self.gate = HostGate.from_settings(settings, clock=clock, sleep=sleep)
        self._client = _http_client(self.base_url, settings, transport, self.allowed_hosts)
        self.requests = 0
        self.failures = 0
        self.retries = 0
        self.parse_failures = 0

    # ------------------------------------------------------------------ public API

    async def request(
        self, method: str, url: str, **options: Unpack[RequestOptions]
    ) -> UpstreamResponse:
        """Send one logical request (up to ``max_attempts`` attempts) and read the body.

        ``url`` is relative to the base URL or absolute (its host must be allowlisted).
        ``options`` are ``params``, ``data`` (a mapping, or pairs to keep order and repeats),
        ``json``, ``headers`` and ``deadline``: an absolute ``clock()`` time for the whole
        call; an attempt that could not finish by then (``attempt_deadline``) is not started.
        Returns 2xx/3xx/4xx responses other than 408/429 (a 404 is an answer, not a
        failure); raises UpstreamError otherwise.
        """
        return await self.request_parsed(method, url, _as_is, **options)

    async def request_parsed(
        self,
        method: str,
        url: str,
        parse: Callable[[UpstreamResponse], T],
        *,
        shape_errors: tuple[type[Exception], ...] = (ParseError,),
        **options: Unpack[RequestOptions],
    ) -> T:
        """``request``, then ``parse(response)`` inside the attempt's breaker verdict.

        An exception of a ``shape_errors`` type from ``parse`` ("a 200 whose body failed to
        parse or had the wrong shape") counts as a breaker failure, is not retried, and
        propagates unchanged; any other exception from ``parse`` is an answer (the upstream
        worked) and propagates too. Use it for every response a parser validates.
        """
        deadline = options.get("deadline")
        request = self._build(method, url, options)
        path = request.url.path
        self._ensure_time(deadline, self._settings.attempt_deadline, path)
        number = 0
        try:
            async for attempt in self._retrying(deadline):
                with attempt:
                    number = attempt.retry_state.attempt_number
                    return await self._attempt(request, parse, shape_errors, deadline, number)
        except BreakerOpen as exc:
            log.debug("%s %s refused: breaker open", self.host, path, extra={"host": self.host})
            raise self._open_error(exc.retry_after) from None
        except NotEnoughTime as exc:
            raise UpstreamError(
                f"{self.name}: no time left for another attempt ({exc})",
                host=self.host,
                hint=_STORED_DATA_HINT,
            ) from None
        except AttemptFailure as failure:
            raise self._final_error(failure, number, deadline) from None
        except RetryBudgetSpent as spent:
            error = self._final_error(spent.failure, number, deadline)
            raise UpstreamError(
                f"{error} (process retry budget spent)",
                host=self.host,
                retry_after=error.retry_after,
                hint=error.hint,
            ) from None
        raise AssertionError("tenacity ended without an outcome")  # pragma: no cover

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
        self.breaker.storage.close()

    async def __aenter__(self) -> ResilientClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    # ------------------------------------------------------------------ retries

    def _retrying(self, deadline: float | None) -> AsyncRetrying:
        settings = self._settings
        return AsyncRetrying(
            stop=(
                stop_after_attempt(settings.max_attempts)
                | stop_past_deadline(deadline, settings.attempt_deadline, self._clock)
                | stop_if(lambda: self.breaker.state != "closed")
            ),
            wait=wait_retry_after(wait_full_jitter(self._rng)),
            retry=retry_if_exception(is_retryable),
            sleep=self._sleep,
            before_sleep=self._spend_retry,
            reraise=True,
        )

    def _spend_retry(self, retry_state: RetryCallState) -> None:
        """tenacity ``before_sleep``: take a budget token (or stop) and log the retry."""
        failure = failure_of(retry_state)
        assert failure is not None  # only AttemptFailures are retried (is_retryable)
        if not self.retry_budget.try_acquire():
            log.warning("retry budget spent; not retrying %s", self.host, extra={"host": self.host})
            raise RetryBudgetSpent(failure)
        self.retries += 1
        attempt = retry_state.attempt_number
        log.info(
            "retrying %s in %.2f s (attempt %d failed: %s)",
            self.host,
            retry_state.upcoming_sleep,
            attempt,
            failure.reason,
            extra={"host": self.host, "attempt": attempt},
        )

    def _final_error(
        self, failure: AttemptFailure, attempts: int, deadline: float | None
    ) -> UpstreamError:
        """The error of a call whose last attempt failed; a Retry-After beyond the caller's
        deadline holds the breaker open until then."""
        retry_after = failure.retry_after
        now = self._clock()
        if retry_after and not fits_deadline(
            retry_after, deadline, self._settings.attempt_deadline, now
        ):
            self.breaker.hold_open_for(retry_after)
        return UpstreamError(
            f"{self.name} request failed after {attempts} attempt(s): {failure.reason}",
            host=self.host,
            retry_after=retry_after if retry_after else self.breaker.retry_after(),
            hint="Use stored data or try again later.",
        )

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
                hint=_STORED_DATA_HINT,
            )

    # ------------------------------------------------------------------ one attempt

    async def _attempt(
        self,
        request: httpx.Request,
        parse: Callable[[UpstreamResponse], T],
        shape_errors: tuple[type[Exception], ...],
        deadline: float | None,
        number: int,
    ) -> T:
        """Gate slot, breaker permit, exchange and parse; the verdict covers the last two."""
        counted: tuple[type[Exception], ...] = (AttemptFailure, *shape_errors)
        self.breaker.check()  # fail fast while open instead of queueing at the gate
        try:
            async with self.gate.slot(
                deadline=deadline, reserve=self._settings.attempt_deadline, admit=self.breaker.admit
            ) as permit:
                with self.breaker.verdict(permit, counts=lambda exc: isinstance(exc, counted)):
                    self.requests += 1
                    response = await exchange(
                        self._client,
                        request,
                        self._settings,
                        allowed_hosts=self.allowed_hosts,
                        wall_clock=self._wall_clock,
                    )
                    return self._judge(response, parse, shape_errors, number)
        except AttemptFailure as failure:
            self._note_failure(failure, request.url.path, number)
            raise

    def _judge(
        self,
        response: UpstreamResponse,
        parse: Callable[[UpstreamResponse], T],
        shape_errors: tuple[type[Exception], ...],
        number: int,
    ) -> T:
        try:
            value = parse(response)
        except shape_errors as exc:
            self.parse_failures += 1
            self.failures += 1
            log.warning(
                "%s: response rejected by its parser: %s", self.host, exc, extra={"host": self.host}
            )
            raise
        log.debug(
            "%s %s -> %d (attempt %d)",
            self.host,
            response.url,
            response.status,
            number,
            extra={"host": self.host, "attempt": number, "status": response.status},
        )
        return value

    def _note_failure(self, failure: AttemptFailure, path: str, number: int) -> None:
        self.failures += 1
        if failure.retry_after:
            self.gate.pause_until(self._clock() + failure.retry_after)
        log.warning(
            "%s %s attempt %d failed: %s",
            self.host,
            path,
            number,
            failure.reason,
            extra={"host": self.host, "path": path, "attempt": number, "status": failure.status},
        )

    # ------------------------------------------------------------------ building requests

    def _build(self, method: str, url: str, options: RequestOptions) -> httpx.Request:
        headers, data = options.get("headers"), options.get("data")
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
                params=options.get("params"),
                data=form,
                content=content,
                json=options.get("json"),
                headers=clean_headers,
            )
        except (httpx.InvalidURL, httpx.UnsupportedProtocol, ValueError, TypeError) as exc:
            raise DisallowedURLError(f"invalid upstream URL: {exc}", host=self.host) from None
        check_url(request.url, self.allowed_hosts)
        return request


def _http_client(
    base_url: httpx.URL,
    settings: Settings,
    transport: httpx.AsyncBaseTransport | None,
    allowed_hosts: frozenset[str],
) -> httpx.AsyncClient:
    """httpx with our timeouts, no redirects, no cookie jar, no proxy env, the allowlist."""
    inner = transport if transport is not None else httpx.AsyncHTTPTransport(retries=0)
    return httpx.AsyncClient(
        base_url=base_url,
        transport=AllowlistTransport(inner, allowed_hosts),
        timeout=httpx.Timeout(
            connect=settings.connect_timeout,
            read=settings.read_timeout,
            write=settings.write_timeout,
            pool=settings.pool_timeout,
        ),
        follow_redirects=False,
        headers={"User-Agent": USER_AGENT},
        cookies=NoCookieJar(),  # a Cookies() wrapper would copy it into a normal jar
        trust_env=False,
    )
