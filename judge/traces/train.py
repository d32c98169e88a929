"""Train the sentence-level detector on the real-trace corpus (``judge traces train``).

Reads tests/data/traces/real/ (corpus.jsonl, labels.jsonl, splits.json); uses only the
traces of the ``train`` and ``dev`` sources (the ``test`` sources are dropped as the lines are
read, before any text or label is looked at). One logistic regression per kind
(scikit-learn, liblinear, binary features of the unit and its neighbours). The settings (C,
class weights) and the probability thresholds are chosen by cross-validation grouped by
source repository over train + dev (out-of-fold predictions); the final model is then fit
on train + dev. The dev-split summary printed is of out-of-fold predictions (each dev
source scored by a model that never saw it). Deterministic: the same corpus gives the same
weights file, byte for byte. Needs the ``train`` extra (scikit-learn).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from judge.errors import InputError
from judge.traces.detector import FORMAT, ROLES, overlapping, trace_features
from judge.traces.models import EVENT_KINDS, Event
from judge.traces.segment import sentences

CORPUS_FILES = ("corpus.jsonl", "labels.jsonl", "splits.json")
GRID_C = (0.1, 0.3, 1.0)
GRID_WEIGHT = (None, "balanced")
MIN_DF = 2
FOLDS = 4
STRONG_MIN, STRONG_PRECISION = 8, 0.9
PIVOT_MIN_PRECISION = 0.8


def default_corpus() -> Path:
    """tests/data/traces/real/ of the source checkout this package runs from."""
    return Path(__file__).resolve().parents[2] / "tests" / "data" / "traces" / "real"


def corpus_version(corpus: Path) -> str:
    """sha256 over corpus.jsonl, labels.jsonl and splits.json (in that order)."""
    h = hashlib.sha256()
    for name in CORPUS_FILES:
        h.update(name.encode() + b"\0" + (corpus / name).read_bytes() + b"\0")
    return h.hexdigest()


@dataclass
class Data:
    """Units of the training traces: features, labels (n_units x kinds), owners."""

    feats: list[list[str]] = field(default_factory=list)
    y: list[list[int]] = field(default_factory=list)
    trace: list[int] = field(default_factory=list)  # trace number of each unit
    source: list[str] = field(default_factory=list)  # per trace
    split: list[str] = field(default_factory=list)  # per trace
    lexical: list[set[str]] = field(default_factory=list)  # per unit: categories / patterns


def load_data(corpus: Path, lexical: Callable[[str], list[Event]], limit: int | None = None
              ) -> Data:
    """Units, features and labels of the train + dev traces (test never read)."""
    try:
        splits = json.loads((corpus / "splits.json").read_text(encoding="utf-8"))
        labels = {}
        with open(corpus / "labels.jsonl", encoding="utf-8") as fh:
            for line in fh:
                rec = json.loads(line)
                labels[rec["id"]] = rec["labels"]
    except (OSError, ValueError, KeyError) as exc:
        raise InputError(f"cannot read the corpus at {corpus}: {exc}") from exc
    split_of = {s: name for name in ("train", "dev") for s in splits[name]}
    data = Data()
    with open(corpus / "corpus.jsonl", encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            split = split_of.get(rec["source"])
            if split is None:  # a test source (or unknown): never looked at
                continue
            if limit is not None and len(data.source) >= limit:
                break
            _add_trace(data, rec["text"], labels.get(rec["id"], []), rec["source"], split,
                       lexical)
    if not data.source:
        raise InputError(f"no train/dev traces in {corpus}")
    return data


def _add_trace(data: Data, text: str, labels: list[dict[str, Any]], source: str, split: str,
               lexical: Callable[[str], list[Event]]) -> None:
    t = len(data.source)
    data.source.append(source)
    data.split.append(split)
    units = sentences(text)
    per_unit = overlapping(units, lexical(text))
    data.feats.extend(trace_features(text, units, per_unit))
    for (s, e), evs in zip(units, per_unit, strict=True):
        data.y.append([int(any(lab["kind"] == k and lab["start"] < e and s < lab["end"]
                               for lab in labels)) for k in EVENT_KINDS])
        data.trace.append(t)
        data.lexical.append({ev.kind for ev in evs} | {"pat:" + ev.pattern for ev in evs})


def design(data: Data, names: Sequence[str]) -> Any:
    """The sparse design matrix: own, previous-unit and next-unit features side by side."""
    from scipy import sparse

    index = {f: i for i, f in enumerate(names)}
    rows, cols = [], []
    for r, fs in enumerate(data.feats):
        for i in {index[f] for f in fs if f in index}:
            rows.append(r)
            cols.append(i)
    n, m = len(data.feats), len(names)
    own = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, m))
    tr = np.array(data.trace)
    prev_ok = np.r_[False, tr[1:] == tr[:-1]]  # unit u's previous unit is in the same trace
    next_ok = np.r_[tr[:-1] == tr[1:], False]
    shift_prev = sparse.csr_matrix((np.ones(int(prev_ok.sum())),
                                    (np.flatnonzero(prev_ok), np.flatnonzero(prev_ok) - 1)),
                                   shape=(n, n))
    shift_next = sparse.csr_matrix((np.ones(int(next_ok.sum())),
                                    (np.flatnonzero(next_ok), np.flatnonzero(next_ok) + 1)),
                                   shape=(n, n))
    return sparse.hstack([own, shift_prev @ own, shift_next @ own]).tocsr()


def _fit(x: Any, y: np.ndarray, c: float, weight: str | None) -> Any:
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=c, class_weight=weight, solver="liblinear", max_iter=1000,
                               random_state=0)
    return model.fit(x, y) if y.any() and not y.all() else None


def _prob(model: Any, x: Any, y_train: np.ndarray) -> np.ndarray:
    if model is None:
        return np.full(x.shape[0], float(y_train.mean()) if len(y_train) else 0.0)
    return model.predict_proba(x)[:, 1]


def _pick_threshold(kind: str, y: np.ndarray, p: np.ndarray) -> tuple[float, float]:
    """(threshold, out-of-fold F1): best F1 (pivot: best F1 with precision >= 0.8)."""
    from sklearn.metrics import precision_recall_fscore_support

    best: tuple[float, float, float] = (-1.0, 0.5, 0.0)
    for t in np.round(np.arange(0.05, 0.96, 0.01), 2):
        pr, rc, f1, _ = precision_recall_fscore_support(y, p >= t, average="binary",
                                                        zero_division=0)
        score = f1 if kind != "pivot" or pr >= PIVOT_MIN_PRECISION else f1 - 1.0
        if score > best[0]:
            best = (float(score), float(t), float(f1))
    return best[1], best[2]


def strong_patterns(data: Data, y: np.ndarray) -> dict[str, str]:
    """Patterns whose units carry the pattern's category almost always (>= 0.9, >= 8 units)."""
    seen: Counter[tuple[str, str]] = Counter()
    good: Counter[tuple[str, str]] = Counter()
    for u, lex in enumerate(data.lexical):
        cats = [k for k in EVENT_KINDS if k in lex]
        for p in sorted(x for x in lex if x.startswith("pat:")):
            for k in cats:
                seen[p[4:], k] += 1
                good[p[4:], k] += int(y[u, EVENT_KINDS.index(k)])
    return {p: k for (p, k), n in sorted(seen.items())
            if n >= STRONG_MIN and good[p, k] / n >= STRONG_PRECISION}


