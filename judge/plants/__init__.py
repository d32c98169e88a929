"""Planted-error probes: a known error shown to the model (a draft to revise, a misleading
page fragment) or its control, and the checks that tell whether the model's self-checks
found it and whether its final answer is rid of it (docs/planted.md).

    Plant, TaskDecl, RepairCheck      the probe-set schema (judge.plants.schema)
    repair_check(plant), markers(plant)
    contains(text, needle), touching(text, events, markers)   (judge.plants.match)

judge.plants.index maps a probe set's tasks to their plants (it imports judge.probeset,
so it is not imported here).
"""

from judge.plants.match import contains, contains_any, normalize, touching, window
from judge.plants.schema import (Plant, RepairCheck, TaskDecl, control_draft, insert_fragment,
                                 markers, repair_check)

__all__ = ["Plant", "RepairCheck", "TaskDecl", "contains", "contains_any", "control_draft",
           "insert_fragment", "markers", "normalize", "repair_check", "touching", "window"]
