"""PDF pages through pypdf: page-numbered text, provenance, errors naming the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from judge.errors import ProbeSetError
from judge.probeset import load_probeset
from tests.pages.pdfmake import make_pdf


def _set(tmp: Path, name: str, data: bytes) -> Path:
    (tmp / name).write_bytes(data)
    path = tmp / "set.yaml"
    path.write_text(f"name: s\npages:\n  - id: a\n    type: paper\n    file: {name}\n"
                    "queries:\n  - {id: q, intent: overview, text: hi}\n")
    return path


def test_pdf_text_is_page_numbered_and_recorded(tmp_path: Path) -> None:
    data = make_pdf([["Heat pumps in 62 homes", "Seasonal COP was 2.7."], [],
                     ["Limitations: one winter (mild)."]], title="Winter field study")
    page = load_probeset(_set(tmp_path, "study.pdf", data)).page("a")
    assert page.body == ("[page 1 of 3]\nHeat pumps in 62 homes\nSeasonal COP was 2.7.\n\n"
                         "[page 3 of 3]\nLimitations: one winter (mild).")
    ex = page.extraction
    assert ex is not None and ex.kind == "pdf" and ex.extractor == "pypdf" and ex.pdf_pages == 3
    assert ex.bytes == len(data) and ex.chars_after == len(page.body)
    assert page.title == "Winter field study" and ex.date == "2024-09-16"


def test_pdf_without_a_text_layer_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(ProbeSetError, match=r"set.yaml:5 page 'a': file 'scan.pdf' has no "
                                            r"extractable text \(2 PDF page"):
        load_probeset(_set(tmp_path, "scan.pdf", make_pdf([[], []])))


def test_broken_pdf_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(ProbeSetError, match="file 'bad.pdf' is not a readable PDF"):
        load_probeset(_set(tmp_path, "bad.pdf", b"%PDF-1.4\nnot really"))
