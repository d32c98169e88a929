"""Live scanning of a growing text finds what a whole-text scan finds."""

from __future__ import annotations

import random

from judge.spot.reflect import LiveScanner, scan

EN = ("Let me read the page. The bridge closed on Monday. Wait, let me re-check the second "
      "paragraph. Actually, that's wrong: the repairs take 14 months. I need to adjust the "
      "summary. Check the weather API; the wait time is 5 minutes. ") * 8
ZH = "这篇文章讲的是桥梁关闭。等等，让我再检查一下第二段。我需要调整摘要。" * 5


def test_live_scan_equals_whole_scan_for_any_chunking() -> None:
    rng = random.Random(7)
    for text in (EN, ZH, EN + ZH):
        whole = scan(text)
        assert {e.kind for e in whole} == {"self_check", "correction"}
        for _ in range(5):
            live, pos = LiveScanner(), 0
            while pos < len(text):
                pos = min(len(text), pos + rng.randint(1, 40))
                events = live(text[:pos])
            assert events == whole


def test_a_replaced_text_is_rescanned_from_scratch() -> None:
    live = LiveScanner()
    live(EN)
    assert live("Nothing to see here.") == []
