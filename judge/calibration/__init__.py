"""Judging the judge: a planted-verdict calibration suite and the figures it gives.

- suite: the bundled cases (judge/data/calibration/), loading, page pinning, slices;
- engine: a calibration run — the cases' answers as responses, judged by the normal
  judging path (judge.grading) in a run directory;
- metrics: accuracy and kappa against the planted verdicts, parse failures,
  self-consistency, position consistency, verbosity bias, cost; panels;
- intervals: the one place where their intervals are computed;
- record: calibration.json, the per-judge records in the cache dir, report lines;
- gates: ``--fail-below`` for CI.
"""

from judge.calibration.metrics import Figures, all_figures
from judge.calibration.record import headline, load_for
from judge.calibration.suite import Case, Suite, load_suite, slice_cases

__all__ = ["Case", "Figures", "Suite", "all_figures", "headline", "load_for", "load_suite",
           "slice_cases"]
