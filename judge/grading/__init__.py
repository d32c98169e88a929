"""The LLM judge: rubrics, structured verdicts, repeats, panels, agreement, pairwise.

- rubrics / verdicts: a template in prompts/judges/ and a pydantic verdict per rubric;
- grader: structured output → parse → validate → re-ask, unparseable recorded, never scored;
- session: judging a run as responses arrive (or again, with ``judge rejudge``);
- panel: ``aggregate`` (mean / median / majority) and per-item consensus over judges;
- agreement / concordance / labels: alpha, kappa, percent agreement with bootstrap CIs;
- length: computed length appropriateness (word count against the page's bounds).
"""

from judge.grading.agreement import (
                                     cohen_kappa,
                                     fleiss_kappa,
                                     krippendorff_alpha,
                                     percent_agreement,
)
from judge.grading.length import length_check, word_count
from judge.grading.panel import aggregate, panel
from judge.grading.rubrics import RUBRICS, coverage_score, get_rubrics

__all__ = ["RUBRICS", "aggregate", "cohen_kappa", "coverage_score", "fleiss_kappa",
           "get_rubrics", "krippendorff_alpha", "length_check", "panel", "percent_agreement",
           "word_count"]
