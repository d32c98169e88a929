"""HTML extraction on the bundled saved pages: trafilatura vs readability-lxml + markdownify.

    python bench/extraction.py            # both, when both are installed
    python bench/extraction.py --repeat 50

Scores each extractor against tests/data/html/expected.yaml (written by hand from the
pages): phrases of the main content kept, boilerplate phrases dropped (cookie banners,
navigation, ads, sidebars, footers), headings / list items / table rows present as markdown.
Prints, measured in this one run: the scores, characters before → after per page, the
median time per page, the import time (a fresh interpreter), and the installed size of each
extractor with its dependencies (files of the installed distributions). judge uses
trafilatura (judge/pages/html.py); readability-lxml and markdownify are not dependencies of
judge: `pip install readability-lxml markdownify` to compare.
"""

from __future__ import annotations

import argparse
import importlib.util
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, distribution, requires
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.pages.scoring import PAGES, expectations, score  # noqa: E402

CRITERIA = ("keep", "drop", "headings", "list_items", "table_rows")


def trafilatura_md(raw: bytes) -> str:
    from judge.pages.html import extract_html

    return extract_html(raw).text


def readability_md(raw: bytes) -> str:
    import markdownify
    from readability import Document

    doc = Document(raw.decode("utf-8"))
    body = markdownify.markdownify(doc.summary(html_partial=True), heading_style="ATX")
    return f"# {doc.short_title()}\n\n{body}"


EXTRACTORS: dict[str, tuple[tuple[str, ...], str, Callable[[bytes], str]]] = {
    "trafilatura": (("trafilatura", "lxml_html_clean"), "import trafilatura", trafilatura_md),
    "readability+markdownify": (("readability-lxml", "markdownify"),
                                "import readability, markdownify", readability_md),
}


def _closure(names: tuple[str, ...]) -> set[str]:
    seen: set[str] = set()
    todo = list(names)
    while todo:
        name = re.split(r"[ ;<>=!\[~]", todo.pop())[0].lower().replace("_", "-")
        if name in seen:
            continue
        try:
            reqs = requires(name) or []
        except PackageNotFoundError:
            continue
        seen.add(name)
        todo += [r for r in reqs if "extra ==" not in r]
    return seen


def installed_mb(names: tuple[str, ...]) -> float:
    total = 0
    for name in _closure(names):
        for f in distribution(name).files or []:
            path = Path(str(f.locate()))
            if path.is_file():
                total += path.stat().st_size
    return total / 1e6


def import_s(statement: str) -> float:
    best = []
    for _ in range(3):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", statement], check=True)
        best.append(time.perf_counter() - t)
    base = []
    for _ in range(3):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        base.append(time.perf_counter() - t)
    return min(best) - min(base)


def run(name: str, fn: Callable[[bytes], str], repeat: int) -> None:
    exp = expectations()
    hits = dict.fromkeys(CRITERIA, 0)
    totals = dict.fromkeys(CRITERIA, 0)
    times: list[float] = []
    print(f"\n== {name}")
    for page in sorted(exp):
        raw = (PAGES / page).read_bytes()
        text = fn(raw)  # warm-up (and the scored output)
        for _ in range(repeat):
            t = time.perf_counter()
            fn(raw)
            times.append(time.perf_counter() - t)
        s = score(text, exp[page])
        for k in CRITERIA:
            hits[k] += s.hits[k]
            totals[k] += s.totals[k]
        missed = {k: v for k, v in s.misses.items() if v}
        print(f"  {page:30} {len(raw.decode()):>6,} → {len(text):>5,} chars  missed: "
              f"{missed or 'nothing'}")
    print("  " + "  ".join(f"{k} {hits[k]}/{totals[k]}" for k in CRITERIA))
    print(f"  median time per page: {statistics.median(times) * 1000:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20, help="timed runs per page")
    args = parser.parse_args()
    for name, (dists, statement, fn) in EXTRACTORS.items():
        module = statement.split()[1].rstrip(",")
        if importlib.util.find_spec(module) is None:
            print(f"\n== {name}: not installed (pip install {' '.join(dists)})")
            continue
        run(name, fn, args.repeat)
        print(f"  import: {import_s(statement):.2f} s; installed with dependencies: "
              f"{installed_mb(dists):.0f} MB ({', '.join(sorted(_closure(dists)))})")


if __name__ == "__main__":
    main()
