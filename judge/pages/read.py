"""Reading a page source (file or snapshot bytes) into the text the model sees."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from judge.errors import PageError
from judge.pages.models import Extraction, SnapshotInfo, SourceKind

HTML_SUFFIXES = (".html", ".htm", ".xhtml")
PDF_SUFFIXES = (".pdf",)
TEXT_SUFFIXES = (".md", ".markdown", ".txt", ".text")


@dataclass(frozen=True)
class PageText:
    """A page's text and how it was made."""

    text: str
    extraction: Extraction


def kind_of(name: str) -> SourceKind:
    """html, pdf or text, by the file name's suffix."""
    suffix = Path(name).suffix.lower()
    if suffix in HTML_SUFFIXES:
        return "html"
    if suffix in PDF_SUFFIXES:
        return "pdf"
    return "text"


def read_page_bytes(raw: bytes, kind: SourceKind, source: str,
                    snapshot: SnapshotInfo | None = None) -> PageText:
    """Extract the text of ``raw``; PageError (without a location) when there is none."""
    digest = hashlib.sha256(raw).hexdigest()
    common = {"kind": kind, "source": source, "sha256": digest, "bytes": len(raw),
              "snapshot": snapshot}
    if kind == "html":
        from judge.pages.html import extract_html, extractor_version

        h = extract_html(raw, _charset(snapshot.content_type) if snapshot else None)
        return PageText(h.text, Extraction(
            **common, chars_before=h.chars_before, chars_after=len(h.text),
            extractor="trafilatura", extractor_version=extractor_version(), title=h.title,
            date=h.date))
    if kind == "pdf":
        from judge.pages.pdf import extract_pdf, extractor_version as pdf_version

        p = extract_pdf(raw)
        return PageText(p.text, Extraction(
            **common, chars_before=p.chars_before, chars_after=len(p.text), extractor="pypdf",
            extractor_version=pdf_version(), title=p.title, date=p.date, pdf_pages=p.pages))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise PageError("is not UTF-8 text (save it as UTF-8, or as .html / .pdf to have "
                        "it extracted)") from None
    return PageText(text, Extraction(**common, chars_before=len(text), chars_after=len(text)))


def _charset(content_type: str) -> str | None:
    """``charset`` of a Content-Type header value, if it names one."""
    for part in content_type.split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.lower() == "charset" and value.strip('"\' '):
            return value.strip('"\' ')
    return None


def read_page_file(path: Path, source: str) -> PageText:
    """Read and extract a page file; PageError names what is wrong (the caller adds where)."""
    try:
        raw = path.read_bytes()
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        raise PageError(f"not found (looked for {path})") from None
    except PermissionError:
        raise PageError(f"cannot be read (permission denied: {path})") from None
    return read_page_bytes(raw, kind_of(path.name), source)
