"""Annotation units: how a trace was cut into numbered sentence-like pieces for labeling.

The segmentation lives in the package (judge.traces.segment.sentences) so that the detector
classifies exactly the units the corpus was labeled on; it is frozen: labels are unit spans,
and tests/traces/test_segment.py checks that every label of the corpus is still a union of
whole units.
"""

from __future__ import annotations

from judge.traces.segment import sentences as units

__all__ = ["units"]
