"""Calibration records: where they live, how a report finds them, how they read.

`judge calibrate` writes two things:

- ``runs/<id>/calibration.json``: the whole record of that calibration (suite, judges,
  judge samples, rubric template hashes, every figure of every judge and the panel);
- ``<cache dir>/calibration/<judge key>.json`` per judge: its latest figures per rubric
  (a calibration of some rubrics replaces only those), each with the run it came from.
  The key is a hash of the judge spec without the options that do not change its output
  (concurrency, rate limits, timeouts...), as for the response cache; the cache dir is
  ``$JUDGE_CACHE_DIR`` or the user cache dir.

`judge report` shows, beside each judge of a run, the figures of ``--calibration FILE``
(a calibration.json or a per-judge file) when given, else the per-judge file in the cache
dir — "intention: κ 0.71 [0.62, 0.79] on 60 planted cases".
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import orjson

from judge.cache import NON_OUTPUT_OPTIONS, cache_dir
from judge.calibration.metrics import PANEL, Figures
from judge.errors import ConfigError, StoreError
from judge.providers.registry import parse_spec
from judge.records import content_hash, now_iso
from judge.stats import Estimate, show

RECORD = "calibration.json"
KIND = "judge-calibration"
SUMMARY_KIND = "judge-calibration-summary"


def judge_key(spec: str) -> str:
    """A judge's identity for calibration records (output-relevant parts of its spec)."""
    parsed = parse_spec(spec)
    options = {k: v for k, v in parsed.options.items() if k not in NON_OUTPUT_OPTIONS}
    return content_hash({"provider": parsed.provider, "model": parsed.model,
                         "base_url": parsed.base_url, "options": options}, length=20)


def records_dir() -> Path:
    return cache_dir() / "calibration"


def build_record(figs: list[Figures], meta: dict[str, Any]) -> dict[str, Any]:
    """The calibration.json of one calibration."""
    return {"kind": KIND, "schema_version": 1, "created": now_iso(), **meta,
            "figures": [f.to_dict() for f in figs]}


def _write(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(orjson.dumps(data, option=orjson.OPT_INDENT_2))
    os.replace(tmp, path)


def _read(path: Path) -> dict[str, Any]:
    try:
        data = orjson.loads(path.read_bytes())
    except FileNotFoundError:
        raise StoreError(f"{path}: calibration record not found") from None
    except orjson.JSONDecodeError as exc:
        raise StoreError(f"{path}: not a calibration record ({exc})") from None
    if not isinstance(data, dict) or data.get("kind") not in (KIND, SUMMARY_KIND):
        raise StoreError(f"{path}: not a calibration record (written by `judge calibrate`)")
    return data


def entries_of(record: dict[str, Any]) -> dict[str, dict[str, dict[str, Any]]]:
    """judge key → rubric → figures entry (with its run, suite, template and samples)."""
    if record.get("kind") == SUMMARY_KIND:
        return {str(record["key"]): dict(record.get("rubrics") or {})}
    out: dict[str, dict[str, dict[str, Any]]] = {}
    context = {k: record.get(k) for k in ("run_id", "created", "suite", "samples")}
    for fig in record.get("figures") or []:
        if fig.get("judge") == PANEL:
            continue
        template = (record.get("templates") or {}).get(fig["rubric"])
        out.setdefault(judge_key(fig["judge"]), {})[fig["rubric"]] = {
            **fig, **context, "template_hash": template}
    return out


def save(record: dict[str, Any], run_path: Path) -> list[Path]:
    """Write calibration.json into the run and merge each judge's figures into its
    per-judge file in the cache dir; returns the files written."""
    written = [run_path / RECORD]
    _write(written[0], record)
    for key, rubrics in entries_of(record).items():
        path = records_dir() / f"{key}.json"
        old = _read(path) if path.exists() else {}
        judge = next(iter(rubrics.values()))["judge"]
        merged = {**(old.get("rubrics") or {}), **rubrics}
        _write(path, {"kind": SUMMARY_KIND, "schema_version": 1, "judge": judge, "key": key,
                      "updated": now_iso(), "rubrics": merged})
        written.append(path)
    return written


def load_for(judges: Iterable[str], files: Iterable[Path] = ()) -> dict[str, dict[str, Any]]:
    """judge spec → rubric → entry: from ``files`` first, else the cache dir."""
    given: dict[str, dict[str, dict[str, Any]]] = {}
    for f in files:
        for key, rubrics in entries_of(_read(Path(f))).items():
            given.setdefault(key, {}).update(rubrics)
    out: dict[str, dict[str, Any]] = {}
    for spec in judges:
        try:
            key = judge_key(spec)
        except ConfigError:
            continue
        if key in given:
            out[spec] = given[key]
        elif (records_dir() / f"{key}.json").exists():
            out[spec] = entries_of(_read(records_dir() / f"{key}.json")).get(key, {})
    return out


def est_text(e: dict[str, Any] | None, pct: bool = False) -> str:
    """An Estimate dict as judge prints every estimate: '0.710 [0.62, 0.79]', or for a
    rate '83% [72–90]'; '–' when empty."""
    return show(Estimate(**e) if e else None, "rate" if pct else "stat")


def headline(rubric: str, entry: dict[str, Any]) -> str:
    """'intention: κ 0.71 [0.62, 0.79] on 60 planted cases (accuracy 83% [72%, 90%])'."""
    return (f"{rubric}: κ {est_text(entry.get('kappa'))} on {entry.get('cases', 0)} planted "
            f"cases (accuracy {est_text(entry.get('accuracy'), pct=True)})")
