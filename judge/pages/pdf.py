"""Text of a PDF page source through pypdf, one marked section per PDF page."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from importlib.metadata import version

from judge.errors import PageError

_SPACES = re.compile(r"[ \t]+")
_BLANK_RUNS = re.compile(r"\n{3,}")


@dataclass(frozen=True)
class PdfText:
    """What came out of one PDF."""

    text: str
    title: str | None
    date: str | None
    pages: int
    chars_before: int


def extractor_version() -> str:
    return version("pypdf")


def _clean(text: str) -> str:
    lines = [_SPACES.sub(" ", line).strip() for line in text.splitlines()]
    return _BLANK_RUNS.sub("\n\n", "\n".join(lines)).strip()


def page_marker(number: int, total: int) -> str:
    """The line that opens PDF page ``number`` in the extracted text."""
    return f"[page {number} of {total}]"


def extract_pdf(raw: bytes) -> PdfText:
    """Text of every page, each under a ``[page N of M]`` line; PageError when none."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(raw))
        if reader.is_encrypted and not reader.decrypt(""):
            raise PageError("is an encrypted PDF (no password is tried but the empty one)")
        raw_pages = [page.extract_text() or "" for page in reader.pages]
        info = reader.metadata
    except PyPdfError as exc:
        raise PageError(f"is not a readable PDF ({exc})") from None
    total = len(raw_pages)
    parts = [f"{page_marker(i, total)}\n{body}" for i, text in enumerate(raw_pages, 1)
             if (body := _clean(text))]
    if not parts:
        raise PageError(f"has no extractable text ({total} PDF page(s) without a text layer; "
                        "a scanned PDF needs OCR first)")
    title = (info.title or "").strip() if info else ""
    try:
        created = info.creation_date if info else None
    except (ValueError, TypeError):  # a malformed date string in the PDF's info
        created = None
    return PdfText(text="\n\n".join(parts), title=title or None,
                   date=created.date().isoformat() if created else None, pages=total,
                   chars_before=sum(len(t) for t in raw_pages))
