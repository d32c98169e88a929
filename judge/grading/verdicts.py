"""Verdict models: what a judge must reply for each rubric. Every verdict keeps a rationale.

Field order is generation order under grammar-constrained decoding, so evidence and
rationale come before the score or label they justify. Validation is lenient about
extra keys (small judges add some) and strict about the fields that become numbers.
``json_schema`` turns a model into the plain, closed JSON schema sent to vendors.
"""

from __future__ import annotations

import copy
from functools import lru_cache
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import JsonDict

KeyPointStatus = Literal["covered", "partial", "missing"]
ClaimStatus = Literal["supported", "unsupported", "contradicted"]
YesNoNA = Literal["yes", "no", "not_applicable"]
YesNoUnclear = Literal["yes", "no", "unclear"]
Winner = Literal["A", "B", "tie"]
StrategyLabel = Literal["event", "pros-cons", "method-conclusion", "one-sentence", "generic",
                        "other"]

QUOTES = 5  # at most this many evidence quotes
CLAIMS = 12  # at most this many claims checked
# Length bounds sent in the schema only (they bound grammar-constrained generation, where a
# small model may otherwise copy a whole page into one string); replies are not rejected
# for exceeding them.
SHORT: JsonDict = {"maxLength": 240}
LONG: JsonDict = {"maxLength": 600}


class Verdict(BaseModel):
    """Base of all verdicts: extra keys from a chatty judge are ignored."""

    model_config = ConfigDict(extra="ignore")


class IntentionVerdict(Verdict):
    """Does the answer serve what this query asks on this page (1–5, anchored)."""

    rationale: str = Field(min_length=1, json_schema_extra=LONG)
    score: int = Field(ge=1, le=5, json_schema_extra={"enum": [1, 2, 3, 4, 5]})


class StrategyVerdict(Verdict):
    """Which summary strategy the answer uses, with quotes from the answer as evidence."""

    evidence: list[Annotated[str, Field(json_schema_extra=SHORT)]] = Field(max_length=QUOTES)
    rationale: str = Field(min_length=1, json_schema_extra=LONG)
    label: StrategyLabel


class KeyPointVerdict(Verdict):
    """One annotated key point: is it in the answer?"""

    id: str
    evidence: str = Field(json_schema_extra=SHORT)
    status: KeyPointStatus


class CoverageVerdict(Verdict):
    """Per annotated key point: covered / partial / missing."""

    points: list[KeyPointVerdict]
    rationale: str = Field(min_length=1, json_schema_extra=LONG)


class ClaimVerdict(Verdict):
    """One factual claim of the answer, checked against the page."""

    claim: str = Field(min_length=1, json_schema_extra=SHORT)
    evidence: str = Field(json_schema_extra=SHORT)
    status: ClaimStatus


class FaithfulnessVerdict(Verdict):
    """The answer's factual claims and whether the page supports each."""

    claims: list[ClaimVerdict] = Field(max_length=CLAIMS)
    rationale: str = Field(min_length=1, json_schema_extra=LONG)


class ReflectionVerdict(Verdict):
    """Did a self-check happen, was there a correction, did the final answer reflect it."""

    evidence: list[Annotated[str, Field(json_schema_extra=SHORT)]] = Field(max_length=QUOTES)
    rationale: str = Field(min_length=1, json_schema_extra=LONG)
    self_check: bool
    correction: bool
    reflected: YesNoNA


class RepairVerdict(Verdict):
    """Does the final answer still carry a planted error (planted-error probes)?"""

    evidence: list[Annotated[str, Field(json_schema_extra=SHORT)]] = Field(max_length=QUOTES)
    rationale: str = Field(min_length=1, json_schema_extra=LONG)
    carries_error: YesNoUnclear


class PairwiseVerdict(Verdict):
    """Which of two answers to the same task is better."""

    rationale: str = Field(min_length=1, json_schema_extra=LONG)
    winner: Winner


_DROP = ("title", "default", "description", "minLength")


def _inline(node: Any, defs: dict[str, Any]) -> Any:
    if isinstance(node, dict):
        if "$ref" in node:
            return _inline(copy.deepcopy(defs[node["$ref"].rsplit("/", 1)[-1]]), defs)
        out = {k: _inline(v, defs) for k, v in node.items() if k not in _DROP and k != "$defs"}
        if "enum" in out:
            out.pop("minimum", None)
            out.pop("maximum", None)
        if out.get("type") == "object" and "properties" in out:
            out["required"] = list(out["properties"])
            out["additionalProperties"] = False
        return out
    if isinstance(node, list):
        return [_inline(v, defs) for v in node]
    return node


@lru_cache(maxsize=None)
def json_schema(model: type[BaseModel]) -> dict[str, Any]:
    """A closed, reference-free JSON schema (every property required, no extras): the
    subset OpenAI strict mode, Anthropic tool input and llama.cpp grammars all accept.
    Made once per model and shared: deep-copy it before changing it."""
    raw = model.model_json_schema()
    return _inline(raw, raw.get("$defs", {}))
