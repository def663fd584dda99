import asyncio

import pytest

from schedule_mcp.services.singleflight import SingleFlight


class Upstream:
    def __init__(self, delay: float = 0.05, fail: bool = False) -> None:
        self.calls = 0
        self.delay = delay
        self.fail = fail

    async def fetch(self) -> str:
        self.calls += 1
        await asyncio.sleep(self.delay)
        if self.fail:
            raise RuntimeError("503")
        return f"data-{self.calls}"


async def test_sf1_concurrent_cold_calls_share_one_fetch() -> None:
    flight: SingleFlight[str] = SingleFlight()
    upstream = Upstream()
    results = await asyncio.gather(*(flight.run("k", upstream.fetch) for _ in range(100)))
    assert upstream.calls == 1
    assert set(results) == {"data-1"}
    assert not flight.in_flight("k")


async def test_sf2_each_key_fetches_once() -> None:
    flight: SingleFlight[str] = SingleFlight()
    upstreams = {key: Upstream() for key in range(10)}
    await asyncio.gather(
        *(flight.run(key, upstreams[key].fetch) for key in range(10) for _ in range(10))
    )
    assert [u.calls for u in upstreams.values()] == [1] * 10


async def test_sf3_cancelled_leader_does_not_starve_followers() -> None:
    flight: SingleFlight[str] = SingleFlight()
    upstream = Upstream(delay=0.1)
    leader = asyncio.create_task(flight.run("k", upstream.fetch))
    await asyncio.sleep(0)
    followers = [asyncio.create_task(flight.run("k", upstream.fetch)) for _ in range(99)]
    await asyncio.sleep(0.05)
    leader.cancel()
    results = await asyncio.gather(*followers)
    assert upstream.calls == 1
    assert results == ["data-1"] * 99
    with pytest.raises(asyncio.CancelledError):
        await leader


async def test_sf4_impatient_follower_times_out_without_cancelling_the_fetch() -> None:
    flight: SingleFlight[str] = SingleFlight()
    upstream = Upstream(delay=0.2)
    patient = asyncio.create_task(flight.run("k", upstream.fetch))
    with pytest.raises(TimeoutError):
        await flight.run("k", upstream.fetch, timeout=0.05)
    late = await flight.run("k", upstream.fetch)
    assert await patient == late == "data-1"
    assert upstream.calls == 1


async def test_sf5_a_failure_reaches_every_waiter_then_is_forgotten() -> None:
    flight: SingleFlight[str] = SingleFlight()
    upstream = Upstream(fail=True)
    outcomes = await asyncio.gather(
        *(flight.run("k", upstream.fetch) for _ in range(20)), return_exceptions=True
    )
    assert all(isinstance(o, RuntimeError) for o in outcomes)
    assert upstream.calls == 1
    assert not flight.in_flight("k")
    upstream.fail = False
    await asyncio.gather(*(flight.run("k", upstream.fetch) for _ in range(100)))
    assert upstream.calls == 2


async def test_wait_all_and_cancel_all() -> None:
    flight: SingleFlight[str] = SingleFlight()
    upstream = Upstream(delay=0.01)
    flight.start("a", upstream.fetch)
    await flight.wait_all()
    assert upstream.calls == 1
    slow = Upstream(delay=10)
    task = flight.start("b", slow.fetch)
    await flight.cancel_all()
    assert task.cancelled()


async def test_start_detached_runs_once_and_retrieves_its_failure() -> None:
    flight: SingleFlight[str] = SingleFlight()
    upstream = Upstream(delay=0.01, fail=True)
    assert flight.start_detached("k", upstream.fetch)
    assert not flight.start_detached("k", upstream.fetch)  # joined, not restarted
    await flight.wait_all()  # the failure is consumed: no "exception never retrieved"
    assert upstream.calls == 1
    assert not flight.in_flight("k")
