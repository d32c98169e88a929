"""Accuracy harness of the trace detector: score a system against labeled traces.

    load_set(name) -> TraceSet          # "test" / "dev" / "train" (real corpus), or a blind set
    score(traces, system) -> Score      # P / R / F1 per kind, 95% intervals, Spearman
    SYSTEMS                             # shipped, lexical, trained, naive, r1zero, human

Matching (the same rule for every system): a predicted event is a true positive when it
overlaps a labeled span of the same kind; P = matched events / events, R = labeled spans
overlapped by an event of their kind / labeled spans; F1 their harmonic mean. An event that
overlaps two labels is one matched event and recalls both. Figures are pooled over the traces
of a set; the 95% intervals are judge.stats' BCa bootstrap resampling whole traces. Spearman's
ρ is between predicted and labeled per-trace counts of a kind. A kind is scored only when the
system emits it and the set labels it (the blind sets have no pivot labels; the baselines emit
no pivots). Used by bench/trace_accuracy.py and tests/traces/test_accuracy.py.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy.stats import spearmanr

from judge.errors import JudgeError
from judge.stats import N_RESAMPLES, Estimate, statistic
from judge.traces import parser
from judge.traces.models import EVENT_KINDS
from judge.traces.segment import sentences

DATA = Path(__file__).resolve().parents[2] / "tests" / "data" / "traces"
REAL = DATA / "real"
SPLITS = ("test", "dev", "train")  # the real corpus, split by source repository
BLIND = ("heldout2", "heldout3", "holdout", "devset")  # written by the team (devset: not blind)
CORPUS_FILES = ("corpus.jsonl", "labels.jsonl", "splits.json")


class AccuracyError(JudgeError):
    """A set or system the harness does not know, or data it cannot read."""


@dataclass(frozen=True, slots=True)
class Span:
    """A labeled span or a predicted event: ``kind`` over code points [start, end)."""

    kind: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Trace:
    id: str
    text: str
    lang: str
    labels: tuple[Span, ...]


@dataclass(frozen=True)
class TraceSet:
    """Labeled traces; ``kinds`` are the kinds its labels cover."""

    name: str
    traces: tuple[Trace, ...]
    kinds: tuple[str, ...]


def _jsonl(path: Path) -> list[dict]:
    try:
        with open(path, encoding="utf-8") as fh:
            return [json.loads(line) for line in fh if line.strip()]
    except (OSError, ValueError) as exc:
        raise AccuracyError(f"cannot read {path}: {exc}") from exc


def _spans(labels: Sequence[dict]) -> tuple[Span, ...]:
    return tuple(Span(lab["kind"], int(lab["start"]), int(lab["end"])) for lab in labels)


def annotations(who: str, root: Path = REAL) -> dict[str, tuple[Span, ...]]:
    """Labels by trace id: ``who`` is "adjudicated" (labels.jsonl) or an annotator, "a"/"b"."""
    path = root / "labels.jsonl" if who == "adjudicated" else root / "annotations" / f"{who}.jsonl"
    if who not in ("adjudicated", "a", "b"):
        raise AccuracyError(f"unknown annotator {who!r} (adjudicated, a, b)")
    return {rec["id"]: _spans(rec["labels"]) for rec in _jsonl(path)}


def load_real(split: str, labels: str = "adjudicated", root: Path = REAL) -> TraceSet:
    """The real-corpus traces of one split (by source repository, splits.json)."""
    if split not in SPLITS:
        raise AccuracyError(f"unknown split {split!r} (one of {', '.join(SPLITS)})")
    try:
        sources = set(json.loads((root / "splits.json").read_text(encoding="utf-8"))[split])
    except (OSError, ValueError, KeyError) as exc:
        raise AccuracyError(f"cannot read the splits in {root}: {exc}") from exc
    by_id = annotations(labels, root)
    traces = tuple(Trace(r["id"], r["text"], r["lang"], by_id.get(r["id"], ()))
                   for r in _jsonl(root / "corpus.jsonl") if r["source"] in sources)
    return TraceSet(split, traces, EVENT_KINDS)


def load_blind(name: str, root: Path = DATA) -> TraceSet:
    """A team-written set (self_check and correction labels only; no pivot labels)."""
    if name not in BLIND:
        raise AccuracyError(f"unknown blind set {name!r} (one of {', '.join(BLIND)})")
    traces = tuple(Trace(r["id"], r["text"], r["lang"], _spans(r["labels"]))
                   for r in _jsonl(root / f"{name}.jsonl"))
    return TraceSet(name, traces, ("self_check", "correction"))


def load_set(name: str) -> TraceSet:
    """A real split ("test", "dev", "train") or a blind set by name."""
    return load_real(name) if name in SPLITS else load_blind(name)


def corpus_sha256(root: Path = REAL) -> str:
    """The real corpus's version: sha256 over corpus.jsonl, labels.jsonl and splits.json."""
    digest = hashlib.sha256()
    for name in CORPUS_FILES:
        digest.update((root / name).read_bytes())
    return digest.hexdigest()


