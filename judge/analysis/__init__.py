"""Analysis: metrics with intervals and the five levels (see docs/analysis.md).

Typical use::

    from judge.analysis import analyze, load_run
    result = analyze([load_run("runs/A"), load_run("runs/B")])
"""

from judge.analysis.analyze import Analysis, Arm, analyze, make_arms, pick_arm
from judge.analysis.compare import Comparison, compare_rows
from judge.analysis.load import RunData, load_run
from judge.analysis.rows import ResponseRow, SuccessRule, build_rows

__all__ = ["Analysis", "Arm", "Comparison", "ResponseRow", "RunData", "SuccessRule",
           "analyze", "build_rows", "compare_rows", "load_run", "make_arms", "pick_arm"]
