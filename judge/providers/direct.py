"""JSON POSTs over aiohttp without a vendor SDK (``compat:`` calls).

A ``compat:`` call needs no SDK: a body built by ``wire_request``, a bearer header and a
reply parsed by judge.providers.openai_wire. Posting it with aiohttp directly spares the
openai SDK's import (~0.6 s of start-up, mostly its generated types) and its per-call
request building and httpx-over-aiohttp layers (~0.5 ms of CPU per call). Failures go
through the same mapping as the SDK paths (``map_sdk_error``, with no SDK): an error status
through ``status_error`` (with the vendor's body), no reply in time → retryable timeout,
a connection failure or a body that is not JSON → ``dropped``.
"""

from __future__ import annotations

import os
import ssl
from typing import Any

import aiohttp
import orjson

from judge.providers.common import map_sdk_error, status_error


def _ssl_context() -> ssl.SSLContext:
    """Verification as the SDKs do it (httpx): $SSL_CERT_FILE, else certifi's bundle."""
    cafile = os.environ.get("SSL_CERT_FILE") or None
    if cafile is None:
        try:
            import certifi

            cafile = certifi.where()
        except ImportError:
            pass
    return ssl.create_default_context(cafile=cafile)


def _env_proxy(url: str) -> tuple[Any, Any]:
    """(proxy, proxy auth) for ``url`` from HTTP(S)_PROXY / NO_PROXY, or (None, None)."""
    from aiohttp.helpers import get_env_proxy_for_url
    from yarl import URL

    try:
        return get_env_proxy_for_url(URL(url))
    except LookupError:
        return None, None


class JsonPost:
    """POST JSON bodies to ``base_url + path`` and return the decoded JSON reply.

    One aiohttp session, opened on the first call (in the running event loop), closed by
    ``aclose``. Proxies from the environment are honoured, as the SDKs' clients do, but
    looked up once per session: aiohttp's ``trust_env`` would look them (and ~/.netrc) up
    again in a worker thread for every request."""

    def __init__(self, spec: str, base_url: str, headers: dict[str, str]) -> None:
        self.spec = spec
        self.base_url = base_url.rstrip("/")
        self.headers = {"Content-Type": "application/json", "Accept": "application/json",
                        **headers}
        self._session: aiohttp.ClientSession | None = None

    def _open(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            tls = _ssl_context() if self.base_url.startswith("https:") else None
            connector = aiohttp.TCPConnector(limit=0, ssl=tls if tls is not None else True)
            proxy, proxy_auth = _env_proxy(self.base_url)
            self._session = aiohttp.ClientSession(connector=connector, proxy=proxy,
                                                  proxy_auth=proxy_auth)
        return self._session

    async def post(self, path: str, body: Any, timeout: float,
                   secret: str | None = None) -> Any:
        """The decoded reply; a ProviderError (``secret`` scrubbed from it) otherwise."""
        try:
            return await self._post(path, body, timeout)
        except Exception as exc:  # noqa: BLE001 - mapped like every SDK error
            raise map_sdk_error(None, self.spec, exc, timeout, secret) from None

    async def _post(self, path: str, body: Any, timeout: float) -> Any:
        limits = aiohttp.ClientTimeout(total=None, sock_connect=timeout, sock_read=timeout)
        async with self._open().post(self.base_url + path, data=orjson.dumps(body),
                                     headers=self.headers, timeout=limits) as resp:
            raw = await resp.read()
            status, headers = resp.status, resp.headers
        if status >= 400:
            try:
                detail: Any = orjson.loads(raw)
            except orjson.JSONDecodeError:
                detail = raw.decode("utf-8", "replace")
            raise status_error(self.spec, status, detail, headers,
                               f"Error code: {status} - {detail}")
        return orjson.loads(raw)

    async def aclose(self) -> None:
        if self._session is not None:
            session, self._session = self._session, None
            await session.close()
