"""Who uses a serialized in-process model next, so that llama.cpp reuses its KV cache.

llama.cpp keeps the tokens of the last call in its KV cache and evaluates again only what
follows the longest common prefix with the next prompt. A run that generates and judges
with the embedded model has two callers taking turns: left to a plain lock they
alternate (judge rubric 1 of a response, the next generation, rubric 2 ...) and every
judge prompt is evaluated from scratch, although a response's rubrics share the system
prompt, the page(s), the request and the answer (prompts/judges/_common.j2).

``PrefixGate`` is the model's mutex with an order: when the model falls free, the waiter
whose prompt shares the longest prefix with the prompt that just ran goes next (ties:
first come). After a release the callers that were already waiting give the one that just
finished up to ``grace`` seconds to come back with its next prompt (a judge worker takes a
few milliseconds to record a verdict and render the next rubric), so a response's rubrics
run back to back. The grace ends as soon as any caller arrives after the release, so a
lone caller (a run that only generates) never waits for it.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

GRACE_S = 0.02


def common_prefix(a: str, b: str) -> int:
    """Length of the longest common prefix of two strings (binary search over slices)."""
    lo, hi = 0, min(len(a), len(b))
    if a[:hi] == b[:hi]:
        return hi
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[:mid] == b[:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


@dataclass
class _Waiter:
    prompt: str
    seq: int
    epoch: int  # releases before it arrived
    shared: int = field(default=0)


class PrefixGate:
    """A mutex that hands the model to the waiter continuing the last prompt best."""

    def __init__(self, grace: float = GRACE_S, clock: Callable[[], float] = time.monotonic,
                 ordered: bool = True) -> None:
        """``ordered=False``: first come, first served, no grace (a plain lock's order)."""
        self.grace, self._clock, self.ordered = (grace if ordered else 0.0), clock, ordered
        self._cond = threading.Condition()
        self._busy = False
        self._last = ""
        self._released = float("-inf")
        self._epoch = 0  # releases so far
        self._waiters: list[_Waiter] = []
        self._seq = itertools.count()

    @contextmanager
    def turn(self, prompt: str) -> Iterator[None]:
        """Hold the model for one call with ``prompt`` (blocks the calling thread)."""
        with self._cond:
            me = _Waiter(prompt, next(self._seq), self._epoch, common_prefix(self._last, prompt))
            self._waiters.append(me)
            self._cond.notify_all()  # an arrival after a release ends the grace
            while (wait := self._wait_for(me)) != 0.0:
                self._cond.wait(wait)
            self._waiters.remove(me)
            self._busy, self._last = True, prompt
        try:
            yield
        finally:
            with self._cond:
                self._busy, self._released = False, self._clock()
                self._epoch += 1
                for w in self._waiters:
                    w.shared = common_prefix(prompt, w.prompt)
                self._cond.notify_all()

    def _wait_for(self, me: _Waiter) -> float | None:
        """0.0: my turn; else how long to wait (None: until notified)."""
        if self._busy:
            return None
        left = self._released + self.grace - self._clock()
        if left > 0 and all(w.epoch < self._epoch for w in self._waiters):
            return left  # nobody has come since the release: give the last caller a moment
        best = (max(self._waiters, key=lambda w: (w.shared, -w.seq)) if self.ordered
                else min(self._waiters, key=lambda w: w.seq))
        return 0.0 if best is me else None
