"""Which task carries which plant, and what one response did with it.

``plant_index(probes)`` maps every task id of a probe set to a :class:`PlantedTask`: its
pair (the unit of the functional-reflection measures: a planted task and its control
share one), whether it is the planted side or the control, and the planted plant (a
control carries its twin's, so that its answer is checked for the same error).

``assess(info, text, trace_text, events)`` is what analysis records per response:

* detected: a self_check or correction event touches the planted error (its window
  carries one of the plant's markers; judge.plants.match). On a control the same test
  with the twin's markers counts events that merely mention the same point.
* carried: the final answer still carries the error, by the plant's deterministic check
  (an ``absent`` string present, or none of the ``present`` strings); None when the
  plant is judged (``repair: judge``), and then the judge's ``repair`` rubric decides.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from judge.plants.match import contains_any, touching
from judge.plants.schema import Plant, markers, repair_check
from judge.probeset import ProbeSet, Task, iter_tasks

_CACHE: dict[int, tuple[ProbeSet, dict[str, PlantedTask]]] = {}
_CACHE_SIZE = 8


@dataclass(frozen=True)
class PlantedTask:
    """A task's place in the planted-error experiment."""

    pair: str  # the planted task's (or planted page × query's) id, shared by its control
    planted: bool  # the planted side; False: the control
    plant: Plant  # the planted error (a control's twin)
    owner: str  # the id of the task or page that declares the plant in force
    lang: str  # "zh" when the request is in Chinese, else "en"
    page_type: str | None = None

    @property
    def kind(self) -> str:
        return self.plant.kind

    @property
    def error(self) -> str:
        return self.plant.error_type or ""

    @property
    def judged(self) -> bool:
        """The judge decides the repair (no deterministic check)."""
        return repair_check(self.plant) is None


def _lang(text: str) -> str:
    return "zh" if any("\u3400" <= ch <= "\u9fff" for ch in text) else "en"


def _entry(probes: ProbeSet, task: Task) -> PlantedTask | None:
    plant = probes.plant_of(task.plant)
    if plant is None or task.plant is None:
        return None
    planted = plant if plant.planted else probes.plant_of(plant.twin)
    if planted is None:
        return None
    owner = task.plant if plant.planted else str(plant.twin)
    page_level = task.decl is None or probes.decl(task.decl).plant is None  # type: ignore[union-attr]
    pair = f"{owner}:{task.query_id}" if page_level else owner
    return PlantedTask(pair, plant.planted, planted, task.plant, _lang(task.query_text),
                       task.page_type)


def plant_index(probes: ProbeSet | None) -> dict[str, PlantedTask]:
    """Task id → its PlantedTask, for every task with a plant (cached per probe set)."""
    if probes is None:
        return {}
    hit = _CACHE.get(id(probes))
    if hit is not None and hit[0] is probes:
        return hit[1]
    has = bool(probes.tasks) or any(p.plant is not None for p in probes.pages)
    index = {t.id: e for t in iter_tasks(probes) if (e := _entry(probes, t)) is not None} \
        if has else {}
    if len(_CACHE) >= _CACHE_SIZE:
        _CACHE.pop(next(iter(_CACHE)))
    _CACHE[id(probes)] = (probes, index)
    return index


@dataclass
class PlantOutcome:
    """What one response did with its task's plant (module docstring)."""

    pair: str
    planted: bool
    kind: str
    error: str
    lang: str
    detected: bool
    carried: bool | None
    touched: list[int] = field(default_factory=list)  # indexes of the touching events
    seen: list[str] = field(default_factory=list)  # markers those events' windows carry
    decided_by: list[str] = field(default_factory=list)  # strings the repair check found

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def carries(text: str, plant: Plant) -> tuple[bool | None, list[str]]:
    """Does an answer still carry the planted error (deterministic check), with the
    strings that decided it; (None, []) when the plant is judged."""
    check = repair_check(plant)
    if check is None:
        return None, []
    bad = contains_any(text, check.absent)
    if bad:
        return True, bad
    if check.present:
        good = contains_any(text, check.present)
        return (not good), good
    return False, []


def assess(info: PlantedTask, text: str, trace_text: str,
           events: Sequence[Mapping[str, Any]]) -> PlantOutcome:
    """Detection and the deterministic repair check of one response."""
    hits = touching(trace_text, events, markers(info.plant))
    carried, found = carries(text, info.plant)
    return PlantOutcome(info.pair, info.planted, info.kind, info.error, info.lang,
                        detected=bool(hits), carried=carried, touched=[i for i, _ in hits],
                        seen=sorted({m for _, ms in hits for m in ms}), decided_by=found)
