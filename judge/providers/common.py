"""Wire helpers shared by the hosted providers (openai, compat, anthropic).

Option validation, key lookup, Retry-After parsing and the status-code → error mapping
live here so each vendor module only knows its own payloads.
"""

from __future__ import annotations

import asyncio
import email.utils
import functools
import importlib
import os
import time
from collections.abc import Mapping
from types import ModuleType
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from judge.errors import (
    AuthError,
    ConfigError,
    FatalProviderError,
    ProviderError,
    RetryableProviderError,
    redact,
)

DEFAULT_TIMEOUT_S = 120.0
# Statuses worth retrying: request timeout, conflict, rate limit, server errors, overloaded.
RETRY_STATUSES = frozenset({408, 409, 429})
# Error types vendors put in a body (or a mid-stream error event) that mean "try again".
RETRY_ERROR_TYPES = frozenset({"overloaded_error", "api_error", "rate_limit_error",
                               "server_error", "timeout_error", "service_unavailable"})


class ProviderOptions(BaseModel):
    """Options every hosted provider takes (strict: unknown keys are errors)."""

    model_config = ConfigDict(extra="forbid")
    timeout: float = DEFAULT_TIMEOUT_S
    base_url: str | None = None
    api_key_env: str | None = None
    http: Literal["aiohttp", "httpx"] = "aiohttp"  # the SDK's HTTP transport (compat: calls
    # with aiohttp skip the SDK: judge.providers.direct)


O = TypeVar("O", bound=BaseModel)


def parse_options(model: type[O], spec: str, *layers: Mapping[str, Any]) -> O:
    """Merge option layers (later wins) and validate; raise ConfigError naming the spec."""
    merged: dict[str, Any] = {}
    for layer in layers:
        merged.update(layer)
    try:
        return model.model_validate(merged)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'options'}: {err['msg']}"
            for err in exc.errors())
        known = ", ".join(sorted(model.model_fields))
        raise ConfigError(f"model spec {spec!r}: {problems} (known options: {known})") from None


def env_key(name: str) -> str | None:
    """The value of an API-key environment variable, or None when unset or empty."""
    value = os.environ.get(name, "").strip()
    return value or None


def retry_after_seconds(headers: Mapping[str, str] | None) -> float | None:
    """Seconds to wait from ``retry-after-ms`` or ``Retry-After`` (seconds or HTTP date)."""
    if not headers:
        return None
    ms = headers.get("retry-after-ms")
    if ms:
        try:
            return max(0.0, float(ms) / 1000.0)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def body_error(body: object) -> tuple[str | None, str | None]:
    """(type, message) from a vendor error body ``{"error": {"type", "message"}}``, or from
    that inner object alone (the openai SDK's ``APIStatusError.body``), so both paths give
    the same message."""
    err = body.get("error") if isinstance(body, dict) else None
    if err is None and isinstance(body, dict) and isinstance(body.get("message"), str):
        err = body
    if isinstance(err, dict):
        etype = err.get("type") or err.get("code")
        msg = err.get("message")
        return (str(etype) if etype else None, str(msg) if msg else None)
    if isinstance(err, str):
        return None, err
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return None, body["message"]
    return None, None


def status_error(spec: str, status: int, body: object, headers: Mapping[str, str] | None,
                 fallback: str) -> ProviderError:
    """Map an HTTP error status (plus the vendor's body) to a judge ProviderError."""
    etype, msg = body_error(body)
    message = redact(msg or fallback or f"HTTP {status}")
    if etype and etype not in message:
        message = f"{etype}: {message}"
    retry_after = retry_after_seconds(headers)
    if status == 429 or etype == "rate_limit_error":
        return RetryableProviderError(message, model=spec, status=status,
                                      retry_after=retry_after, rate_limited=True)
    if status == 401:
        return AuthError(f"{message} (check the API key in the environment)", model=spec,
                         status=status)
    if status in RETRY_STATUSES or status >= 500 or (status < 400 and etype in RETRY_ERROR_TYPES):
        return RetryableProviderError(message, model=spec, status=status if status >= 400 else None,
                                      retry_after=retry_after)
    return FatalProviderError(message, model=spec, status=status if status >= 400 else None)


@functools.cache
def aiohttp_installed() -> bool:
    """Whether aiohttp imports (a runtime dependency; checked once, never assumed). Every
    aiohttp call path imports it anyway, so trying costs nothing extra."""
    try:
        importlib.import_module("aiohttp")
    except ImportError:
        return False
    return True


def transport(kind: str) -> Literal["aiohttp", "httpx"]:
    """The HTTP transport a call really uses for the ``http=`` option ``kind``: aiohttp
    when asked for and importable, else httpx (the SDKs' default)."""
    return "aiohttp" if kind == "aiohttp" and aiohttp_installed() else "httpx"


def http_client(sdk: ModuleType, kind: str) -> Any:
    """The SDK's HTTP client: its documented aiohttp transport (several times less CPU per
    call than the default under concurrency) when ``transport(kind)`` is aiohttp, else
    httpx."""
    if transport(kind) == "aiohttp":
        try:
            return sdk.DefaultAioHttpClient()
        except RuntimeError:  # the SDK could not import its aiohttp layer
            pass
    return sdk.DefaultAsyncHttpxClient()


def missing_key_error(spec: str, var: str) -> AuthError:
    """The error for an unset key variable (raised at call time so the runner stops the model)."""
    return AuthError(f"{var} is not set in the environment", model=spec, status=None)


