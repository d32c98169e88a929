"""`judge review`: blind human labelling of a run's judged responses in the terminal.

- queue: the items (response × rubric a judge gave a verdict on), review-queue order first;
- screen: an item without its verdict (page excerpt, query, answer, highlighted reasoning),
  then the reveal beside the judges' verdicts;
- session: the key-per-item loop (prompt-toolkit), skip / undo / quit, resumable;
- labels: the JSONL label file that `judge agreement --human` and `judge report` read.
"""

from judge.review.labels import LabelFile
from judge.review.queue import Item, items
from judge.review.session import review

__all__ = ["Item", "LabelFile", "items", "review"]
