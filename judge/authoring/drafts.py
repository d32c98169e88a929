"""Key points drafted by a model, for a person to confirm (written with ``draft: true``).

Until a person removes ``draft: true``, judging and analysis treat a drafted point as absent
(``--use-drafts`` counts it). The page is fenced in the prompt as data; the reply must be
JSON ``{"key_points": [{"role", "text"}]}`` (the vendor's JSON-schema mode where there is
one), checked, and asked again once with the error.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from judge.errors import ProviderError
from judge.grading.fence import fence
from judge.grading.parse import json_objects
from judge.probeset import Page
from judge.providers.base import Message, Request
from judge.providers.registry import build_provider
from judge.templates import Templates

TEMPLATE = "authoring/key_points.j2"


class DraftPoint(BaseModel):
    model_config = ConfigDict(extra="ignore")
    role: Literal["core", "supporting", "background"]
    text: str = Field(min_length=3, max_length=400)


class DraftReply(BaseModel):
    model_config = ConfigDict(extra="ignore")
    key_points: list[DraftPoint] = Field(min_length=1, max_length=12)


def _schema(max_points: int) -> dict[str, Any]:
    point = {"type": "object", "additionalProperties": False, "required": ["role", "text"],
             "properties": {"role": {"type": "string",
                                     "enum": ["core", "supporting", "background"]},
                            "text": {"type": "string"}}}
    return {"type": "object", "additionalProperties": False, "required": ["key_points"],
            "properties": {"key_points": {"type": "array", "items": point, "minItems": 1,
                                          "maxItems": max_points}}}


def _parse(text: str) -> tuple[DraftReply | None, str]:
    for blob in reversed(json_objects(text or "")):
        try:
            return DraftReply.model_validate_json(blob), ""
        except ValidationError as exc:
            err = exc.errors()[0]
            return None, f"{'.'.join(map(str, err['loc']))}: {err['msg']}"
    return None, "no JSON object in the reply"


async def _draft_one(provider: Any, templates: Templates, page: Page, max_points: int,
                     max_tokens: int, tries: int) -> tuple[list[dict[str, Any]], str | None]:
    variables = {"page": {"id": page.id, "type": page.type, "title": page.title,
                          "text": fence("PAGE", page.body)}, "max_points": max_points}
    messages = templates.render(TEMPLATE, variables)
    error = ""
    for _ in range(tries):
        request = Request(messages=messages, max_tokens=max_tokens, temperature=0.0,
                          response_schema=_schema(max_points), schema_name="key_points")
        response = await provider.generate(request)
        reply, error = _parse(response.text)
        if reply is not None:
            points = reply.key_points[:max_points]
            return [{"id": f"kp{i}", "role": p.role, "text": p.text.strip(), "draft": True}
                    for i, p in enumerate(points, 1)], None
        messages = [*messages, Message(role="assistant", content=response.text or "(empty)"),
                    Message(role="user", content=f"That reply was not valid ({error}). Reply "
                                                 "with the JSON object only.")]
    return [], f"no valid key points after {tries} replies ({error})"


async def _draft_all(spec: str, pages: list[Page], max_points: int, max_tokens: int,
                     tries: int, on_done: Callable[[str], None]
                     ) -> dict[str, tuple[list[dict[str, Any]], str | None]]:
    provider = build_provider(spec)
    templates = Templates()
    out: dict[str, tuple[list[dict[str, Any]], str | None]] = {}
    try:
        for page in pages:  # one at a time: drafting is small, and the embedded model is serial
            try:
                out[page.id] = await _draft_one(provider, templates, page, max_points,
                                                max_tokens, tries)
            except ProviderError as exc:
                out[page.id] = ([], str(exc))
            on_done(page.id)
    finally:
        await provider.aclose()
    return out


def draft_key_points(spec: str, pages: list[Page], max_points: int = 5,
                     max_tokens: int = 600, tries: int = 2,
                     on_done: Callable[[str], None] = lambda _pid: None
                     ) -> dict[str, tuple[list[dict[str, Any]], str | None]]:
    """page id → (drafted key points marked ``draft: True``, or [] and the reason)."""
    if not pages:
        return {}
    return asyncio.run(_draft_all(spec, pages, max_points, max_tokens, tries, on_done))
