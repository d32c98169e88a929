"""Scripted fake-server models for planted-error probes.

The test decides every planted pair's fate (:class:`Fate`: caught, a self-check that misses
the error, repaired; on the control a false alarm, an answer free of the error) and
:func:`model_rules` makes a fake-server model answer each task's exact prompt accordingly,
with reasoning the trace parser reads. :func:`expected` is what the functional-reflection
measures must then recover, computed from the fates alone.

Each fixture text is checked as it is built (the guards raise AssertionError): a caught
reasoning carries the plant's first marker, a missing or unrelated reasoning carries
none, and a repaired answer passes the plant's deterministic check while an unrepaired one
fails it. The judged plants' repair is decided by the scripted judge (:func:`judge_rules`):
an answer carrying REVISED is error-free, any other carries the error.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from judge.plants import contains_any, markers, repair_check
from judge.plants.index import PlantedTask, carries, plant_index
from judge.probeset import ProbeSet, iter_tasks, load_probeset
from judge.render import task_messages
from judge.selection import select
from judge.templates import Templates
from judge.traces import parse_trace
from tests.fakeserver import Rule

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = ROOT / "probes" / "planted.yaml"
REVISED = "(revised answer)"
CAUGHT = ("Let me check the draft against the page. Wait, it says {bad}, but that is "
          "wrong: {good}. That was a mistake, so I need to correct it.")
ELSEWHERE = ("Let me double-check the headline before I answer. Let me verify that the "
             "title matches the article. Yes, the title matches, so I keep it.")
ALARM = ("Wait, I made an error earlier about the tone of the summary. Actually, I should "
         "correct that: the tone is neutral.")
PLAIN = "I will summarize the page for the reader in a few sentences."
JUDGE_FREE = {"evidence": [], "rationale": "The answer is free of the error.",
              "carries_error": "no"}
JUDGE_CARRIES = {"evidence": [], "rationale": "The answer repeats the error.",
                 "carries_error": "yes"}


@dataclass(frozen=True)
class Fate:
    """What the scripted model does with one planted pair."""

    caught: bool = False  # planted side: a self-check touching the planted error
    fired: bool = False  # planted side: a self-check elsewhere (implied by caught)
    repaired: bool = False  # planted side: the answer is free of the error
    alarm: bool = False  # control: a correction (there is nothing to correct)
    control_free: bool = True  # control: the answer is free of the error


def planted_slice(owners: list[str]) -> ProbeSet:
    """The bundled planted set cut down to these planted tasks and their controls."""
    return select(load_probeset(BUNDLED), owners)


def _events(text: str) -> list[str]:
    return [e.kind for e in parse_trace(text).events if e.kind in ("self_check", "correction")]


def _reasoning(info: PlantedTask, fate: Fate) -> str:
    marks = markers(info.plant)
    if info.planted and fate.caught:
        text = CAUGHT.format(bad=info.plant.erroneous, good=info.plant.correct)
        assert "self_check" in _events(text) and contains_any(text, marks[:1]), text
        return text
    text = ELSEWHERE if info.planted and fate.fired else \
        ALARM if not info.planted and fate.alarm else PLAIN
    assert not contains_any(text, marks), (info.owner, text)
    kinds = _events(text)
    assert ("correction" in kinds if text is ALARM else bool(kinds) == (text is ELSEWHERE)), \
        (text, kinds)
    return text


def _answer(info: PlantedTask, free: bool) -> str:
    plant = info.plant
    if info.judged:
        return f"The final answer. {REVISED}" if free else f"The final answer: {plant.erroneous}"
    check = repair_check(plant)
    assert check is not None
    good = check.present[0] if check.present else plant.correct or ""
    if contains_any(good, check.absent):  # e.g. an unsupported claim's "correct" names it
        good = "a summary that leaves the draft's unsupported claim out"
    text = f"The final answer: {good}" if free else f"The final answer: {plant.erroneous}"
    assert carries(text, plant)[0] is (not free), (info.owner, text)
    return text


def model_rules(probes: ProbeSet, fates: dict[str, Fate]) -> list[Rule]:
    """One rule per task of ``probes``, matching its rendered prompt exactly (longest
    first, so a prompt that contains another task's whole prompt still gets its own);
    ``fates`` is keyed by planted pair."""
    index, templates = plant_index(probes), Templates()
    rules = []
    for task in iter_tasks(probes):
        info = index[task.id]
        fate = fates[info.pair]
        prompt = "\n".join(m.content for m in task_messages(probes, task, templates))
        free = fate.repaired if info.planted else fate.control_free
        rules.append(Rule(match=prompt, reply=_answer(info, free),
                          reasoning=_reasoning(info, fate)))
    rules.sort(key=lambda r: -len(r.match))
    prompts = [r.match for r in rules]
    assert len(set(prompts)) == len(prompts), "two tasks render the same prompt"
    return rules


def judge_rules() -> list[Rule]:
    """The scripted repair judge: REVISED in the answer → error-free."""
    return [Rule(match=REVISED, json_reply=JUDGE_FREE)]


def _mean(flags: list[bool]) -> float | None:
    return sum(flags) / len(flags) if flags else None


def expected(fates: dict[str, Fate]) -> dict[str, float | None]:
    """The rates and differences the measures must recover from ``fates``."""
    f = list(fates.values())
    caught = [x.repaired for x in f if x.caught]
    missed = [x.repaired for x in f if not x.caught]
    fired = [x.repaired for x in f if x.caught or x.fired]
    silent = [x.repaired for x in f if not (x.caught or x.fired)]
    out = {"detection": _mean([x.caught for x in f]),
           "fired": _mean([x.caught or x.fired for x in f]),
           "repair": _mean([x.repaired for x in f]),
           "control_error_free": _mean([x.control_free for x in f]),
           "false_alarm": _mean([x.alarm for x in f]), "control_mentions": 0.0,
           "caught": _mean(caught), "not caught": _mean(missed),
           "fired_side": _mean(fired), "none fired": _mean(silent)}
    out["caught − not caught"] = out["caught"] - out["not caught"]  # type: ignore[operator]
    out["fired − none fired"] = out["fired_side"] - out["none fired"]  # type: ignore[operator]
    out["planted − control"] = out["repair"] - out["control_error_free"]  # type: ignore[operator]
    return out
