"""`judge run --task PAGE:QUERY|COMBO`: the run's probe set is exactly that slice."""

from __future__ import annotations

import pytest

from judge.errors import ConfigError
from judge.probeset import expand, load_probeset
from judge.selection import select
from tests.conftest import ROOT, judge_cli

BUNDLED = ROOT / "probes" / "web-summaries.yaml"


def test_select_keeps_only_the_named_tasks() -> None:
    probes = load_probeset(BUNDLED)
    cut = select(probes, ["news-transit-fares:overview", "review-espresso-grinder:pros-cons",
                          "news-transit-fares:tldr", "phones-battery"])
    got = sorted((t.kind, tuple(t.page_ids), t.query_id) for t in expand(cut))
    assert got == [("combo", ("review-phone-arcwave", "review-phone-lumen"), None),
                   ("single", ("news-transit-fares",), "overview"),
                   ("single", ("news-transit-fares",), "tldr"),
                   ("single", ("review-espresso-grinder",), "pros-cons")]
    full = {t.id for t in expand(probes)}
    assert {t.id for t in expand(cut)} <= full  # same task ids: same cache entries
    assert select(probes, []) is probes


@pytest.mark.parametrize(("ref", "message"), [
    ("news-transit-fares", "a page needs a query"),
    ("nope:overview", "no page 'nope'"),
    ("news-transit-fares:nope", "no query 'nope'"),
    ("news-transit-fares:pros-cons", "does not apply to page"),
])
def test_bad_task_refs(ref: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        select(load_probeset(BUNDLED), [ref])


def test_cli_bad_task_exits_2(tmp_path) -> None:  # noqa: ANN001
    proc = judge_cli("run", str(BUNDLED), "-m", "replay:x.jsonl", "--task", "nope:overview",
                     "--out", str(tmp_path))
    assert proc.returncode == 2 and "no page 'nope'" in proc.stderr
