"""The per-model rate limiter, on a virtual clock (no real sleeping)."""

from __future__ import annotations

import asyncio

import pytest

from judge.ratelimit import RateLimiter, estimate_tokens


class VirtualTime:
    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)


def _limiter(vt: VirtualTime, **kw: float) -> RateLimiter:
    return RateLimiter(clock=vt.clock, sleep=vt.sleep, **kw)


def test_requests_per_minute_paces_calls() -> None:
    vt = VirtualTime()

    async def main() -> list[float]:
        limiter = _limiter(vt, rpm=600)  # 10 per second, burst of 10
        stamps = []
        for _ in range(40):
            await limiter.acquire()
            stamps.append(vt.now)
        return stamps

    stamps = asyncio.run(main())
    assert stamps[9] == 0.0  # the burst
    assert stamps[-1] == pytest.approx(3.0, abs=0.01)  # 30 more at 10/s
    assert len([s for s in stamps if s <= 2.0]) == 30


def test_tokens_per_minute_and_settle() -> None:
    vt = VirtualTime()

    async def main() -> float:
        limiter = _limiter(vt, tpm=60_000)  # 1,000 tokens/s
        for _ in range(5):
            await limiter.acquire(500)
            limiter.settle(500, 100)  # used far less than estimated: tokens come back
        assert vt.now == 0.0  # 5 x 500 estimated, but only 5 x 100 spent
        await limiter.acquire(2_000)  # bigger than the bucket: let through once it is full
        return vt.now

    assert asyncio.run(main()) == pytest.approx(0.5, abs=0.01)  # 500 left, 500 more needed


def test_pause_holds_everyone_until_retry_after() -> None:
    vt = VirtualTime()

    async def main() -> list[float]:
        limiter = _limiter(vt, rpm=6_000)
        await limiter.acquire()
        limiter.pause(2.5)
        stamps = []
        for _ in range(3):
            await limiter.acquire()
            stamps.append(vt.now)
        return stamps

    assert asyncio.run(main())[0] == pytest.approx(2.5)


def test_concurrent_waiters_are_served_in_order() -> None:
    vt = VirtualTime()
    order: list[int] = []

    async def worker(limiter: RateLimiter, i: int) -> None:
        await limiter.acquire()
        order.append(i)

    async def main() -> None:
        limiter = _limiter(vt, rpm=60)  # 1 per second
        await asyncio.gather(*(worker(limiter, i) for i in range(5)))

    asyncio.run(main())
    assert order == [0, 1, 2, 3, 4] and vt.now == pytest.approx(4.0)


def test_estimate_and_validation() -> None:
    assert estimate_tokens(4_000, 1_000) == 2_000
    with pytest.raises(ValueError):
        RateLimiter(rpm=0)
    assert not RateLimiter().limited and RateLimiter(tpm=10).limited
