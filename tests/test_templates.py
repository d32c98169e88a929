"""Templates: sandboxed, strict, page text is data; hashes in the manifest."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from judge.errors import TemplateError
from judge.probeset import expand, load_probeset
from judge.render import task_messages
from judge.runs import templates_for
from judge.templates import PROMPTS_DIR, Templates
from tests.conftest import ROOT, judge_cli


def test_page_text_with_template_syntax_comes_through_verbatim(small_probes: Path) -> None:
    probes = load_probeset(small_probes)
    task = next(t for t in expand(probes) if t.page_ids == ["paper-b"])
    user = task_messages(probes, task, templates_for(probes))[-1].content
    assert "{{ 7*7 }} and {% if x %}y{% endif %}" in user
    assert "49" not in user


def test_bundled_injection_page_is_not_compiled() -> None:
    probes = load_probeset(ROOT / "probes" / "web-summaries.yaml")
    page = next(p for p in probes.pages if "{{ 7*7 }}" in p.body)
    task = next(t for t in expand(probes) if t.page_ids == [page.id])
    user = task_messages(probes, task, templates_for(probes))[-1].content
    assert page.body.strip() in user


def test_queries_are_data_too(tmp_path: Path) -> None:
    t = Templates()
    msgs = t.render("tasks/summarize.j2", {
        "page": {"type": "news", "title": "{{ 1+1 }}", "text": "x"},
        "query": {"text": "{% for i in range(3) %}{{ i }}{% endfor %}"},
        "length": {"min_words": 5, "max_words": 50}})
    assert "{% for i in range(3) %}{{ i }}{% endfor %}" in msgs[-1].content
    assert 'news: "{{ 1+1 }}"' in msgs[-1].content
    assert [m.role for m in msgs] == ["system", "user"]


def test_missing_variable_names_template_and_variable() -> None:
    with pytest.raises(TemplateError) as exc:
        Templates().render("tasks/summarize.j2", {"page": {"type": "news", "title": "", "text": "x"},
                                                  "query": {"text": "q"}})
    assert "tasks/summarize.j2" in str(exc.value)
    assert "'length' is undefined" in str(exc.value)


def test_missing_template_and_syntax_error(tmp_path: Path) -> None:
    with pytest.raises(TemplateError, match="tasks/nope.j2: template not found"):
        Templates().render("tasks/nope.j2", {})
    (tmp_path / "broken.j2").write_text("hello\n{% if %}\n")
    with pytest.raises(TemplateError, match=r"broken.j2:2: template syntax error"):
        Templates([tmp_path]).render("broken.j2", {})


def test_sandbox_blocks_attribute_escapes(tmp_path: Path) -> None:
    (tmp_path / "evil.j2").write_text("{{ ''.__class__.__mro__[1].__subclasses__() }}")
    with pytest.raises(TemplateError, match="unsafe template operation"):
        Templates([tmp_path]).render("evil.j2", {})


def test_manifest_records_template_hashes(small_probes: Path, tmp_path: Path) -> None:
    answers = tmp_path / "answers.jsonl"
    answers.write_text("\n".join(json.dumps({"page": p, "query": q, "text": "ok"}) for p, q in [
        ("news-a", "overview"), ("paper-b", "overview"), ("paper-b", "method"),
        ("both", "What do these pages have in common?")]) + "\n")
    judge_cli("run", str(small_probes), "--model", f"replay:{answers}", "--run-id", "r1",
              "--out", str(tmp_path / "runs"), check=True)
    manifest = json.loads((tmp_path / "runs" / "r1" / "manifest.json").read_text())
    for name in ("tasks/summarize.j2", "tasks/compare.j2"):
        expected = hashlib.sha256((PROMPTS_DIR / name).read_bytes()).hexdigest()
        assert manifest["templates"][name] == expected
