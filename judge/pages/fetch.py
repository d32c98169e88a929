"""Fetching ``url:`` pages once, into snapshots (the only network access judge makes for pages).

Redirects are followed (at most 10) and the final URL recorded; a non-2xx status, a body
that is not HTML, PDF or plain text, a body over ``max_bytes`` and a server slower than
``timeout`` (per read, and in total) are failures with a reason, never snapshots.
"""

from __future__ import annotations

import hashlib
import socket
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

from judge.errors import PageError
from judge.pages.models import SnapshotInfo, SourceKind
from judge.pages.read import read_page_bytes
from judge.pages.snapshots import body_name, write_snapshot
from judge.records import now_iso

_KINDS: dict[str, SourceKind] = {
    "text/html": "html", "application/xhtml+xml": "html", "application/pdf": "pdf",
    "text/plain": "text", "text/markdown": "text"}
_CHUNK = 64 * 1024


@dataclass(frozen=True)
class FetchResult:
    """One URL's outcome: a snapshot, or the reason there is none."""

    url: str
    snapshot: SnapshotInfo | None = None
    error: str | None = None
    status: int | None = None
    chars: int | None = None  # characters of extracted text (ok only)
    elapsed_s: float = 0.0

    @property
    def ok(self) -> bool:
        return self.snapshot is not None and self.error is None


class _Failed(Exception):
    def __init__(self, reason: str, status: int | None = None) -> None:
        super().__init__(reason)
        self.reason, self.status = reason, status


def _kind(content_type: str, head: bytes) -> SourceKind | None:
    mime = content_type.split(";", 1)[0].strip().lower()
    if mime in _KINDS:
        return _KINDS[mime]
    if not mime:  # no header: look at the bytes
        if head.startswith(b"%PDF-"):
            return "pdf"
        if b"<html" in head[:2048].lower():
            return "html"
    return None


def _read_body(resp: object, limit: int, deadline: float, url: str) -> bytes:
    chunks, size = [], 0
    while True:
        if time.monotonic() > deadline:
            raise _Failed("timed out while reading the body")
        chunk = resp.read(_CHUNK)  # type: ignore[attr-defined]
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > limit:
            raise _Failed(f"body is larger than {limit:,} bytes (raise --max-bytes)")
        chunks.append(chunk)


def _get(url: str, timeout: float, max_bytes: int) -> tuple[bytes, SnapshotInfo, SourceKind]:
    if not url.lower().startswith(("http://", "https://")):
        raise _Failed("only http:// and https:// URLs are fetched")
    request = urllib.request.Request(url, headers={
        "User-Agent": f"judge/{version('judge')} (probe-set snapshot)",
        "Accept": "text/html,application/xhtml+xml,application/pdf;q=0.9,text/plain;q=0.8"})
    deadline = time.monotonic() + timeout
    try:
        with urllib.request.urlopen(request, timeout=timeout) as resp:  # noqa: S310
            declared = resp.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise _Failed(f"body is {int(declared):,} bytes, over {max_bytes:,} "
                              "(raise --max-bytes)", resp.status)
            content_type = resp.headers.get("Content-Type", "")
            raw = _read_body(resp, max_bytes, deadline, url)
            status, final = resp.status, resp.geturl()
    except urllib.error.HTTPError as exc:
        raise _Failed(f"HTTP {exc.code} {exc.reason}", exc.code) from None
    except (TimeoutError, socket.timeout):
        raise _Failed(f"timed out after {timeout:g} s (raise --timeout)") from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, (TimeoutError, socket.timeout)):
            raise _Failed(f"timed out after {timeout:g} s (raise --timeout)") from None
        raise _Failed(f"could not connect ({reason})") from None
    except (ConnectionError, OSError) as exc:  # reset mid-body, bad chunking
        raise _Failed(f"connection failed ({exc})") from None
    kind = _kind(content_type, raw[:4096])
    if kind is None:
        raise _Failed(f"not HTML, PDF or text (Content-Type: {content_type or 'none'})", status)
    info = SnapshotInfo(url=url, final_url=final, status=status, fetched_at=now_iso(),
                        content_type=content_type, bytes=len(raw),
                        sha256=hashlib.sha256(raw).hexdigest(), file=body_name(url, kind))
    return raw, info, kind


def fetch_page(base_dir: Path, url: str, timeout: float = 20.0,
               max_bytes: int = 10_000_000) -> FetchResult:
    """Fetch ``url`` into a snapshot under ``base_dir``; a failure is a result, not raised.
    A body that downloads but has no extractable text is kept (to be looked at) and
    reported as a failure."""
    start = time.monotonic()
    try:
        raw, info, kind = _get(url, timeout, max_bytes)
    except _Failed as exc:
        return FetchResult(url, error=exc.reason, status=exc.status,
                           elapsed_s=time.monotonic() - start)
    write_snapshot(base_dir, info, raw)
    elapsed = time.monotonic() - start
    try:
        page = read_page_bytes(raw, kind, url, snapshot=info)
    except PageError as exc:
        return FetchResult(url, snapshot=info, status=info.status, elapsed_s=elapsed,
                           error=f"fetched to {info.file}, but it {exc.detail}")
    return FetchResult(url, snapshot=info, status=info.status, chars=len(page.text),
                       elapsed_s=elapsed)