# --- systems ---------------------------------------------------------------------------------

Predict = Callable[[Trace], list[Span]]


@dataclass(frozen=True)
class System:
    """A detector under test: ``predict`` gives a trace's events; ``emits`` the kinds it can."""

    name: str
    predict: Predict
    emits: tuple[str, ...]
    note: str = ""
    reference: str = "adjudicated"  # which labels it is scored against


def _shipped(trace: Trace) -> list[Span]:
    return [Span(e.kind, e.start, e.end) for e in parser.parse_trace(trace.text).events]


def _lexical(trace: Trace) -> list[Span]:
    return [Span(e.kind, e.start, e.end) for e in parser.lexical_events(trace.text)]


def _trained(trace: Trace) -> list[Span]:
    return [Span(e.kind, e.start, e.end)
            for e in parser.parse_trace(trace.text, detector="trained").events]


NAIVE = re.compile(r"\b(wait|check|verify|mistake|wrong|actually)\b", re.I)
R1ZERO = re.compile(r"\b(recheck|rethink|reassess|reevaluate|re-evaluate|reevaluation|re-examine"
                    r"|reexamine|reconsider|reanalyze|double-check|check again|think again"
                    r"|verify again|go over the steps)\b", re.I)


def sentence_rule(pattern: re.Pattern[str]) -> Predict:
    """A keyword baseline: every sentence (judge.traces.segment) with a match is predicted as
    both self_check and correction; a keyword list cannot tell them apart."""

    def predict(trace: Trace) -> list[Span]:
        out = []
        for s, e in sentences(trace.text):
            if pattern.search(trace.text, s, e):
                out += [Span("self_check", s, e), Span("correction", s, e)]
        return out

    return predict


def annotator(who: str, root: Path = REAL) -> Predict:
    """Another annotator's labels as predictions (the human row: b scored against a)."""
    by_id: dict[str, tuple[Span, ...]] = {}

    def predict(trace: Trace) -> list[Span]:
        if not by_id:
            by_id.update(annotations(who, root))
        return list(by_id.get(trace.id, ()))

    return predict


_KEYWORDS = ("self_check", "correction")
SYSTEMS: dict[str, System] = {
    "shipped": System("shipped", _shipped, EVENT_KINDS, "judge.traces.parse_trace"),
    "lexical": System("lexical", _lexical, EVENT_KINDS, "patterns only (lexical_events)"),
    "trained": System("trained", _trained, EVENT_KINDS,
                      "sentence-level detector (parse_trace(detector='trained'))"),
    "naive": System("naive", sentence_rule(NAIVE), _KEYWORDS,
                    "wait|check|verify|mistake|wrong|actually"),
    "r1zero": System("r1zero", sentence_rule(R1ZERO), _KEYWORDS, "understand-r1-zero keyword pool"),
    "human": System("human", annotator("b"), EVENT_KINDS, "annotator b vs annotator a", "a"),
}


def system(name: str) -> System:
    try:
        return SYSTEMS[name]
    except KeyError:
        raise AccuracyError(f"unknown system {name!r} (one of {', '.join(SYSTEMS)})") from None


# --- scoring ---------------------------------------------------------------------------------

def overlaps(a: Span, b: Span) -> bool:
    return a.start < b.end and b.start < a.end


def match_counts(labels: Sequence[Span], events: Sequence[Span], kind: str
                 ) -> tuple[int, int, int, int]:
    """(matched events, events, recalled labels, labels) of one kind in one trace."""
    evs = [e for e in events if e.kind == kind]
    labs = [lab for lab in labels if lab.kind == kind]
    matched = sum(any(overlaps(e, lab) for lab in labs) for e in evs)
    recalled = sum(any(overlaps(e, lab) for e in evs) for lab in labs)
    return matched, len(evs), recalled, len(labs)


def _nan_div(a: float, b: float) -> float:
    return a / b if b else float("nan")


def precision(c: np.ndarray) -> float:
    return _nan_div(c[0], c[1])


