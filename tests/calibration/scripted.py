"""A scripted judge for the calibration suite, served by the loopback FakeJudge.

It reads each judge request the way a model would see it (the rubric line, the query,
the fenced answer(s), the judge sample from the seed), finds the planted case, and answers
with the verdict its script names for that case: ``right`` (the planted verdict), ``wrong``
(a different one), ``garbage`` (no JSON, every time: unparseable after the re-asks),
``first`` (pairwise: always the answer shown first, so the two orders disagree),
``padded`` (pairwise: the padded, worse answer in both orders), ``flip`` (right at judge
sample 0, wrong at the others: self-inconsistent). Prompts that are not about a planted
case get FakeJudge's default reply. The figures the calibration reports
can then be checked against counts taken from the script alone.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from judge.calibration.suite import Case, PairwiseCase, Suite

_FENCE = r"<<{name} (\w+)>>\n(.*?)\n<</{name} \1>>"
_RUBRIC = re.compile(r"Rubric: ([A-Z]+)\.")
_QUERY = re.compile(r'The user asked: "(.*?)" \(intent: ')
_KP = re.compile(r"^- (\S+) \((core|supporting|background)\): ", re.MULTILINE)


def fenced(name: str, text: str) -> str | None:
    m = re.search(_FENCE.format(name=name), text, re.DOTALL)
    return m.group(2) if m else None


def wrong_label(rubric: str, planted: str) -> str:
    if rubric == "reflection":
        return {"corrected-reflected": "corrected-not-reflected"}.get(planted,
                                                                      "corrected-reflected")
    return "other" if planted != "other" else "generic"


def verdict(rubric: str, value: Any, prompt: str) -> dict[str, Any]:
    """A valid verdict whose headline is ``value``."""
    if rubric == "intention":
        return {"rationale": "scripted", "score": int(value)}
    if rubric == "faithfulness":
        return {"claims": [{"claim": "a claim", "evidence": "",
                            "status": "supported" if value else "unsupported"}],
                "rationale": "scripted"}
    if rubric == "coverage":
        points = _KP.findall(prompt)
        core = [k for k, role in points if role == "core"]
        miss = set() if value else {core[0]}
        return {"points": [{"id": k, "evidence": "", "status": "missing" if k in miss
                            else "covered"} for k, _ in points], "rationale": "scripted"}
    if rubric == "reflection":
        return {"evidence": [], "rationale": "scripted", "self_check": True, "correction": True,
                "reflected": "yes" if value == "corrected-reflected" else "no"}
    if rubric == "pairwise":
        return {"rationale": "scripted", "winner": value}
    return {"evidence": [], "rationale": "scripted", "label": value}


@dataclass
class ScriptedJudge:
    """``respond`` for FakeJudge: one behaviour per case id (default ``right``)."""

    suite: Suite
    script: dict[str, str] = field(default_factory=dict)
    seed: int = 0
    calls: int = 0

    def __post_init__(self) -> None:
        self.index: dict[tuple[Any, ...], Case] = {}
        for c in self.suite.cases:
            assert self.key(c) not in self.index, f"{c.id}: the scripted judge cannot tell it apart"
            self.index[self.key(c)] = c

    def key(self, c: Case) -> tuple[Any, ...]:
        if c.rubric == "pairwise":
            return ("pairwise", frozenset((c.text, c.other)))
        return (c.rubric, c.spec.query, c.text)

    def query_id(self, text: str) -> str | None:
        from judge.probeset import load_probeset
        from tests.conftest import ROOT

        if not hasattr(self, "_queries"):
            probes = load_probeset(ROOT / "probes" / "web-summaries.yaml")
            self._queries = {q.text: q.id for q in [*probes.queries, *self.suite.meta.queries]}
        return self._queries.get(text)

    def find(self, rubric: str, prompt: str) -> tuple[Case | None, str | None]:
        """The planted case a prompt is about (None: not a calibration prompt)."""
        if rubric == "pairwise":
            a, b = fenced("ANSWER_A", prompt), fenced("ANSWER_B", prompt)
            return self.index.get(("pairwise", frozenset((a, b)))), a
        m = _QUERY.search(prompt)
        if m is None:
            return None, None
        return self.index.get((rubric, self.query_id(m.group(1)), fenced("ANSWER", prompt))), None

    def __call__(self, body: dict[str, Any]) -> str | None:
        prompt = "\n".join(str(m.get("content")) for m in body["messages"] if m["role"] == "user")
        m = _RUBRIC.search(prompt)
        if m is None:
            return None
        self.calls += 1
        rubric = m.group(1).lower()
        case, shown_first = self.find(rubric, prompt)
        if case is None:  # e.g. judging a normal run: FakeJudge's schema instance
            return None
        how = self.script.get(case.id, "right")
        sample = int(body.get("seed") or 0) - self.seed
        if how == "garbage":
            return "I would rather not say."
        if how == "flip":
            how = "right" if sample == 0 else "wrong"
        if rubric == "pairwise":
            return json.dumps(verdict(rubric, self.pair_winner(case, shown_first, how), prompt))
        value = case.planted if how == "right" else self.wrong(case)
        return json.dumps(verdict(rubric, value, prompt))

    def wrong(self, case: Case) -> Any:
        if case.rubric == "intention":
            return 2 if case.planted >= 4 else 5
        if case.rubric in ("faithfulness", "coverage"):
            return not case.planted
        return wrong_label(case.rubric, str(case.planted))

    def pair_winner(self, case: Case, shown_first: str | None, how: str) -> str:
        spec = case.spec
        assert isinstance(spec, PairwiseCase)
        better_text = case.text if spec.better_first else case.other
        better_slot = "A" if shown_first == better_text else "B"
        worse_slot = "B" if better_slot == "A" else "A"
        if how == "first":
            return "A"
        return better_slot if how == "right" else worse_slot  # wrong / padded: the worse one
