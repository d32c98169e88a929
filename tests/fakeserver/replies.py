"""Deterministic answers: text, reasoning and structured output for a prompt."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from tests.fakeserver.config import Behavior

REASONING_TEMPLATE = ("Let me think about request {key}. The page says several things. "
                      "Wait, let me re-check the second paragraph. Actually, that's right, "
                      "so the answer stands.")


@dataclass(frozen=True)
class Reply:
    """What the fake model says, before it is put in a vendor's wire format."""

    key: str
    model: str
    text: str  # the answer (JSON text when structured output was asked for)
    reasoning: str  # "" when the model does not reason
    mode: str  # resolved reasoning mode
    input_tokens: int
    cached_tokens: int
    json_obj: dict[str, Any] | None = None  # structured output, when asked for
    tool_name: str | None = None

    @property
    def output_tokens(self) -> int:
        return words(self.text)

    @property
    def reasoning_tokens(self) -> int:
        return words(self.reasoning)


def words(text: str) -> int:
    """A stand-in tokenizer: whitespace-separated words."""
    return len(text.split())


def instance_for(schema: dict[str, Any]) -> Any:
    """A minimal value that satisfies a (simple) JSON schema."""
    if "enum" in schema:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    for key in ("anyOf", "oneOf", "allOf"):
        if schema.get(key):
            return instance_for(schema[key][0])
    kind = schema.get("type", "object")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object":
        props = schema.get("properties", {})
        return {name: instance_for(sub) for name, sub in props.items()}
    if kind == "array":
        return [instance_for(schema["items"])] * schema.get("minItems", 0) if "items" in schema else []
    if kind == "integer":
        return int(schema.get("minimum", 3))
    if kind == "number":
        return float(schema.get("minimum", 0.5))
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    return "fake"


def make_reply(behavior: Behavior, *, key: str, model: str, prompt: str, input_text: str,
               mode: str, schema: dict[str, Any] | None, tool_name: str | None = None) -> Reply:
    """Build the reply for one prompt. ``mode`` is the already-resolved reasoning mode."""
    last = " ".join(prompt.split()[:12])
    rule = behavior.rule_for(input_text)
    if rule is not None and rule.reply is not None:
        text = rule.reply
    elif behavior.reply is not None:
        text = behavior.reply.format(prompt=prompt, key=key, model=model)
    else:
        text = f"Answer {key[:8]}: {last}"
    if behavior.words > words(text):
        text += " " + " ".join(["filler"] * (behavior.words - words(text)))
    json_obj = None
    if schema is not None:
        json_obj = rule.json_reply if rule is not None and rule.json_reply is not None else \
            behavior.json_reply if behavior.json_reply is not None else instance_for(schema)
        text = json.dumps(json_obj)
    reasoning = "" if mode == "none" else rule.reasoning if rule is not None and \
        rule.reasoning is not None else REASONING_TEMPLATE.format(key=key[:8])
    n_in = words(input_text)
    return Reply(key=key, model=model, text=text, reasoning=reasoning, mode=mode,
                 input_tokens=n_in, cached_tokens=min(behavior.cached_tokens, n_in),
                 json_obj=json_obj, tool_name=tool_name)


def pieces(text: str, size: int = 7) -> list[str]:
    """Split text into small chunks (tags get split across chunks on purpose)."""
    return [text[i:i + size] for i in range(0, len(text), size)] or [""]
