"""The provenance of a page's text, as recorded in a run's probeset.json."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

SourceKind = Literal["text", "html", "pdf"]


class SnapshotInfo(BaseModel):
    """Where a ``url:`` page's snapshot came from (written by ``judge probes fetch``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    url: str
    final_url: str
    status: int
    fetched_at: str
    content_type: str
    bytes: int
    sha256: str
    file: str  # the snapshot file, relative to the probe set's folder


class Extraction(BaseModel):
    """How a page's text was made from its source."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: SourceKind
    source: str  # the file as the YAML names it, or the URL
    sha256: str  # of the source bytes
    bytes: int
    chars_before: int  # characters of the decoded source (PDF: of pypdf's raw text)
    chars_after: int  # characters of the text the model is shown
    extractor: str | None = None  # trafilatura | pypdf; None for a text file
    extractor_version: str | None = None
    title: str | None = None
    date: str | None = None  # publication date found in the markup (YYYY-MM-DD)
    pdf_pages: int | None = None
    snapshot: SnapshotInfo | None = None