def recall(c: np.ndarray) -> float:
    return _nan_div(c[2], c[3])


def f1(c: np.ndarray) -> float:
    """Harmonic mean of P and R; NaN when either is undefined, 0 when both are 0."""
    p, r = precision(c), recall(c)
    if np.isnan(p) or np.isnan(r):
        return float("nan")
    return 0.0 if p + r == 0 else 2 * p * r / (p + r)


METRICS: dict[str, Callable[[np.ndarray], float]] = {"p": precision, "r": recall, "f1": f1}


@dataclass(frozen=True)
class KindScore:
    """One kind's figures on one set: estimates of P, R, F1 and Spearman's ρ of counts."""

    p: Estimate
    r: Estimate
    f1: Estimate
    spearman: float | None
    events: int
    labels: int

    def to_dict(self) -> dict:
        out: dict = {"events": self.events, "labels": self.labels, "spearman": self.spearman}
        for m in METRICS:
            est: Estimate = getattr(self, m)
            out[m] = est.value
            out[f"{m}_ci"] = [est.lo, est.hi] if est.has_interval else None
        return out


@dataclass(frozen=True)
class Score:
    """A system on a set: ``kinds`` maps each scored kind to its figures."""

    set: str
    system: str
    traces: int
    kinds: dict[str, KindScore] = field(default_factory=dict)


def counts_table(traces: Sequence[Trace], predict: Predict, kinds: Sequence[str]) -> np.ndarray:
    """Per-trace match counts, shape (traces, kinds, 4)."""
    out = np.zeros((len(traces), len(kinds), 4), dtype=float)
    for i, trace in enumerate(traces):
        events = predict(trace)
        for j, kind in enumerate(kinds):
            out[i, j] = match_counts(trace.labels, events, kind)
    return out


def _spearman(pred: np.ndarray, gold: np.ndarray) -> float | None:
    if pred.size < 2 or np.ptp(pred) == 0 or np.ptp(gold) == 0:
        return None  # undefined for a constant side
    return float(spearmanr(pred, gold).statistic)


def kind_score(per_trace: np.ndarray, boots: int = N_RESAMPLES, seed: int | None = None
               ) -> KindScore:
    """Figures of one kind from its per-trace counts (traces, 4); intervals resample traces."""
    est = {}
    for name, fn in METRICS.items():
        def stat(idx: list[int], fn: Callable[[np.ndarray], float] = fn) -> float:
            return fn(per_trace[np.asarray(idx, dtype=int)].sum(axis=0))
        est[name] = statistic(stat, range(len(per_trace)), n_resamples=boots, seed=seed,
                              bounds=(0.0, 1.0))
    totals = per_trace.sum(axis=0)
    return KindScore(est["p"], est["r"], est["f1"], _spearman(per_trace[:, 1], per_trace[:, 3]),
                     int(totals[1]), int(totals[3]))


def score(traces: TraceSet, sys: System, boots: int = N_RESAMPLES, seed: int | None = None
          ) -> Score:
    """Score ``sys`` on ``traces`` against the labels it is meant to be compared with (the
    human row reloads the real split with annotator a's labels)."""
    if sys.reference != "adjudicated":
        if traces.name not in SPLITS:
            raise AccuracyError(f"{sys.name} needs the real corpus "
                                f"(no second annotator on {traces.name})")
        traces = load_real(traces.name, labels=sys.reference)
    kinds = [k for k in EVENT_KINDS if k in sys.emits and k in traces.kinds]
    table = counts_table(traces.traces, sys.predict, kinds)
    return Score(traces.name, sys.name, len(traces.traces),
                 {k: kind_score(table[:, j], boots, seed) for j, k in enumerate(kinds)})


# --- the recorded figures (the CI floor) -------------------------------------------------------

RECORD = Path(__file__).with_name("accuracy_record.json")


def record(score_: Score, boots: int, seed: int | None) -> dict:
    """The recorded figures of a score: per kind P / R / F1 (with intervals) and ρ, with the
    corpus version they were measured on."""
    from datetime import datetime, timezone  # noqa: PLC0415 (only the recorder needs it)

    return {"set": score_.set, "system": score_.system, "traces": score_.traces,
            "corpus_sha256": corpus_sha256(), "boots": boots, "seed": seed,
            "date": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "kinds": {k: v.to_dict() for k, v in score_.kinds.items()}}


def write_record(data: dict, path: Path = RECORD) -> Path:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def read_record(path: Path = RECORD) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise AccuracyError(f"cannot read the accuracy record {path}: {exc}") from exc
