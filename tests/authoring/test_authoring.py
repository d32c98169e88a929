"""`judge probes new|import`: folders and tables become probe sets; bad rows name file:line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from judge.authoring.queries import load_queries
from judge.errors import TableError
from judge.probeset import expand, load_probeset
from tests.conftest import ROOT, judge_cli

HTML = ROOT / "probes" / "pages" / "html"


def _folder(tmp: Path, types: str | None = None) -> Path:
    saved = tmp / "saved"
    shutil.copytree(HTML, saved)
    if types is not None:
        (saved / "types.csv").write_text(types)
    return saved


def _queries_csv(tmp: Path) -> Path:
    path = tmp / "queries.csv"
    path.write_text("id,intent,text,applies_to\n"
                    "overview,overview,Help me see what this page is about,\n"
                    "verdict,pros-cons,Would you recommend it?,review\n")
    return path


def test_three_commands_folder_and_csv_to_a_run(tmp_path: Path) -> None:
    saved = _folder(tmp_path, "file,type\nnews-transit-fares.html,news\n"
                              "review-espresso-grinder.html,review\n")
    out = tmp_path / "sets" / "mine.yaml"
    proc = judge_cli("probes", "new", str(saved), "--queries", str(_queries_csv(tmp_path)),
                     "--type", "other", "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    data = yaml.safe_load(out.read_text())
    types = {p["id"]: p["type"] for p in data["pages"]}
    assert types == {"news-transit-fares": "news", "review-espresso-grinder": "review",
                     "product-trail-daypack": "other", "paper-heat-pump-winter": "other"}
    assert data["pages"][0]["file"].startswith("../saved/")
    probes = load_probeset(out)
    assert len(expand(probes)) == 4 + 1  # overview × 4 pages, verdict × the review
    assert probes.page("news-transit-fares").extraction.kind == "html"
    assert judge_cli("probes", "validate", str(out)).returncode == 0
    again = judge_cli("probes", "new", str(saved), "-q", str(_queries_csv(tmp_path)),
                      "--type", "other", "-o", str(out))
    assert again.returncode == 2 and "exists already" in again.stderr


def test_page_without_a_type_names_the_file(tmp_path: Path) -> None:
    saved = _folder(tmp_path)
    proc = judge_cli("probes", "new", str(saved), "-q", str(_queries_csv(tmp_path)),
                     "-o", str(tmp_path / "x.yaml"))
    assert proc.returncode == 2
    assert f"{saved / 'news-transit-fares.html'}: no page type" in proc.stderr
    assert not (tmp_path / "x.yaml").exists()


def test_bad_types_csv_row_names_its_line(tmp_path: Path) -> None:
    saved = _folder(tmp_path, "file,type\nnews-transit-fares.html,news\n"
                              "review-espresso-grinder.html,opinion\n")
    with pytest.raises(TableError, match=r"types.csv:3: type 'opinion' must be one of"):
        from judge.authoring import from_folder
        from_folder(saved, _queries_csv(tmp_path), tmp_path / "x.yaml")


def test_queries_yaml_errors_name_the_line(tmp_path: Path) -> None:
    path = tmp_path / "q.yaml"
    path.write_text("- {id: a, intent: overview, text: Hello}\n"
                    "- {id: b, intent: overview}\n")
    with pytest.raises(TableError, match=r"q.yaml:2: query 'b': text field required"):
        load_queries(path)
    path.write_text("queries:\n  - {id: a, intent: x, text: one}\n  - {id: a, intent: y, "
                    "text: two}\n")
    with pytest.raises(TableError, match=r"q.yaml:3: query id 'a' is used twice"):
        load_queries(path)
    path.write_text("- {id: a, text: Hello, applies_to: [news, blog]}\n")
    with pytest.raises(TableError, match=r"q.yaml:1: query 'a': applies_to.1"):
        load_queries(path)


def test_import_csv_pairs_queries_with_their_pages(tmp_path: Path) -> None:
    pages = _folder(tmp_path)
    table = tmp_path / "rows.csv"
    table.write_text(
        "page,query,intent,type,key_points\n"
        'saved/review-espresso-grinder.html,Is it worth $449?,recommendation,review,'
        '"Rated 7.5/10 | supporting: retention of 1.8 g per dose"\n'
        "saved/review-espresso-grinder.html,Summarize this page,overview,review,\n"
        "saved/news-transit-fares.html,Summarize this page,overview,news,"
        "The base fare rises to $2.25\n"
        "https://example.org/fares,What changed?,fact,news,\n")
    out = tmp_path / "imported.yaml"
    proc = judge_cli("probes", "import", str(table), "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "1 url page(s) without a snapshot" in proc.stderr and "judge probes fetch" in proc.stderr
    data = yaml.safe_load(out.read_text())
    grinder = data["pages"][0]
    assert grinder["key_points"] == [
        {"id": "kp1", "role": "core", "text": "Rated 7.5/10"},
        {"id": "kp2", "role": "supporting", "text": "retention of 1.8 g per dose"}]
    assert data["pages"][2] == {"id": "fares", "type": "news", "url": "https://example.org/fares"}
    pairs = {q["id"]: q.get("pages") for q in data["queries"]}
    assert pairs == {"recommendation": ["review-espresso-grinder"],
                     "overview": ["review-espresso-grinder", "news-transit-fares"],
                     "fact": ["fares"]}
    del data["pages"][2], data["queries"][2]  # no network here: drop the url page
    out.write_text(yaml.safe_dump(data))
    tasks = expand(load_probeset(out))
    assert sorted((t.page_ids[0], t.query_id) for t in tasks) == [
        ("news-transit-fares", "overview"), ("review-espresso-grinder", "overview"),
        ("review-espresso-grinder", "recommendation")]
    assert pages.is_dir()


def test_import_jsonl_and_row_errors(tmp_path: Path) -> None:
    _folder(tmp_path)
    table = tmp_path / "rows.jsonl"
    table.write_text(json.dumps({"page": "saved/paper-heat-pump-winter.html", "query": "Method?",
                                 "key_points": [{"text": "62 homes", "role": "core"}, "COP 2.7"]})
                     + "\n")
    out = tmp_path / "j.yaml"
    proc = judge_cli("probes", "import", str(table), "--type", "paper", "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    assert [k["text"] for k in yaml.safe_load(out.read_text())["pages"][0]["key_points"]] == \
        ["62 homes", "COP 2.7"]
    table.write_text(json.dumps({"page": "saved/paper-heat-pump-winter.html", "query": "a"})
                     + "\n\n" + json.dumps({"page": "saved/nope.html", "query": "b"}) + "\n")
    bad = judge_cli("probes", "import", str(table), "--type", "paper", "-o",
                    str(tmp_path / "k.yaml"))
    assert bad.returncode == 2 and f"{table}:3: page file 'saved/nope.html' not found" in bad.stderr
    table.write_text('{"page": "saved/x.html"}\n')
    bad = judge_cli("probes", "import", str(table), "-o", str(tmp_path / "k.yaml"))
    assert bad.returncode == 2 and f"{table}:1: `query` is required" in bad.stderr
    csv = tmp_path / "rows.csv"
    csv.write_text("page,query\nsaved/paper-heat-pump-winter.html,a,extra\n")
    bad = judge_cli("probes", "import", str(csv), "--type", "paper", "-o", str(tmp_path / "k.yaml"))
    assert bad.returncode == 2 and f"{csv}:2: has 3 cells, the header 2" in bad.stderr