def dropped(spec: str, what: str) -> RetryableProviderError:
    """A transport-level failure: connection reset, stream cut short, invalid JSON in a 200."""
    return RetryableProviderError(redact(what), model=spec)


def map_sdk_error(sdk: ModuleType | None, spec: str, exc: BaseException, timeout: float,
                  secret: str | None = None) -> ProviderError:
    """The one error mapping of every hosted call path: an exception from the ``openai`` or
    ``anthropic`` SDK (same class names; ``sdk=None`` on the direct aiohttp path), the
    transport underneath, or JSON decoding → a judge ProviderError; ``secret`` (the key in
    use, whatever its variable is called) is scrubbed from the message. Re-raises bugs."""
    if isinstance(exc, ProviderError):
        return scrub(exc, secret)
    mapped = _map_sdk(sdk, spec, exc, timeout) if sdk is not None else None
    return scrub(mapped or _map_transport(spec, exc, timeout), secret)


def scrub(err: ProviderError, secret: str | None) -> ProviderError:
    """``err`` with ``secret`` (the key in use) replaced in its message and detail."""
    if secret and secret in str(err):
        err.args = (str(err).replace(secret, "[REDACTED]"),)
        err.detail = err.detail.replace(secret, "[REDACTED]")
    return err


def _root_cause(exc: BaseException) -> BaseException:
    seen = {id(exc)}
    while (nxt := exc.__cause__ or exc.__context__) is not None and id(nxt) not in seen:
        seen.add(id(nxt))
        exc = nxt
    return exc


def _map_sdk(sdk: ModuleType, spec: str, exc: BaseException,
             timeout: float) -> ProviderError | None:
    """The SDK's own exception classes (None: not one of them)."""
    if isinstance(exc, sdk.APITimeoutError):
        root = _root_cause(exc)
        if isinstance(root, OSError) and not isinstance(root, TimeoutError):
            return dropped(spec, f"connection error: {type(root).__name__}")
        return RetryableProviderError(f"no reply within {timeout:g} s", model=spec)
    if isinstance(exc, sdk.APIStatusError):
        return status_error(spec, exc.status_code, exc.body, exc.response.headers, exc.message)
    if isinstance(exc, sdk.APIConnectionError):
        cause = exc.__cause__ or exc.__context__
        return dropped(spec, f"connection error: {type(cause).__name__ if cause else exc.message}")
    if isinstance(exc, sdk.APIError):  # an error event inside a stream
        body = exc.body if isinstance(exc.body, dict) else {"message": exc.message}
        return status_error(spec, 200, {"error": body}, None, exc.message)
    return None


def _map_transport(spec: str, exc: BaseException, timeout: float) -> ProviderError:
    """Everything below the SDKs (aiohttp, httpx, sockets, JSON), whichever path raised it."""
    if isinstance(exc, ProviderError):
        return exc
    if isinstance(exc, (asyncio.TimeoutError, TimeoutError)):
        return RetryableProviderError(f"no reply within {timeout:g} s", model=spec)
    if isinstance(exc, ValueError):  # json.JSONDecodeError / orjson.JSONDecodeError
        return dropped(spec, "invalid JSON in the reply")
    if isinstance(exc, OSError) or type(exc).__module__.startswith(("httpx", "aiohttp")):
        return dropped(spec, f"connection error: {type(exc).__name__}")
    raise exc


def _shape_problem(exc: Exception) -> str:
    """One line about why a reply could not be read (a validation error's first field)."""
    if isinstance(exc, ValidationError):
        err = exc.errors()[0]
        return f"{'.'.join(str(x) for x in err['loc'])}: {err['msg']}"
    return redact(f"{type(exc).__name__}: {exc}")[:200]


class PrebuiltPost:
    """``generate`` shared by the OpenAI and Anthropic providers: the SDK's own HTTP layer
    (auth, base URL, transport, error classes) posts a body built once by ``wire_request``
    (the SDKs' per-call TypedDict transform cost ~4 ms of CPU per call); every SDK error is
    mapped at this boundary. Subclasses set ``sdk_module`` and implement the methods below."""

    sdk_module: ModuleType
    spec: str
    _secret: str | None

    def _opts(self, request: Any) -> Any:
        raise NotImplementedError

    def _sdk(self) -> Any:
        raise NotImplementedError

    def wire_request(self, request: Any) -> tuple[str, dict[str, Any]]:
        raise NotImplementedError

    def parse_reply(self, data: Any, request: Any) -> Any:
        raise NotImplementedError

    async def generate(self, request: Any) -> Any:
        """One complete call; raises RetryableProviderError / FatalProviderError / AuthError."""
        opts = self._opts(request)
        started = time.perf_counter()
        path, body = self.wire_request(request)
        data = await self.post_json(path, body, opts.timeout)
        try:
            response = self.parse_reply(data, request)
        except ProviderError:
            raise
        except (ValidationError, KeyError, TypeError, AttributeError, ValueError) as exc:
            raise FatalProviderError(f"the reply does not have the expected shape "
                                     f"({_shape_problem(exc)})", model=self.spec) from None
        response.latency_s = time.perf_counter() - started
        return response

    async def post_json(self, path: str, body: Any, timeout: float) -> Any:
        """POST ``body`` through the SDK client; the decoded JSON reply."""
        import httpx2
        import orjson

        try:
            raw = await self._sdk().post(path, body=body, cast_to=httpx2.Response,
                                         options={"timeout": timeout})
            return orjson.loads(raw.content)
        except Exception as exc:  # noqa: BLE001 - every SDK error is mapped here
            raise map_sdk_error(self.sdk_module, self.spec, exc, timeout,
                                self._secret) from None