def _summary(data: Data, y: np.ndarray, pred: np.ndarray, split: str, label: str) -> list[str]:
    from sklearn.metrics import precision_recall_fscore_support

    rows = np.array([data.split[t] == split for t in data.trace])
    if not rows.any():
        return [f"{label}: no {split} units"]
    out = [f"{label} ({split} split, {int(rows.sum())} units)"]
    for j, k in enumerate(EVENT_KINDS):
        pr, rc, f1, _ = precision_recall_fscore_support(y[rows, j], pred[rows, j],
                                                        average="binary", zero_division=0)
        out.append(f"  {k:<11} n={int(y[rows, j].sum()):>4}  P {pr:.3f}  R {rc:.3f}  F1 {f1:.3f}")
    return out


def train(corpus: Path, lexical: Callable[[str], list[Event]], limit: int | None = None,
          log: Callable[[str], None] = print) -> dict[str, Any]:
    """Fit the detector; returns the weights document (see judge.traces.detector)."""
    from sklearn.model_selection import GroupKFold

    data = load_data(corpus, lexical, limit)
    y = np.array(data.y, dtype=np.int64)
    df: Counter[str] = Counter(f for fs in data.feats for f in set(fs))
    names = sorted(f for f, n in df.items() if n >= MIN_DF)
    x = design(data, names)
    groups = np.array([data.source[t] for t in data.trace])
    n_groups = len(set(groups))
    log(f"{len(data.source)} traces ({n_groups} sources), {len(y)} units, "
        f"{len(names)} features; labels: "
        + ", ".join(f"{k} {int(y[:, j].sum())}" for j, k in enumerate(EVENT_KINDS)))
    folds = list(GroupKFold(n_splits=min(FOLDS, n_groups)).split(x, groups=groups)) \
        if n_groups >= 2 else []
    strong = strong_patterns(data, y)
    strong_mask = np.zeros_like(y, dtype=bool)
    for u, lex in enumerate(data.lexical):
        for p in lex:
            if p.startswith("pat:") and p[4:] in strong:
                strong_mask[u, EVENT_KINDS.index(strong[p[4:]])] = True
    settings: dict[str, Any] = {}
    oof_pred = np.zeros_like(y, dtype=bool)
    for j, kind in enumerate(EVENT_KINDS):
        best: tuple[float, float, float, str | None, np.ndarray] | None = None
        for c in GRID_C:
            for w in GRID_WEIGHT:
                p = np.zeros(len(y))
                for tr, te in folds:
                    p[te] = _prob(_fit(x[tr], y[tr, j], c, w), x[te], y[tr, j])
                if not folds:
                    p[:] = 0.5
                t, f1 = _pick_threshold(kind, y[:, j], p)
                if best is None or f1 > best[0] + 1e-9:
                    best = (f1, t, c, w, p)
        assert best is not None
        f1, t, c, w, p = best
        settings[kind] = {"C": c, "class_weight": w, "threshold": t, "cv_f1": round(f1, 4)}
        oof_pred[:, j] = (p >= t) | strong_mask[:, j]
        log(f"{kind}: C={c} class_weight={w} threshold={t} out-of-fold F1 {f1:.3f}")
    lex_pred = np.array([[k in lex for k in EVENT_KINDS] for lex in data.lexical])
    for split in ("dev", "train"):
        for line in _summary(data, y, oof_pred, split, "detector, out-of-fold"):
            log(line)
    for line in _summary(data, y, lex_pred, "dev", "lexical patterns only"):
        log(line)
    coef: dict[str, dict[str, list[float]]] = {}
    intercept: dict[str, float] = {}
    m = len(names)
    for j, kind in enumerate(EVENT_KINDS):
        s = settings[kind]
        model = _fit(x, y[:, j], s["C"], s["class_weight"])
        w_all = model.coef_[0] if model is not None else np.zeros(3 * m)
        b = float(model.intercept_[0]) if model is not None else -10.0
        coef[kind] = {r: [_r(v) for v in w_all[i * m:(i + 1) * m]] for i, r in enumerate(ROLES)}
        intercept[kind] = _r(b)
    return {
        "format": FORMAT,
        "kinds": list(EVENT_KINDS),
        "corpus": {"sha256": corpus_version(corpus), "files": list(CORPUS_FILES),
                   "splits_used": ["train", "dev"], "traces": len(data.source),
                   "units": int(len(y)), "limit": limit},
        "settings": {"learner": "sklearn LogisticRegression(solver=liblinear) per kind",
                     "min_df": MIN_DF, "folds": len(folds), "grid_C": list(GRID_C),
                     "grid_class_weight": list(GRID_WEIGHT), "per_kind": settings,
                     "strong_rule": f">= {STRONG_MIN} units, precision >= {STRONG_PRECISION}"},
        "threshold": {k: settings[k]["threshold"] for k in EVENT_KINDS},
        "intercept": intercept,
        "strong": strong,
        "features": names,
        "coef": coef,
    }


def _r(v: float) -> float:
    return float(f"{float(v):.6g}")


def write_weights(doc: dict[str, Any], path: Path) -> None:
    """Write the weights JSON deterministically (sorted keys, one feature list per line)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, sort_keys=True, separators=(",", ":")) + "\n",
                    encoding="utf-8")
