"""`judge probes fetch` against a loopback page server; `judge run` reads only snapshots."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from judge.errors import ProbeSetError
from judge.pages.fetch import fetch_page
from judge.pages.snapshots import meta_path, read_snapshot
from judge.probeset import expand, load_probeset
from tests.conftest import judge_cli
from tests.pages.pageserver import ARTICLE, page_server


def _set(tmp: Path, base: str, routes: list[str]) -> Path:
    pages = "\n".join(f"  - {{id: p{i}, type: news, url: \"{base}{r}\"}}"
                      for i, r in enumerate(routes))
    path = tmp / "web.yaml"
    path.write_text(f"name: web\npages:\n{pages}\nqueries:\n"
                    "  - {id: overview, intent: overview, text: \"What is this about?\"}\n",
                    encoding="utf-8")
    return path


def test_fetch_keeps_html_with_its_provenance_and_follows_redirects(tmp_path: Path) -> None:
    with page_server() as srv:
        result = fetch_page(tmp_path, f"{srv.url}/redirect")
    assert result.ok, result.error
    snap = result.snapshot
    assert snap is not None
    assert snap.final_url == f"{srv.url}/article?from=hop" and snap.status == 200
    assert snap.sha256 == hashlib.sha256(ARTICLE).hexdigest() and snap.bytes == len(ARTICLE)
    assert (tmp_path / snap.file).read_bytes() == ARTICLE  # the HTML itself is kept
    meta = json.loads(meta_path(tmp_path, f"{srv.url}/redirect").read_text())
    assert meta["fetched_at"] and meta["content_type"].startswith("text/html")
    page = read_snapshot(tmp_path, f"{srv.url}/redirect")
    assert page is not None and "two years after its only boat" in page.text
    assert "cookies" not in page.text and page.extraction.date == "2025-03-04"


@pytest.mark.parametrize(("route", "reason"), [
    ("/missing", "HTTP 404"),
    ("/image", "not HTML, PDF or text (Content-Type: image/png)"),
    ("/huge", "larger than 200,000 bytes"),
    ("/slow", "timed out"),
    ("/bare", "has no extractable text"),
])
def test_fetch_failures_say_why(tmp_path: Path, route: str, reason: str) -> None:
    with page_server(slow_s=3.0) as srv:
        result = fetch_page(tmp_path, f"{srv.url}{route}", timeout=1.0, max_bytes=200_000)
    assert not result.ok
    assert reason in (result.error or "")
    kept = route == "/bare"  # fetched but empty: kept to be looked at, still a failure
    assert meta_path(tmp_path, f"{srv.url}{route}").exists() is kept


def test_http_charset_decodes_the_snapshot(tmp_path: Path) -> None:
    with page_server() as srv:
        assert fetch_page(tmp_path, f"{srv.url}/koi8").ok
        page = read_snapshot(tmp_path, f"{srv.url}/koi8")
    assert page is not None and "Паром между гаванью и островом" in page.text


def test_fetch_refuses_other_schemes(tmp_path: Path) -> None:
    (tmp_path / "secret.txt").write_text("x")
    result = fetch_page(tmp_path, f"file://{tmp_path / 'secret.txt'}")
    assert not result.ok and "only http:// and https://" in (result.error or "")


def test_fetch_cli_then_run_reads_only_snapshots(tmp_path: Path) -> None:
    with page_server(slow_s=3.0) as srv:
        probes = _set(tmp_path, srv.url, ["/article", "/report.pdf", "/missing", "/slow"])
        before = judge_cli("run", str(probes), "-m", "replay:none.jsonl", "--out",
                           str(tmp_path / "runs"))
        assert before.returncode == 2
        assert "no snapshot of" in before.stderr and "3 more url page(s)" in before.stderr
        assert f"judge probes fetch {probes}" in before.stderr
        proc = judge_cli("probes", "fetch", str(probes), "--timeout", "1")
        assert proc.returncode == 1, proc.stderr
        assert "2 page(s) not fetched" in proc.stderr and "p2, p3" in proc.stderr
        again = judge_cli("probes", "fetch", str(probes), "--timeout", "1")
        assert "2 with a snapshot already, 2 to fetch" in again.stderr
        hits = dict(srv.hits)
    assert hits["/article"] == 1 and hits["/report.pdf"] == 1  # fetched once
    # the server is gone: a probe set of the fetched pages still loads (no network)
    (tmp_path / "web.yaml").write_text(probes.read_text().replace(
        f'  - {{id: p2, type: news, url: "{srv.url}/missing"}}\n', "").replace(
        f'  - {{id: p3, type: news, url: "{srv.url}/slow"}}\n', ""))
    loaded = load_probeset(probes)
    pdf = loaded.page("p1").extraction
    assert pdf is not None and pdf.kind == "pdf" and pdf.snapshot is not None
    assert "[page 2 of 2]" in loaded.page("p1").body
    answers = tmp_path / "a.jsonl"
    answers.write_text("".join(json.dumps({"task_id": t.id, "text": "ok"}) + "\n"
                               for t in expand(loaded)))
    run = judge_cli("run", str(probes), "-m", f"replay:{answers}", "--run-id", "r",
                    "--out", str(tmp_path / "runs"))
    assert run.returncode == 0, run.stderr
    saved = json.loads((tmp_path / "runs" / "r" / "probeset.json").read_text())
    snap = saved["pages"][0]["extraction"]["snapshot"]
    assert snap["final_url"] == f"{srv.url}/article" and snap["status"] == 200


def test_a_changed_snapshot_body_is_refused(tmp_path: Path) -> None:
    with page_server() as srv:
        probes = _set(tmp_path, srv.url, ["/article"])
        assert fetch_page(tmp_path, f"{srv.url}/article").ok
    body = next((tmp_path / "snapshots").glob("*.html"))
    body.write_bytes(body.read_bytes().replace(b"180 passengers", b"999 passengers"))
    with pytest.raises(ProbeSetError, match="not the one fetched"):
        load_probeset(probes)
