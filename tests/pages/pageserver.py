"""A loopback HTTP server of web pages for `judge probes fetch` tests (127.0.0.1 only).

Routes: /article (HTML), /redirect → /article (302, twice through /hop), /missing (404),
/image (image/png), /huge (an HTML body bigger than the test's --max-bytes, no
Content-Length), /slow (waits `slow_s` before answering), /report.pdf (a PDF), /bare (HTML
with no main text). Every request is counted in ``hits``.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.pages.pdfmake import make_pdf

ARTICLE = b"""<!doctype html><html><head><title>Harbour ferry returns | Port Herald</title>
<meta property="article:published_time" content="2025-03-04T08:00:00Z"></head><body>
<nav><a href="/">Home</a> <a href="/sport">Sport</a></nav>
<div class="cookie-banner">We use cookies to improve your experience.</div>
<article><h1>Harbour ferry returns after a two-year gap</h1>
<p>The harbour ferry between Port Herald and Skerry Island resumed on Monday, two years
after its only boat was withdrawn for repairs. The new vessel carries 180 passengers.</p>
<h2>Timetable</h2><ul><li>Hourly from 7 a.m. to 7 p.m.</li><li>Every 30 minutes at weekends in summer</li></ul>
<p>Return tickets cost $6, and island residents travel free. The council paid $4.2 million
for the boat, half of it from a state grant.</p></article>
<footer>Copyright Port Herald. All rights reserved.</footer></body></html>"""
BARE = b"""<!doctype html><html><head><title>Loading</title><script>var a = 1;</script>
</head><body><div id="app"></div><noscript></noscript></body></html>"""
KOI8 = ("<html><body><article><p>Паром между гаванью и островом снова ходит каждый час, "
        "а кодировку страницы сервер называет только в заголовке HTTP.</p></article></body>"
        "</html>").encode("koi8-r")
PDF = make_pdf([["Harbour ferry review", "The ferry carried 52,000 passengers in 2024."],
                ["Costs rose 8% because of fuel prices."]], title="Ferry review 2024")


class _Handler(BaseHTTPRequestHandler):
    server: PageServer  # type: ignore[assignment]

    def log_message(self, *_args: object) -> None:  # quiet
        return

    def _send(self, status: int, body: bytes, ctype: str, length: bool = True,
              headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if length:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self.server.hits[self.path] += 1
        route = self.path.split("?", 1)[0]
        if route == "/article":
            self._send(200, ARTICLE, "text/html; charset=utf-8")
        elif route == "/redirect":
            self._send(302, b"", "text/plain", headers={"Location": "/hop"})
        elif route == "/hop":
            self._send(301, b"", "text/plain", headers={"Location": "/article?from=hop"})
        elif route == "/missing":
            self._send(404, b"<html><body>not here</body></html>", "text/html")
        elif route == "/image":
            self._send(200, b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "image/png")
        elif route == "/huge":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()  # no Content-Length: the client must stop reading itself
            try:
                for _ in range(64):
                    self.wfile.write(b"<p>" + b"x" * 16_000 + b"</p>")
            except (BrokenPipeError, ConnectionResetError):
                pass
        elif route == "/slow":
            time.sleep(self.server.slow_s)
            try:
                self._send(200, ARTICLE, "text/html")
            except (BrokenPipeError, ConnectionResetError):
                pass
        elif route == "/report.pdf":
            self._send(200, PDF, "application/pdf")
        elif route == "/koi8":  # the charset only in the HTTP header
            self._send(200, KOI8, "text/html; charset=KOI8-R")
        elif route == "/bare":
            self._send(200, BARE, "text/html")
        else:
            self._send(404, b"no route", "text/plain")


class PageServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, slow_s: float) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.hits: Counter[str] = Counter()
        self.slow_s = slow_s

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


@contextmanager
def page_server(slow_s: float = 3.0) -> Iterator[PageServer]:
    """Serve the routes above on a free loopback port for the block's duration."""
    server = PageServer(slow_s)
    thread = threading.Thread(target=server.serve_forever, name="page-server", daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
