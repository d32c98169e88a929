"""Snapshots of ``url:`` pages, kept next to the probe set in ``snapshots/``.

``judge probes fetch`` writes, per URL, the body as fetched (``<key>.html`` / ``.pdf`` /
``.txt``) and ``<key>.json`` (SnapshotInfo: URL, final URL after redirects, status, fetch
time, content type, size, sha256). Loading a probe set reads only these files; the key is a
readable slug of the URL plus a hash of it, so two probe sets in one folder share snapshots.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import orjson

from judge.errors import PageError
from judge.pages.models import SnapshotInfo, SourceKind
from judge.pages.read import PageText, read_page_bytes

SNAPSHOT_DIR = "snapshots"
_EXT = {"html": ".html", "pdf": ".pdf", "text": ".txt"}
_SLUG = re.compile(r"[^A-Za-z0-9]+")


def snapshot_key(url: str) -> str:
    """e.g. ``example.org-news-story-3f2a9c1b7d04`` for https://example.org/news/story."""
    bare = url.split("://", 1)[-1]
    slug = _SLUG.sub("-", bare).strip("-")[:60].rstrip("-") or "page"
    return f"{slug}-{hashlib.sha256(url.encode()).hexdigest()[:12]}"


def meta_path(base_dir: Path, url: str) -> Path:
    return base_dir / SNAPSHOT_DIR / f"{snapshot_key(url)}.json"


def body_name(url: str, kind: SourceKind) -> str:
    """The body file's path relative to the probe set's folder."""
    return f"{SNAPSHOT_DIR}/{snapshot_key(url)}{_EXT[kind]}"


def kind_of_snapshot(info: SnapshotInfo) -> SourceKind:
    suffix = Path(info.file).suffix
    return next((k for k, ext in _EXT.items() if ext == suffix), "text")


def has_snapshot(base_dir: Path, url: str) -> bool:
    return meta_path(base_dir, url).is_file()


def read_snapshot(base_dir: Path, url: str) -> PageText | None:
    """The page text of ``url``'s snapshot; None when there is none; PageError when the
    snapshot is damaged (body missing or not the bytes that were fetched) or has no text."""
    meta = meta_path(base_dir, url)
    if not meta.is_file():
        return None
    try:
        info = SnapshotInfo.model_validate(orjson.loads(meta.read_bytes()))
    except (orjson.JSONDecodeError, ValueError) as exc:
        raise PageError(f"snapshot {meta} is unreadable ({str(exc).splitlines()[0]}); "
                        "fetch it again with `judge probes fetch PROBESET --refresh`") from None
    body = base_dir / info.file
    try:
        raw = body.read_bytes()
    except OSError:
        raise PageError(f"snapshot body {body} is missing; fetch it again with "
                        "`judge probes fetch PROBESET --refresh`") from None
    if hashlib.sha256(raw).hexdigest() != info.sha256:
        raise PageError(f"snapshot body {body} is not the one fetched (sha256 differs from "
                        f"{meta.name}); fetch it again with `judge probes fetch PROBESET "
                        "--refresh`")
    try:
        return read_page_bytes(raw, kind_of_snapshot(info), url, snapshot=info)
    except PageError as exc:
        raise PageError(f"snapshot {body} {exc.detail}") from None


def write_snapshot(base_dir: Path, info: SnapshotInfo, raw: bytes) -> None:
    """Write the body, then its metadata (atomically: a half-written snapshot is none)."""
    body = base_dir / info.file
    body.parent.mkdir(parents=True, exist_ok=True)
    _atomic_write(body, raw)
    _atomic_write(meta_path(base_dir, info.url),
                  orjson.dumps(info.model_dump(mode="json"), option=orjson.OPT_INDENT_2))


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(data)
    os.replace(tmp, path)
