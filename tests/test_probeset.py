"""Probe sets: located error messages, expansion counts, stable task ids."""

from __future__ import annotations

from pathlib import Path

import pytest

from judge.errors import ProbeSetError
from judge.probeset import expand, load_probeset
from tests.conftest import ROOT, SMALL_PROBES

BAD = [
    ("role", ("role: supporting", "role: minor"),
     "bad.yaml:13 page 'news-a': key_points[1].role must be one of core, supporting, background"),
    ("unknown-key", ('    title: "Harbour bridge closes"',
                     '    title: "Harbour bridge closes"\n    colour: blue'),
     "bad.yaml:8 page 'news-a': colour is not a known key"),
    ("duplicate-id", ("id: paper-b", "id: news-a"),
     "bad.yaml:14 page 'news-a': id 'news-a' is used twice"),
    ("combo-missing-page", ("pages: [news-a, paper-b]", "pages: [news-a, nope]"),
     "bad.yaml:27 combo 'both': pages[1] 'nope' is not a page id in this file"),
    ("step-missing-query", ("{page: paper-b, query: method}", "{page: paper-b, query: meth}"),
     "bad.yaml:29 combo 'both': steps[1].query 'meth' is not a query id in this file"),
    ("step-not-applicable", ("{page: news-a, query: overview}", "{page: news-a, query: method}"),
     "bad.yaml:29 combo 'both': steps[0]: query 'method' does not apply to page 'news-a' "
     "(type news)"),
    ("malformed-yaml", ("  - {id: overview,", "  - {id: overview"),
     "bad.yaml:23: malformed YAML: expected ',' or '}', but got ':'"),
    ("missing-field", (', text: "Summarize the methodology"', ""),
     "bad.yaml:24 query 'method': text is required"),
    ("wrong-type", ("samples: 2", "samples: three"), "bad.yaml:3: samples must be a whole number"),
    ("duplicate-yaml-key", ("version: 1", "version: 1\nname: again"),
     "bad.yaml:3: duplicate key 'name'"),
    ("text-and-file", ('    title: "Harbour bridge closes"',
                       '    title: "Harbour bridge closes"\n    file: x.md'),
     "bad.yaml:5 page 'news-a': needs exactly one of `text` or `file`"),
    ("page-type", ("type: news", "type: blog"),
     "bad.yaml:6 page 'news-a': type must be one of news, review, paper, product, short, long, "
     "other"),
]


@pytest.mark.parametrize("name,edit,expected", BAD, ids=[b[0] for b in BAD])
def test_malformed_probe_files_give_exact_located_errors(
        tmp_path: Path, name: str, edit: tuple[str, str], expected: str) -> None:
    old, new = edit
    assert old in SMALL_PROBES
    path = tmp_path / "bad.yaml"
    path.write_text(SMALL_PROBES.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ProbeSetError) as exc:
        load_probeset(path)
    assert str(exc.value) == f"{tmp_path}/{expected}"


def test_missing_page_file_names_the_file(tmp_path: Path) -> None:
    text = SMALL_PROBES.replace("    text: |\n      The Harbour Bridge closed on Monday after "
                                "inspectors found corrosion.\n      Repairs will take 14 months "
                                "and cost $38 million.\n", "    file: pages/none.md\n")
    (tmp_path / "bad.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ProbeSetError, match=r"bad.yaml:8 page 'news-a': file 'pages/none.md' "
                                            r"not found"):
        load_probeset(tmp_path / "bad.yaml")


def test_empty_and_non_mapping_files(tmp_path: Path) -> None:
    (tmp_path / "e.yaml").write_text("")
    with pytest.raises(ProbeSetError, match="e.yaml: file is empty"):
        load_probeset(tmp_path / "e.yaml")
    (tmp_path / "l.yaml").write_text("- a\n- b\n")
    with pytest.raises(ProbeSetError, match="l.yaml:1: top level must be a mapping"):
        load_probeset(tmp_path / "l.yaml")
    with pytest.raises(ProbeSetError, match="nope.yaml: file not found"):
        load_probeset(tmp_path / "nope.yaml")


def test_expansion_counts(small_probes: Path) -> None:
    probes = load_probeset(small_probes)
    tasks = expand(probes)
    # news-a: overview; paper-b: overview + method; plus one combo.
    assert [(t.kind, t.page_ids, t.query_id) for t in tasks] == [
        ("single", ["news-a"], "overview"), ("single", ["paper-b"], "overview"),
        ("single", ["paper-b"], "method"), ("combo", ["news-a", "paper-b"], None)]
    assert len({t.id for t in tasks}) == 4
    assert probes.samples == 2


def test_task_ids_survive_unrelated_edits(small_probes: Path, tmp_path: Path) -> None:
    before = {(t.page_ids[0], t.query_id, t.combo_id): t.id for t in expand(load_probeset(
        small_probes))}
    edited = tmp_path / "edited.yaml"
    edited.write_text(SMALL_PROBES.replace("Repairs will take 14 months", "Repairs take 15 months")
                      .replace("kp2, role: supporting", "kp2, role: background"), encoding="utf-8")
    after = {(t.page_ids[0], t.query_id, t.combo_id): t.id for t in expand(load_probeset(edited))}
    changed = {k for k in before if before[k] != after[k]}
    # Only tasks that show news-a's text change (its single task and the combo that includes it);
    # a key-point annotation edit changes no generation task.
    assert changed == {("news-a", "overview", None), ("news-a", None, "both")}


def test_bundled_probe_set_meets_the_content_brief() -> None:
    probes = load_probeset(ROOT / "probes" / "web-summaries.yaml")
    types = [p.type for p in probes.pages]
    assert len(probes.pages) >= 10 and len(probes.queries) >= 5 and len(probes.combos) >= 2
    assert {"news", "review", "paper", "short", "long"} <= set(types)
    assert max(len(p.body.split()) for p in probes.pages) > 3000
    assert any("{{" in p.body and "{%" in p.body for p in probes.pages)
    assert all(p.key_points and any(k.role == "core" for k in p.key_points) for p in probes.pages)
    assert any(any("\u4e00" <= ch <= "\u9fff" for ch in q.text) for q in probes.queries)
    assert all(c.steps for c in probes.combos)
