"""Main text of a saved HTML page, as markdown, through trafilatura.

Why trafilatura (measured on the bundled pages by ``bench/extraction.py``): it drops the
boilerplate readability-lxml + markdownify keeps (in-article ad blocks, share bars,
breadcrumbs, link markup), it keeps headings, lists and tables as markdown, and it reads the
title and publication date from the markup itself; it costs a larger install (its date
parser brings babel) and ~0.2 s of import.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from importlib.metadata import version

from judge.errors import PageError

# trafilatura and htmldate log what they discard; a page is data, not a log source.
for _name in ("trafilatura", "htmldate", "courlan"):
    logging.getLogger(_name).setLevel(logging.ERROR)

# Only dates the markup states (meta tags, <time>, JSON-LD), never a guess from a copyright line.
_DATE_CONFIG = {"extensive_search": False, "original_date": True}
_BLANK_RUNS = re.compile(r"\n{3,}")
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_:.-]+)""", re.IGNORECASE)
_LIST_ITEM = re.compile(r"\s*([-*+]|\d+[.)])\s")


@dataclass(frozen=True)
class HtmlText:
    """What came out of one HTML document."""

    text: str
    title: str | None
    date: str | None
    chars_before: int


def extractor_version() -> str:
    return version("trafilatura")


def decode_html(raw: bytes, charset: str | None = None) -> str:
    """The document as text: the charset the server sent (``charset``), else the one its
    markup declares, else UTF-8 when it is, else windows-1252 (what browsers assume for
    undeclared legacy pages)."""
    declared = _CHARSET.search(raw[:4096])
    for name in (charset, declared.group(1).decode("ascii") if declared else None):
        if name:
            try:
                return raw.decode(name, errors="replace")
            except LookupError:  # an unknown encoding name
                continue
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def _tidy(markdown: str) -> str:
    """Trailing spaces off; the source's indentation off paragraph lines (kept in code
    fences and on nested list items); at most one blank line in a row."""
    out, fenced = [], False
    for line in markdown.splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
        keep = fenced or _LIST_ITEM.match(line)
        out.append(line.rstrip() if keep else line.strip())
    return _BLANK_RUNS.sub("\n\n", "\n".join(out)).strip()


def extract_html(raw: bytes, charset: str | None = None) -> HtmlText:
    """Main text (markdown), title and publication date; PageError when there is no text.
    ``charset``: the one an HTTP response declared, if any."""
    import trafilatura
    from trafilatura.metadata import extract_metadata

    html = decode_html(raw, charset)
    if not html.strip():
        raise PageError("is empty")
    text = trafilatura.extract(html, output_format="markdown", include_tables=True,
                               include_formatting=True, include_links=False,
                               include_images=False, include_comments=False, deduplicate=False)
    text = _tidy(text or "")
    if not text:
        raise PageError(f"has no extractable text (HTML of {len(html):,} characters; "
                        f"trafilatura {extractor_version()} found no main content)")
    meta = extract_metadata(html, date_config=_DATE_CONFIG)
    title = (meta.title or "").strip() if meta else ""
    return HtmlText(text=text, title=title or _first_heading(text),
                    date=(meta.date if meta else None) or None, chars_before=len(html))


def _first_heading(text: str) -> str | None:
    for line in text.splitlines():
        if line.startswith("#"):
            return line.lstrip("#").strip() or None
    return None
