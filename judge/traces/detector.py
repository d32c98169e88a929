"""The sentence-level reflection detector: classify each unit as self_check / correction / pivot.

Each sentence (judge.traces.segment.sentences) gets, per kind, a logistic score from its own
features, the previous unit's and the next unit's (judge.traces.features), with one weight
vector per role; a unit may carry two kinds. The weights were trained with scikit-learn by
``judge traces train`` (judge.traces.train) on the real-trace corpus and ship as JSON
(weights/detector.json: feature names, coefficients, intercepts, thresholds, the corpus
version and the training settings); inference needs only numpy. Lexical patterns the
training data found near-certain ("strong") fire regardless of the score.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from judge.errors import InputError
from judge.traces.features import pair_features, unit_features
from judge.traces.models import Event
from judge.traces.segment import sentences

FORMAT = 1
ROLES = ("own", "prev", "next")
_CJK = re.compile(r"[\u3400-\u9fff]")


def weights_path() -> Path:
    """Where the shipped weights live (judge/traces/weights/detector.json)."""
    return Path(str(resources.files("judge.traces") / "weights" / "detector.json"))


def units_in(text: str, segs: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """The sentence units of ``text`` inside the segments (offsets into ``text``)."""
    if len(segs) == 1 and segs[0] == (0, len(text)):
        return sentences(text)
    return [(s + a, s + b) for s, e in segs for a, b in sentences(text[s:e])]


def overlapping(units: Sequence[tuple[int, int]], events: Sequence[Event]) -> list[list[Event]]:
    """Per unit, the events that overlap it (both lists sorted by start)."""
    out: list[list[Event]] = [[] for _ in units]
    evs = sorted(events, key=lambda e: e.start)
    j = 0
    for i, (s, e) in enumerate(units):
        while j < len(evs) and evs[j].end <= s:
            j += 1
        k = j
        while k < len(evs) and evs[k].start < e:
            out[i].append(evs[k])
            k += 1
    return out


def trace_features(text: str, units: Sequence[tuple[int, int]],
                   lex: Sequence[Sequence[Event]]) -> list[list[str]]:
    """Own + pair features of every unit (see judge.traces.features)."""
    n = len(units)
    own = [unit_features(text[s:e], [(ev.pattern, ev.kind) for ev in lex[i]], i, n)
           for i, (s, e) in enumerate(units)]
    return [f + pair_features(f, own[i - 1] if i else None, own[i + 1] if i + 1 < n else None)
            for i, f in enumerate(own)]


@dataclass(frozen=True)
class Detector:
    """Loaded weights: per role a (features x kinds) matrix, intercepts and thresholds."""

    kinds: tuple[str, ...]
    names: tuple[str, ...]
    index: dict[str, int]
    coef: np.ndarray  # (3, n_features, n_kinds): own, prev, next
    intercept: np.ndarray  # (n_kinds,)
    threshold: np.ndarray  # (n_kinds,) on the probability
    strong: dict[str, str]  # lexical pattern name -> kind it always yields
    meta: dict[str, Any]

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Detector:
        """Build from the JSON weights (see judge.traces.train.to_dict)."""
        if d.get("format") != FORMAT:
            raise InputError(f"detector weights: unknown format {d.get('format')!r}")
        kinds = tuple(d["kinds"])
        names = tuple(d["features"])
        coef = np.array([[d["coef"][k][r] for k in kinds] for r in ROLES], dtype=np.float64)
        coef = coef.transpose(0, 2, 1).copy()  # (role, feature, kind)
        if coef.shape != (3, len(names), len(kinds)):
            raise InputError("detector weights: coefficient shape does not match the features")
        return cls(kinds, names, {f: i for i, f in enumerate(names)}, coef,
                   np.array([d["intercept"][k] for k in kinds]),
                   np.array([d["threshold"][k] for k in kinds]), dict(d.get("strong", {})),
                   {k: d[k] for k in ("corpus", "settings") if k in d})

    def indices(self, feats: Sequence[Sequence[str]]) -> list[list[int]]:
        """Feature indices of each unit (unknown features dropped)."""
        get = self.index.get
        return [[i for i in map(get, fs) if i is not None] for fs in feats]

    def scores(self, idx: Sequence[Sequence[int]]) -> np.ndarray:
        """Logit per unit and kind, (n_units, n_kinds)."""
        n, k = len(idx), len(self.kinds)
        out = np.tile(self.intercept, (n, 1))
        if not n:
            return out
        lens = np.fromiter(map(len, idx), dtype=np.int64, count=n)
        flat = np.fromiter((i for row in idx for i in row), dtype=np.int64, count=int(lens.sum()))
        uid = np.repeat(np.arange(n), lens)
        for r, shift in ((0, 0), (1, 1), (2, -1)):  # prev unit's features score the next unit
            w = self.coef[r][flat]  # (m, k)
            tgt = uid + shift
            keep = (tgt >= 0) & (tgt < n)
            for j in range(k):
                out[:, j] += np.bincount(tgt[keep], weights=w[keep, j], minlength=n)
        return out

    def why(self, idx: Sequence[Sequence[int]], u: int, j: int, top: int = 3) -> str:
        """The top positive contributions to kind ``j`` at unit ``u``, in words."""
        parts: list[tuple[float, str]] = []
        for r, v, label in ((0, u, ""), (1, u - 1, "previous "), (2, u + 1, "next ")):
            if 0 <= v < len(idx):
                parts.extend((float(self.coef[r, i, j]), label + self.names[i]) for i in idx[v])
        parts.sort(key=lambda p: -p[0])
        return ", ".join(f"{name} (+{w:.2f})" for w, name in parts[:top] if w > 0)

    def detect(self, text: str, segs: Sequence[tuple[int, int]], lex: Sequence[Event]
               ) -> list[Event]:
        """The events of ``text`` (inside ``segs``): one per unit and kind it carries."""
        units = units_in(text, segs)
        per_unit = overlapping(units, lex)
        idx = self.indices(trace_features(text, units, per_unit))
        logit = self.scores(idx)
        cut = np.log(self.threshold / (1.0 - self.threshold))
        hit = logit >= cut
        events: list[Event] = []
        for u in np.flatnonzero(hit.any(axis=1) | np.array([any(ev.pattern in self.strong
                                                               for ev in p) for p in per_unit],
                                                           dtype=bool)):
            s, e = units[u]
            pats = per_unit[u]
            strong = {self.strong[ev.pattern] for ev in pats if ev.pattern in self.strong}
            for j, kind in enumerate(self.kinds):
                if not hit[u, j] and kind not in strong:
                    continue
                mine = [ev for ev in pats if ev.kind == kind]
                pat = (mine or pats or [None])[0]
                name = pat.pattern if pat else ""
                lang = pat.lang if pat else ("zh" if _CJK.search(text, s, e) else "en")
                p = 1.0 / (1.0 + math.exp(-float(logit[u, j])))
                words = self.why(idx, u, j)
                why = (f"strong pattern {name}" if kind in strong and not hit[u, j] else
                       f"{kind} p={p:.2f}" + (f"; pattern {name}" if mine else "")
                       + (f"; features: {words}" if words else ""))
                events.append(Event(kind, s, e, text[s:e], name, lang, why))
        return events


@lru_cache(maxsize=4)
def _load(path: str) -> Detector:
    try:
        with open(path, encoding="utf-8") as fh:
            return Detector.from_dict(json.load(fh))
    except (OSError, ValueError, KeyError) as exc:
        raise InputError(f"cannot load detector weights {path}: {exc}") from exc


def load_detector(path: str | Path | None = None) -> Detector:
    """The detector with the shipped weights (or those at ``path``), cached."""
    return _load(str(path or weights_path()))
