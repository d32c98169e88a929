"""Scenario runs are written once per session (they are read-only for the tests)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.analysis import scenarios


@pytest.fixture(scope="session")
def runs_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("runs")


@pytest.fixture(scope="session")
def step_runs(runs_root: Path) -> tuple[Path, Path]:
    return scenarios.version_step(runs_root)


@pytest.fixture(scope="session")
def tldr_runs(runs_root: Path) -> tuple[Path, Path]:
    return scenarios.tldr_regression(runs_root)


@pytest.fixture(scope="session")
def combo_run(runs_root: Path) -> Path:
    return scenarios.compounding(runs_root)


@pytest.fixture(scope="session")
def mirage_runs(runs_root: Path) -> list[Path]:
    return scenarios.mirage_runs(runs_root)


@pytest.fixture(scope="session")
def reflection_run(runs_root: Path) -> Path:
    return scenarios.reflection_run(runs_root)


@pytest.fixture(scope="session")
def intention_run(runs_root: Path) -> Path:
    return scenarios.intention_run(runs_root)


@pytest.fixture(scope="session")
def demo_runs(runs_root: Path) -> dict[str, Path]:
    """Real `judge run`s (replay answers, fake judge): zero-a/b (nothing passes, 55
    tasks) and one-a/b (one task, A passes, B fails). See tests/analysis/demo_runs.py."""
    from tests.analysis import demo_runs as demo

    return demo.build(runs_root / "demo")
