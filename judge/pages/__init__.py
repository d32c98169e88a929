"""Page sources: what a probe-set page's text is made from, and the record of how.

A page's ``file:`` is read by its extension: ``.html``/``.htm`` through trafilatura (main
text as markdown: headings, lists, tables; title and publication date from the markup),
``.pdf`` through pypdf (page-numbered text), anything else as UTF-8 text. A page with only
``url:`` is read from its snapshot, written once by ``judge probes fetch`` (see
``snapshots``); a run never touches the network. Every page records an ``Extraction``
(extractor and version, sha256 of the source, characters before and after) that goes into
the run's probeset.json, so a run says exactly what the model saw.
"""

from judge.pages.models import Extraction, SnapshotInfo
from judge.pages.read import PageText, read_page_bytes, read_page_file

__all__ = ["Extraction", "PageText", "SnapshotInfo", "read_page_bytes", "read_page_file"]
