"""Reading rubric verdicts tolerantly: coverage points, all-core flags, strategy labels.

The judge stores a verdict dict per judgment; these helpers accept the shapes the
grading package writes (and a few obvious variants), and fall back to the record's own
``score`` / ``label`` / ``passed`` fields.
"""

from __future__ import annotations

from typing import Any

COVERED, PARTIAL, MISSING = "covered", "partial", "missing"
_POINT_KEYS = ("points", "key_points", "coverage", "items")
_ALL_CORE_KEYS = ("all_core", "all_core_covered", "core_all_covered")
_EXPECTED_KEYS = ("expected", "expected_label", "expected_strategy")


def _status_of(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("status") or value.get("verdict") or value.get("coverage")
    if isinstance(value, str) and value.lower() in (COVERED, PARTIAL, MISSING):
        return value.lower()
    return None


def point_statuses(verdict: dict[str, Any] | None) -> dict[str, str]:
    """Key-point id → covered | partial | missing, from a coverage verdict."""
    if not verdict:
        return {}
    for key in _POINT_KEYS:
        items = verdict.get(key)
        if isinstance(items, dict):
            return {str(k): s for k, v in items.items() if (s := _status_of(v))}
        if isinstance(items, list):
            out = {}
            for item in items:
                if isinstance(item, dict):
                    pid = item.get("id") or item.get("key_point") or item.get("key_point_id")
                    status = _status_of(item)
                    if pid and status:
                        out[str(pid)] = status
            return out
    return {}


def all_core(judgment: dict[str, Any], core_ids: list[str]) -> bool | None:
    """Were all core key points covered? Verdict flag, else points, else ``passed``."""
    verdict = judgment.get("verdict") or {}
    for key in _ALL_CORE_KEYS:
        if isinstance(verdict.get(key), bool):
            return bool(verdict[key])
    statuses = point_statuses(verdict)
    if statuses and core_ids and all(c in statuses for c in core_ids):
        return all(statuses[c] == COVERED for c in core_ids)
    passed = judgment.get("passed")
    return passed if isinstance(passed, bool) else None


def core_hit_rate(judgment: dict[str, Any], core_ids: list[str]) -> float | None:
    """Share of the core key points judged fully covered (None when unknown)."""
    statuses = point_statuses(judgment.get("verdict"))
    known = [c for c in core_ids if c in statuses]
    if not known:
        return None
    return sum(statuses[c] == COVERED for c in known) / len(known)


def strategy_label(judgment: dict[str, Any]) -> str | None:
    verdict = judgment.get("verdict") or {}
    label = judgment.get("label") or verdict.get("label") or verdict.get("strategy")
    return str(label) if label else None


def expected_strategy(judgment: dict[str, Any]) -> str | None:
    verdict = judgment.get("verdict") or {}
    for key in _EXPECTED_KEYS:
        if verdict.get(key):
            return str(verdict[key])
    return None


def strategy_match(judgment: dict[str, Any]) -> bool | None:
    """Does the label match the page type's expected strategy?"""
    verdict = judgment.get("verdict") or {}
    if isinstance(verdict.get("match"), bool):
        return bool(verdict["match"])
    label, expected = strategy_label(judgment), expected_strategy(judgment)
    if label and expected:
        return label == expected
    passed = judgment.get("passed")
    return passed if isinstance(passed, bool) else None


def claims_count(judgment: dict[str, Any]) -> int | None:
    """How many claims a faithfulness verdict checked (None when it does not say)."""
    verdict = judgment.get("verdict") or {}
    n = verdict.get("n_claims")
    if isinstance(n, int) and not isinstance(n, bool):
        return n
    claims = verdict.get("claims")
    return len(claims) if isinstance(claims, list) else None
