"""One HTTP exchange of an attempt: send, read the body under the cap, classify the status.

Every way an attempt can fail that the breaker counts becomes an ``AttemptFailure`` saying
whether another attempt may help: timeouts (httpx's per-operation ones and the overall
``attempt_deadline``, which alone stops a slow drip), transport errors (connect, reset,
truncation), 5xx/408/429 with their Retry-After, an oversize or undecodable body. A redirect
to a host outside the allowlist is a DisallowedURLError (not followed, not a failure).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx

from schedule_mcp.config import Settings
from schedule_mcp.upstream.allowlist import DisallowedURLError, check_url
from schedule_mcp.upstream.response import UpstreamResponse
from schedule_mcp.upstream.retry import RETRYABLE_STATUSES, AttemptFailure
from schedule_mcp.upstream.retry_after import parse_retry_after

READ_CHUNK = 64 * 1024


async def exchange(
    client: httpx.AsyncClient,
    request: httpx.Request,
    settings: Settings,
    *,
    allowed_hosts: frozenset[str],
    wall_clock: Callable[[], float],
) -> UpstreamResponse:
    """Send ``request`` once and return the fully read response, or raise AttemptFailure."""
    deadline = settings.attempt_deadline
    try:
        async with asyncio.timeout(deadline):
            response = await client.send(request, stream=True)
            try:
                content = await read_capped(response, settings.max_body_bytes)
            finally:
                await response.aclose()
    except TimeoutError:
        raise AttemptFailure(f"attempt deadline of {deadline:g} s passed", retryable=True) from None
    except httpx.TimeoutException as exc:
        raise AttemptFailure(f"timeout ({type(exc).__name__})", retryable=True) from None
    except httpx.UnsupportedProtocol as exc:
        raise DisallowedURLError(str(exc), host=request.url.host) from None
    except httpx.TransportError as exc:
        detail = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        raise AttemptFailure(detail, retryable=True) from None
    except httpx.HTTPError as exc:  # e.g. DecodingError: a corrupt body comes back the same
        raise AttemptFailure(f"{type(exc).__name__}: {exc}", retryable=False) from None
    classify(request, response, settings, allowed_hosts=allowed_hosts, now_wall=wall_clock())
    return UpstreamResponse(
        status=response.status_code, headers=response.headers, content=content, url=str(request.url)
    )


def classify(
    request: httpx.Request,
    response: httpx.Response,
    settings: Settings,
    *,
    allowed_hosts: frozenset[str],
    now_wall: float,
) -> None:
    """Raise AttemptFailure for 5xx/408/429, DisallowedURLError for a redirect off the list."""
    status = response.status_code
    if status in RETRYABLE_STATUSES or status >= 500:
        retry_after = parse_retry_after(
            response.headers.get("retry-after"),
            now_wall=now_wall,
            cap=settings.retry_after_cap,
            date_header=response.headers.get("date"),
        )
        raise AttemptFailure(
            f"HTTP {status}",
            retryable=status in RETRYABLE_STATUSES,
            status=status,
            retry_after=retry_after,
        )
    if 300 <= status < 400 and "location" in response.headers:
        target = request.url.join(response.headers["location"])
        try:
            check_url(target, allowed_hosts)
        except DisallowedURLError:
            raise DisallowedURLError(
                f"refused redirect to {target.host!r}: host not in the upstream allowlist",
                host=target.host,
            ) from None


async def read_capped(response: httpx.Response, cap: int) -> bytes:
    """The body, refused (AttemptFailure, not retried) once it would exceed ``cap`` bytes."""
    declared = response.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > cap:
        raise AttemptFailure(
            f"body of {declared} bytes exceeds the {cap} byte cap", retryable=False
        )
    chunks: list[bytes] = []
    total = 0
    async for chunk in response.aiter_bytes(READ_CHUNK):
        total += len(chunk)
        if total > cap:
            raise AttemptFailure(f"body exceeds the {cap} byte cap", retryable=False)
        chunks.append(chunk)
    return b"".join(chunks)
