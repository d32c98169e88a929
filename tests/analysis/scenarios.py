"""Planted ground truth: each scenario writes real run directories whose analysis has a
known right answer (see the test modules for what each must show)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from judge.probeset import Task
from tests.analysis.synth import EXPECTED, Outcome, covered, make_probes, write_run

QUERIES = ("overview", "tldr", "facts")


def _task_effect(task: Task) -> float:
    """A stable per-task quality offset in [-0.5, 0.5] (shared by every version)."""
    return int(task.id[:8], 16) / 0xFFFFFFFF - 0.5


def _label(task: Task, rng: np.random.Generator, p_expected: float = 0.7) -> str:
    return EXPECTED[task.page_type or "other"] if rng.random() < p_expected else "other"


def version_step(root: Path, n_pages: int = 40) -> tuple[Path, Path]:
    """A → B: faithfulness drops (0.9 → 0.5 fully faithful); nothing else changes."""
    probes = make_probes(n_pages, QUERIES)

    def model(p_faithful: float):
        def fn(task: Task, k: int, rng: np.random.Generator) -> Outcome:
            score = float(np.clip(round(4 + _task_effect(task) + rng.normal(0, 0.7)), 1, 5))
            return Outcome(text=f"{task.page_ids[0]} answer to {task.query_id}",
                           intention=score, statuses=covered(0.88, rng), label=_label(task, rng),
                           faithfulness=1.0 if rng.random() < p_faithful else 0.5)
        return fn

    return (write_run(root, "step-a", probes, {"model-v1": model(0.9)}, samples=3, seed=11),
            write_run(root, "step-b", probes, {"model-v2": model(0.5)}, samples=3, seed=12))


def tldr_regression(root: Path, n_pages: int = 12) -> tuple[Path, Path]:
    """A passes everything; B fails every tldr task (intention 2): those must flip."""
    probes = make_probes(n_pages, QUERIES)

    def model(broken: str | None):
        def fn(task: Task, k: int, rng: np.random.Generator) -> Outcome:
            bad = task.query_id == broken
            return Outcome(text="x", intention=2.0 if bad else 5.0,
                           statuses=covered(1.0, rng))
        return fn

    return (write_run(root, "tldr-a", probes, {"m": model(None)}, samples=3),
            write_run(root, "tldr-b", probes, {"m": model("tldr")}, samples=3))


def compounding(root: Path) -> Path:
    """Two combos over good single steps (29/30 each): 'good' succeeds as predicted
    (28/30), 'bad' only 6/30 — a compounding failure. A weak model's steps (20/30) keep
    the readiness gate shut."""
    probes = make_probes(4, ("overview", "pros"), combos=[
        ("good", [("p000-news", "overview"), ("p001-review", "overview")]),
        ("bad", [("p002-paper", "overview"), ("p003-short", "pros")])])

    def model(strong: bool):
        def fn(task: Task, k: int, rng: np.random.Generator) -> Outcome:
            if task.kind == "combo":
                ok = k >= 2 if task.combo_id == "good" else k < 6
            else:
                ok = k != 0 if strong else k % 3 != 0
            return Outcome(text="x", intention=5.0 if ok else 2.0, statuses=covered(1.0, rng))
        return fn

    return write_run(root, "combos", probes, {"strong": model(True), "weak": model(False)},
                     samples=30)


MIRAGE_P = (0.5, 0.65, 0.8, 0.95)


def mirage_runs(root: Path, n_pages: int = 60) -> list[Path]:
    """Four versions. Coverage: each key point covered with p = 0.5 … 0.95 (5 core points),
    so partial credit grows linearly while 'all core covered' jumps → metric artifact.
    Intention: ~2 for v1–v2, ~4.6 for v3–v4 → threshold. Faithfulness: fully faithful with
    q = 0.2 … 0.8, else 0.5 → smooth growth. Also carries labels, cross-query scores,
    traces and combos so the report has every plot."""
    probes = make_probes(n_pages, ("overview", "tldr"), core=5, supporting=1,
                         combos=[("pair", [("p000-news", "overview"),
                                           ("p001-review", "overview")])])
    paths = []
    for v, p in enumerate(MIRAGE_P):
        def fn(task: Task, k: int, rng: np.random.Generator, v: int = v, p: float = p) -> Outcome:
            high = v >= 2
            score = float(np.clip(round((4.6 if high else 2.0) + rng.normal(0, 0.4)), 1, 5))
            other = "tldr" if task.query_id == "overview" else "overview"
            reflect = rng.random() < 0.3
            return Outcome(
                text=f"Answer {rng.integers(1000)} about {task.page_ids[0]} for {task.query_id}",
                intention=score, statuses=covered(p, rng, 6), label=_label(task, rng),
                faithfulness=1.0 if rng.random() < 0.2 * (v + 1) else 0.5,
                cross={} if task.kind == "combo" else {other: max(1.0, score - 2)},
                self_check=reflect, correction=reflect and rng.random() < 0.5, follow=True)
        paths.append(write_run(root, f"mirage-v{v + 1}", probes, {f"model-v{v + 1}": fn},
                               samples=4, seed=100 + v))
    return paths


def reflection_run(root: Path) -> Path:
    """21 pages × 3 queries = 63 tasks × 4 samples. Pages i % 3 == 0 reflect in every
    sample, == 1 only in samples 0–1 (unstable), == 2 never: instability = 21/63 = 1/3,
    self-check = correction = 126/252. Corrected answers score intention 5, others 3.
    Follow-through fails on sample 3: 105/126."""
    probes = make_probes(21, QUERIES)

    def fn(task: Task, k: int, rng: np.random.Generator) -> Outcome:
        group = int(task.page_ids[0][1:4]) % 3
        reflect = group == 0 or (group == 1 and k < 2)
        return Outcome(text="x", intention=5.0 if reflect else 3.0, statuses=covered(1.0, rng),
                       self_check=reflect, correction=reflect, follow=k != 3)

    return write_run(root, "reflection", probes, {"m": fn}, samples=4)


def intention_run(root: Path) -> Path:
    """Two models. 'focused': answers differ per query, own query 5 vs others 2, labels as
    expected on news pages. 'generic': the same answer to every query, equal cross scores
    (discrimination ½, every page × query pair flagged); review labels flip by sample.
    Pairwise (focused = A vs generic = B): A wins samples 0–1, sample 2 is a tie → B's
    share is 1/6."""
    probes = make_probes(10, QUERIES, types=("news", "review"))

    def focused(task: Task, k: int, rng: np.random.Generator) -> Outcome:
        cross = {q: 2.0 for q in QUERIES if q != task.query_id}
        words = " ".join(f"{task.query_id}{i}" for i in range(12))
        return Outcome(text=f"{task.page_ids[0]} {words}", intention=5.0,
                       statuses=covered(1.0, rng), label=EXPECTED[task.page_type or "other"],
                       cross=cross, pairwise={"generic": 1.0 if k < 2 else 0.5})

    def generic(task: Task, k: int, rng: np.random.Generator) -> Outcome:
        cross = {q: 3.0 for q in QUERIES if q != task.query_id}
        label = ("pros-cons" if k % 2 else "generic") if task.page_type == "review" else "event"
        return Outcome(text=f"The page {task.page_ids[0]} is about many things.",
                       intention=3.0, statuses=covered(0.5, rng), label=label, cross=cross)

    return write_run(root, "intent", probes, {"focused": focused, "generic": generic},
                     samples=3)
