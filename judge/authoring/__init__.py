"""Authoring probe sets: from a folder of pages and a queries file (`judge probes new`), or
from a table of (page, query[, intent, key points]) rows (`judge probes import`), with
optional model-drafted key points marked ``draft: true`` for a person to confirm."""

from judge.authoring.build import from_folder, from_table, write_probeset
from judge.authoring.drafts import draft_key_points

__all__ = ["draft_key_points", "from_folder", "from_table", "write_probeset"]
