"""A small planted probe set on disk, shared by the plant tests."""

from __future__ import annotations

from pathlib import Path

PLANTED = """\
name: planted-small
expand: false
pages:
  - id: pg
    type: news
    title: "Bridge"
    text: |
      The bridge closed on Monday. Repairs will cost $38 million and take 14 months.
      About 41,000 vehicles use it each weekday. Sidewalks stay open.
  - id: pg-misled
    type: news
    title: "Bridge"
    text: |
      The bridge closed on Monday. Repairs will cost $38 million and take 14 months.
      About 41,000 vehicles use it each weekday. Sidewalks stay open.
    plant:
      kind: misleading_fragment
      fragment: "A later update said the sidewalks will close too."
      after: "Sidewalks stay open."
      erroneous: "sidewalks will close"
      correct: "Sidewalks stay open"
  - id: pg-clean
    type: news
    title: "Bridge"
    text: |
      The bridge closed on Monday. Repairs will cost $38 million and take 14 months.
      About 41,000 vehicles use it each weekday. Sidewalks stay open.
    plant: {kind: control, twin: pg-misled}
queries:
  - {id: overview, intent: overview, text: "Summarize"}
  - {id: zh, intent: overview-zh, text: "请用中文总结"}
tasks:
  - id: cost
    page: pg
    query: overview
    plant:
      kind: draft_to_revise
      error: wrong_number
      draft: "The bridge closed; repairs will cost $52 million over 14 months."
      erroneous: "$52 million"
      correct: "$38 million"
      repair: {absent: ["52 million", "5200万"]}
  - id: cost-c
    page: pg
    query: overview
    plant: {kind: control, twin: cost}
  - id: vehicles
    page: pg
    query: zh
    plant:
      kind: misleading_fragment
      fragment: "Officials later said about 12,000 vehicles use the bridge."
      after: "take 14 months."
      erroneous: "12,000"
      correct: "41,000"
  - id: vehicles-c
    page: pg
    query: zh
    plant: {kind: control, twin: vehicles}
  - {id: misled-overview, page: pg-misled, query: overview}
  - {id: clean-overview, page: pg-clean, query: overview}
"""


def write(tmp: Path, text: str = PLANTED, name: str = "planted.yaml") -> Path:
    path = tmp / name
    path.write_text(text, encoding="utf-8")
    return path
