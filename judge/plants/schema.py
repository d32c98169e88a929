"""The `plant:` block of a probe set: a known error put in front of the model, or its control.

Three kinds (docs/planted.md):

* ``draft_to_revise`` (on a task): the task shows the model its own "earlier draft",
  which carries a known error (``error``: a wrong number, a missed core key point, a claim
  the page does not make, an answer to the wrong query), and asks for the final answer.
* ``misleading_fragment`` (on a page or a task): a contradicting sentence is inserted into
  the page after ``after``; ``true_side`` says which side is true (``page``: the fragment
  is false; ``fragment``: the fragment corrects the page, whose text is then the error).
* ``control`` (on a page or a task): the same task with no planted error; ``twin`` names
  the planted task (or page) it controls. A draft control shows the twin's draft with the
  erroneous text replaced by the correct content, unless it gives its own ``draft``.

Every plant records where the error is (``erroneous``: the erroneous text, which must
occur in the draft or fragment, or for ``true_side: fragment`` on the page) and what is
correct (``correct``). ``repair`` says how the final answer is checked: ``absent`` strings
it must not contain and ``present`` strings of which it must contain one (deterministic),
or ``judge`` (the judge's ``repair`` rubric decides). Omitted, it is derived from the error
type (:func:`repair_check`).
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$"
PlantKind = Literal["draft_to_revise", "misleading_fragment", "control"]
ErrorType = Literal["wrong_number", "missed_point", "unsupported_claim", "wrong_query",
                    "contradiction"]
DRAFT_ERRORS = ("wrong_number", "missed_point", "unsupported_claim", "wrong_query")
TrueSide = Literal["page", "fragment"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RepairCheck(Strict):
    """A deterministic check of the final answer: it carries the error when it contains
    any ``absent`` string, or when ``present`` is given and it contains none of them."""

    absent: list[str] = Field(default_factory=list)
    present: list[str] = Field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.absent and not self.present


class Plant(Strict):
    """One planted error (or a control); see the module docstring for the fields."""

    kind: PlantKind
    error: ErrorType | None = None
    draft: str | None = None
    fragment: str | None = None
    after: str | None = None
    true_side: TrueSide = "page"
    erroneous: str | None = None
    correct: str | None = None
    repair: RepairCheck | Literal["judge"] | None = None
    cues: list[str] = Field(default_factory=list)
    twin: str | None = None
    note: str = ""

    @property
    def planted(self) -> bool:
        """A planted error (not a control)."""
        return self.kind != "control"

    @property
    def error_type(self) -> str | None:
        """The error type; a misleading fragment's is always a contradiction."""
        return "contradiction" if self.kind == "misleading_fragment" else self.error


class TaskDecl(Strict):
    """An explicit single-page task (``tasks:``), beside the page × query expansion."""

    id: str = Field(pattern=ID_PATTERN)
    page: str
    query: str
    template: str | None = None
    plant: Plant | None = None


def insert_fragment(text: str, plant: Plant) -> str:
    """The page text with a fragment plant's sentence inserted after its ``after`` text
    (validated to occur exactly once)."""
    if plant.fragment is None or plant.after is None:
        return text
    at = text.index(plant.after) + len(plant.after)
    return f"{text[:at]} {plant.fragment.strip()}{text[at:]}"


def find_loose(text: str, needle: str) -> tuple[int, int] | None:
    """Where ``needle`` occurs in ``text`` exactly, except that any run of whitespace
    matches any other (a draft wraps its lines where YAML puts them); None if nowhere."""
    words = needle.split()
    if not words:
        return None
    m = re.search(r"\s+".join(re.escape(w) for w in words), text)
    return (m.start(), m.end()) if m else None


def control_draft(control: Plant, twin: Plant) -> str | None:
    """The draft a control shows: its own, else the twin's with the erroneous text
    replaced by the correct content; None when the twin has no draft."""
    if control.draft is not None:
        return control.draft
    if twin.draft is None or twin.erroneous is None or twin.correct is None:
        return None
    at = find_loose(twin.draft, twin.erroneous)
    return twin.draft if at is None else twin.draft[:at[0]] + twin.correct + twin.draft[at[1]:]


def repair_check(plant: Plant) -> RepairCheck | None:
    """How a planted error's repair is checked: the explicit check, else by error type
    (wrong number, unsupported claim, contradiction: the erroneous text is absent; missed
    point: the correct content is present); None when the judge decides (``repair:
    judge``, or a wrong-query draft without an explicit check)."""
    if plant.repair == "judge":
        return None
    if isinstance(plant.repair, RepairCheck) and not plant.repair.empty:
        return plant.repair
    if plant.error_type == "missed_point" and plant.correct:
        return RepairCheck(present=[plant.correct])
    if plant.error_type in ("wrong_number", "unsupported_claim", "contradiction") \
            and plant.erroneous:
        return RepairCheck(absent=[plant.erroneous])
    return None


def markers(plant: Plant) -> list[str]:
    """What a self-check or correction must mention to count as touching the planted
    error: the erroneous text, the correct content, the repair strings and the cues."""
    check = repair_check(plant)
    found = [plant.erroneous, plant.correct, *(check.absent if check else ()),
             *(check.present if check else ()), *plant.cues]
    return list(dict.fromkeys(m for m in found if m and m.strip()))
