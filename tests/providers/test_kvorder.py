"""PrefixGate: the embedded model's callers take turns so that llama.cpp reuses its KV cache
(the waiter continuing the last prompt best goes next; arrival order with ordered=False)."""

from __future__ import annotations

import threading
import time

import pytest

from judge.providers.base import Message, Request
from judge.providers.kvorder import PrefixGate, common_prefix
from judge.providers.local import prompt_text


@pytest.mark.parametrize(("a", "b", "n"), [("", "", 0), ("abc", "", 0), ("abc", "abd", 2),
                                           ("abc", "abc", 3), ("abc", "abcdef", 3),
                                           ("xbc", "abc", 0), ("a" * 999 + "b", "a" * 1000, 999)])
def test_common_prefix(a: str, b: str, n: int) -> None:
    assert common_prefix(a, b) == n == common_prefix(b, a)


def _order(gate: PrefixGate, first: str, waiting: list[str], back: str | None = None,
           hold: float = 0.2) -> list[str]:
    """Hold the gate with ``first``, queue ``waiting`` (in this order) behind it, and with
    ``back`` come back right after the release; return the order of the turns."""
    ran: list[str] = []
    started = threading.Event()

    def holder() -> None:
        with gate.turn(first):
            ran.append(first)
            started.set()
            time.sleep(hold)
        if back is not None:
            time.sleep(0.002)  # a judge worker recording its verdict
            with gate.turn(back):
                ran.append(back)

    def waiter(prompt: str) -> None:
        with gate.turn(prompt):
            ran.append(prompt)
            time.sleep(0.01)

    threads = [threading.Thread(target=holder)]
    threads[0].start()
    started.wait()
    for prompt in waiting:
        threads.append(threading.Thread(target=waiter, args=(prompt,)))
        threads[-1].start()
        time.sleep(0.02)  # arrival order
    for t in threads:
        t.join(10)
    return ran


def test_the_waiter_continuing_the_last_prompt_goes_next() -> None:
    gate = PrefixGate()
    ran = _order(gate, "judge|page A|answer 1|intention",
                 ["generate|page B", "judge|page A|answer 1|coverage", "judge|page C|answer 9"])
    assert ran == ["judge|page A|answer 1|intention", "judge|page A|answer 1|coverage",
                   "judge|page C|answer 9", "generate|page B"]


def test_arrival_order_without_ordering() -> None:
    gate = PrefixGate(ordered=False)
    waiting = ["generate|page B", "judge|page A|answer 1|coverage", "judge|page C|answer 9"]
    assert _order(gate, "judge|page A|answer 1|intention", waiting)[1:] == waiting


def test_the_caller_that_just_finished_gets_a_moment_to_come_back() -> None:
    """A response's next rubric, rendered after the release, still beats a generation call
    that had been waiting: its prompt continues the one the model just evaluated."""
    gate = PrefixGate(grace=0.5)
    ran = _order(gate, "judge|page A|answer 1|intention", ["generate|page B"],
                 back="judge|page A|answer 1|coverage")
    assert ran == ["judge|page A|answer 1|intention", "judge|page A|answer 1|coverage",
                   "generate|page B"]
    plain = _order(PrefixGate(ordered=False), "judge|page A|answer 1|intention",
                   ["generate|page B"], back="judge|page A|answer 1|coverage")
    assert plain[1] == "generate|page B"  # a plain lock lets generation in between


def test_a_lone_caller_never_waits_for_the_grace() -> None:
    gate = PrefixGate(grace=5.0)
    start = time.perf_counter()
    for i in range(20):
        with gate.turn(f"generate|page {i}"):
            pass
    assert time.perf_counter() - start < 1.0


def test_nobody_comes_back_then_the_waiter_goes_after_the_grace() -> None:
    gate = PrefixGate(grace=0.1)
    start = time.perf_counter()
    ran = _order(gate, "judge|page A|answer 1|intention", ["generate|page B"], hold=0.05)
    assert ran[1] == "generate|page B"
    assert time.perf_counter() - start < 2.0


def test_many_threads_each_get_their_turn_once() -> None:
    gate, inside, ran = PrefixGate(grace=0.001), [0], []

    def call(prompt: str) -> None:
        with gate.turn(prompt):
            inside[0] += 1
            assert inside[0] == 1  # a mutex
            ran.append(prompt)
            time.sleep(0.001)
            inside[0] -= 1

    threads = [threading.Thread(target=call, args=(f"p{i % 3}|{i}",)) for i in range(60)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert sorted(ran) == sorted(f"p{i % 3}|{i}" for i in range(60))


def test_prompt_text_puts_roles_and_messages_in_order() -> None:
    request = Request(messages=[Message(role="system", content="S"),
                                Message(role="user", content="page\nquery")], max_tokens=8)
    assert prompt_text(request) == "system\x01S\x00user\x01page\nquery"
