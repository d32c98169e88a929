"""Async rate limiter for one model: requests per minute and tokens per minute.

Two token buckets refilled continuously; a bucket holds ``burst`` seconds' worth (at least
one request, and a request bigger than the token bucket is let through when the bucket is
full, leaving it in debt). Waiters are served first come, first served. ``pause`` holds
every new request until a time (a 429's Retry-After applies to the whole model), and
``settle`` corrects the token bucket once the real usage of a call is known.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass


def estimate_tokens(prompt_chars: int, max_tokens: int) -> int:
    """What vendors count against a tokens/min limit when admitting a request:
    the prompt (about 4 characters a token) plus the output it may produce."""
    return prompt_chars // 4 + max_tokens


@dataclass
class _Bucket:
    rate: float  # units per second
    capacity: float
    level: float
    stamp: float

    def refill(self, now: float) -> None:
        self.level = min(self.capacity, self.level + (now - self.stamp) * self.rate)
        self.stamp = now

    def wait_for(self, amount: float) -> float:
        """Seconds until ``amount`` (capped at capacity) is available; 0 if it is now."""
        need = min(amount, self.capacity) - self.level
        return max(0.0, need / self.rate)


class RateLimiter:
    """Requests/min and tokens/min for one model (either may be None: unlimited)."""

    def __init__(self, rpm: float | None = None, tpm: float | None = None, *,
                 burst: float = 1.0, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        if (rpm is not None and rpm <= 0) or (tpm is not None and tpm <= 0):
            raise ValueError("rate limits must be positive")
        self.rpm, self.tpm = rpm, tpm
        self._clock, self._sleep = clock, sleep
        now = clock()
        self._requests = self._bucket(rpm, burst, now, floor=1.0)
        self._tokens = self._bucket(tpm, burst, now, floor=1.0)
        self._resume_at = 0.0
        self._lock = asyncio.Lock()

    @staticmethod
    def _bucket(per_minute: float | None, burst: float, now: float, floor: float) -> _Bucket | None:
        if per_minute is None:
            return None
        rate = per_minute / 60.0
        capacity = max(floor, rate * burst)
        return _Bucket(rate=rate, capacity=capacity, level=capacity, stamp=now)

    @property
    def limited(self) -> bool:
        return self._requests is not None or self._tokens is not None

    def pause(self, seconds: float) -> None:
        """Hold every new request for ``seconds`` from now (e.g. a 429's Retry-After)."""
        self._resume_at = max(self._resume_at, self._clock() + max(0.0, seconds))

    async def acquire(self, tokens: int = 0) -> None:
        """Wait until one request and ``tokens`` tokens may be spent, then spend them."""
        async with self._lock:
            while True:
                now = self._clock()
                delay = self._resume_at - now
                for bucket, amount in ((self._requests, 1.0), (self._tokens, float(tokens))):
                    if bucket is not None:
                        bucket.refill(now)
                        delay = max(delay, bucket.wait_for(amount))
                if delay <= 1e-6:  # float dust must not spin the loop
                    break
                await self._sleep(delay)
            if self._requests is not None:
                self._requests.level -= 1.0
            if self._tokens is not None:
                self._tokens.level -= tokens

    def settle(self, estimated: int, actual: int) -> None:
        """Give back (or take) the difference between estimated and actual tokens."""
        if self._tokens is not None:
            self._tokens.refill(self._clock())
            self._tokens.level = min(self._tokens.capacity,
                                     self._tokens.level + estimated - actual)


class Limiters:
    """One RateLimiter per vendor model, shared by everything that calls it in a run:
    generation and judging of the same model spend one vendor limit (and one 429 pauses
    both). The first caller of a key sets its limits; a key without limits gets None."""

    def __init__(self) -> None:
        self._by_key: dict[str, RateLimiter] = {}

    def get(self, key: str, rpm: float | None, tpm: float | None) -> RateLimiter | None:
        """The limiter of ``key`` (made now with ``rpm``/``tpm`` if it is the first)."""
        limiter = self._by_key.get(key)
        if limiter is None and (rpm or tpm):
            limiter = self._by_key[key] = RateLimiter(rpm, tpm)
        return limiter
