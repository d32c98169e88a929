"""The LLM judge: rubrics, structured verdicts, repeats, panels, agreement, pairwise.

- rubrics / verdicts: a template in prompts/judges/ and a pydantic verdict per rubric;
- grader: structured output → parse → validate → re-ask, unparseable recorded, never scored;
- session: judging a run as responses arrive (or again, with ``judge rejudge``);
- panel: ``aggregate`` (mean / median / majority) and per-item consensus over judges;
- agreement / concordance / labels: alpha, kappa, percent agreement with bootstrap CIs;
- length: computed length appropriateness (word count against the page's bounds).

Its public names are loaded on first use (PEP 562): judging a run never imports the
agreement statistics (scipy), which cost ~1 s of start-up.
"""

from __future__ import annotations

import importlib
from typing import Any

_WHERE = {"cohen_kappa": "agreement", "fleiss_kappa": "agreement",
          "krippendorff_alpha": "agreement", "percent_agreement": "agreement",
          "length_check": "length", "word_count": "length", "aggregate": "panel",
          "panel": "panel", "RUBRICS": "rubrics", "coverage_score": "rubrics",
          "get_rubrics": "rubrics"}

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'judge.grading' has no attribute {name!r}")
    return getattr(importlib.import_module(f"judge.grading.{_WHERE[name]}"), name)
