"""Saved HTML pages: main text as markdown, title, date, provenance, errors naming the file."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from judge.errors import PageError, ProbeSetError
from judge.pages.html import extract_html
from judge.probeset import expand, load_probeset
from tests.conftest import ROOT, judge_cli
from tests.pages.scoring import PAGES, expectations, score

BUNDLED = ROOT / "probes" / "web-summaries.yaml"
EXPECTED = expectations()


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bundled_page_loses_boilerplate_and_keeps_structure(name: str) -> None:
    got = extract_html((PAGES / name).read_bytes())
    s = score(got.text, EXPECTED[name])
    assert s.misses["drop"] == [], "boilerplate left in"
    assert s.misses["headings"] == [] and s.misses["list_items"] == []
    assert s.misses["table_rows"] == [], "tables must come out as markdown rows"
    assert s.rate("keep") >= 0.8, s.misses["keep"]
    assert got.title == EXPECTED[name]["title"]
    assert got.date == EXPECTED[name]["date"]  # none guessed from a copyright line


def test_bundled_set_records_what_the_model_saw(tmp_path: Path) -> None:
    probes = load_probeset(BUNDLED)
    page = probes.page("news-transit-fares")
    ex = page.extraction
    source = ROOT / "probes" / "pages" / "html" / "news-transit-fares.html"
    assert ex is not None and ex.kind == "html" and ex.extractor == "trafilatura"
    assert ex.extractor_version and ex.sha256 == hashlib.sha256(source.read_bytes()).hexdigest()
    assert ex.chars_before == len(source.read_text()) and ex.chars_after == len(page.body)
    assert ex.chars_after < ex.chars_before / 2
    assert page.title.startswith("Riverton Transit board votes")  # from the markup
    md = probes.page("news-bridge-ledger").extraction
    assert md is not None and md.kind == "text" and md.extractor is None
    answers = tmp_path / "a.jsonl"
    tasks = [t for t in expand(probes) if t.page_ids == ["news-transit-fares"]]
    answers.write_text("".join(json.dumps({"task_id": t.id, "text": "x"}) + "\n" for t in tasks))
    proc = judge_cli("run", str(BUNDLED), "-m", f"replay:{answers}", "--run-id", "h",
                     "--out", str(tmp_path), "--task", "news-transit-fares:overview",
                     "--samples", "1")
    assert proc.returncode == 0, proc.stderr
    saved = json.loads((tmp_path / "h" / "probeset.json").read_text())
    assert [p["id"] for p in saved["pages"]] == ["news-transit-fares"]
    assert saved["pages"][0]["extraction"]["sha256"] == ex.sha256
    prompt = json.loads((tmp_path / "h" / "responses.jsonl").read_text().splitlines()[0])
    assert prompt["query_id"] == "overview"


def test_show_page_prints_the_extracted_text() -> None:
    proc = judge_cli("probes", "show", str(BUNDLED), "--page", "review-espresso-grinder")
    assert proc.returncode == 0, proc.stderr
    assert "## Retention and workflow" in proc.stdout
    assert "| Motor | 250 W, fixed 1,400 RPM |" in proc.stdout
    assert "143 partners" not in proc.stdout and "Ember Roasters" not in proc.stdout
    assert "trafilatura" in proc.stderr and "date: 2024-10-03" in proc.stderr
    bad = judge_cli("probes", "show", str(BUNDLED), "--page", "nope")
    assert bad.returncode == 2 and "no such page" in bad.stderr


def test_page_without_text_is_an_error_naming_the_file(tmp_path: Path) -> None:
    (tmp_path / "shell.html").write_text("<html><head><script>app()</script></head>"
                                         "<body><div id='root'></div></body></html>")
    (tmp_path / "set.yaml").write_text(
        "name: s\npages:\n  - id: a\n    type: news\n    file: shell.html\n"
        "queries:\n  - {id: q, intent: overview, text: hi}\n")
    with pytest.raises(ProbeSetError) as err:
        load_probeset(tmp_path / "set.yaml")
    assert str(err.value).startswith(f"{tmp_path / 'set.yaml'}:5 page 'a': file 'shell.html' "
                                     "has no extractable text")
    proc = judge_cli("probes", "validate", str(tmp_path / "set.yaml"))
    assert proc.returncode == 2 and "shell.html' has no extractable text" in proc.stdout


def test_legacy_encoding_and_template_syntax_stay_data() -> None:
    html = ("<html><head><meta charset='windows-1252'></head><body><article><h1>Caf\xe9 prices</h1><p>A caf\xe9 cr\xe8me costs "
            "\u20ac3 here, and the menu literally says {{ 7*7 }} and {% for x %}.</p>"
            "<p>Second paragraph about the caf\xe9 that is long enough to count as text for "
            "the extractor.</p></article></body></html>").encode("cp1252")
    got = extract_html(html)
    assert "café crème costs €3" in got.text
    assert "{% for x %}" in got.text and "49" not in got.text  # printed, never rendered
    undeclared = extract_html("<html><body><article><p>Une cr\xe8me br\xfbl\xe9e, s'il vous "
                              "pla\xeet, and a long enough sentence to be text.</p></article>"
                              "</body></html>".encode("cp1252"))
    assert "crème brûlée" in undeclared.text


def test_empty_file_is_an_error() -> None:
    with pytest.raises(PageError, match="is empty"):
        extract_html(b"   ")


def test_spot_page_command_reads_html_like_probe_sets() -> None:
    from judge.spot.inputs import read_page

    page = read_page(PAGES / "review-espresso-grinder.html", "review")
    assert page.title.startswith("Halden Burr 64 review")
    assert "## Verdict" in page.body and "<div" not in page.body and "143 partners" not in page.body
    assert page.extraction is not None and page.extraction.extractor == "trafilatura"
