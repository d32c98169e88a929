"""One error hierarchy for everything `judge` raises at a user.

    JudgeError                      base; ``str(e)`` is a complete one-line message
    ├── InputError                  bad user input: says file, line and item
    │   ├── ProbeSetError           probe-set YAML (schema, ids, references)
    │   ├── TemplateError           missing template / variable / syntax error
    │   ├── LabelsError             human label files (CSV/JSONL rows)
    │   ├── PageError               a page source with no text / unreadable (HTML, PDF)
    │   └── TableError              probe-set authoring input (queries, CSV/JSONL rows)
    ├── ConfigError                 bad option or model spec
    ├── SetupError                  something to install; ``fix`` holds the command
    ├── StoreError                  run directory missing or unreadable
    ├── ProviderError               a model call failed (carries model, attempts, status)
    │   ├── RetryableProviderError  transient: 429/408/409/5xx/timeouts/dropped streams
    │   └── FatalProviderError      400/403/404: fails fast, no retry
    │       └── AuthError           401: stops every task of that model
    └── VerdictError                a judge reply that is not a valid verdict

SDK exceptions are mapped to these at the provider boundary and never leak further.
Messages never contain API keys (see ``redact``).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any

_SECRET_ENV_HINTS = ("KEY", "TOKEN", "SECRET")
_KEY_SHAPES = re.compile(r"(sk-[A-Za-z0-9_\-]{8,}|sk-ant-[A-Za-z0-9_\-]{8,}|Bearer\s+[A-Za-z0-9._\-]{8,})")


# (the environment the secrets were taken from, the secrets): a ProviderError redacts its
# message three times, and a run with many failures would scan os.environ for each.
_secrets_cache: tuple[dict[Any, Any], tuple[str, ...]] | None = None


def _environment() -> dict[Any, Any]:
    """The process environment as a plain dict (os.environ's own store when it has one)."""
    data = getattr(os.environ, "_data", None)
    return data if isinstance(data, dict) else dict(os.environ)


def _secret_values() -> tuple[str, ...]:
    """Values of secret-looking environment variables, longest first; scanned again only
    when the environment changed since the last call (tests set keys and unset them)."""
    global _secrets_cache
    env = _environment()
    cached = _secrets_cache
    if cached is not None and cached[0] == env:
        return cached[1]
    vals = sorted({value for name, value in os.environ.items()
                   if value and len(value) >= 8
                   and any(h in name.upper() for h in _SECRET_ENV_HINTS)}, key=len, reverse=True)
    _secrets_cache = (dict(env), tuple(vals))
    return _secrets_cache[1]


def redact(text: str) -> str:
    """Remove API keys (any secret-looking env var value or key-shaped token) from text."""
    for value in _secret_values():
        if value in text:
            text = text.replace(value, "[REDACTED]")
    return _KEY_SHAPES.sub("[REDACTED]", text)


class JudgeError(Exception):
    """Base of every error `judge` reports to a user."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(redact(message))


class InputError(JudgeError):
    """Bad user input; the message names the file, line and item."""

    exit_code = 2

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None,
                 item: str | None = None) -> None:
        where = ""
        if path:
            where = f"{path}:{line}" if line else str(path)
        if item:
            where = f"{where} {item}" if where else item
        super().__init__(f"{where}: {message}" if where else message)
        self.path, self.line, self.item, self.detail = path, line, item, message


class ProbeSetError(InputError):
    """A probe set file is malformed."""


class TemplateError(InputError):
    """A template is missing, malformed, or needs a variable that was not given."""


class LabelsError(InputError):
    """A human-label file has a bad row."""


class PageError(InputError):
    """A page source (HTML, PDF, text file, snapshot) is unreadable or has no text."""


class TableError(InputError):
    """An authoring input (queries file, import table, types.csv) has a bad row."""


class ConfigError(JudgeError):
    """A bad option, model spec or config file."""

    exit_code = 2


class SetupError(JudgeError):
    """Something must be installed first; ``fix`` is the exact command."""

    exit_code = 3

    def __init__(self, message: str, fix: str | None = None) -> None:
        super().__init__(f"{message} — fix: {fix}" if fix else message)
        self.fix = fix


class StoreError(JudgeError):
    """A run directory is missing, locked or unreadable."""


@dataclass(frozen=True)
class RetryDecision:
    """How the runner should treat a failed call (decided by the provider)."""

    retry: bool
    rate_limited: bool = False
    retry_after: float | None = None
    stop_model: bool = False  # e.g. 401: no task of this model can succeed

    @classmethod
    def no(cls, stop_model: bool = False) -> RetryDecision:
        return cls(retry=False, stop_model=stop_model)

    @classmethod
    def transient(cls, retry_after: float | None = None) -> RetryDecision:
        return cls(retry=True, retry_after=retry_after)

    @classmethod
    def rate_limit(cls, retry_after: float | None = None) -> RetryDecision:
        return cls(retry=True, rate_limited=True, retry_after=retry_after)


class ProviderError(JudgeError):
    """A model call failed. Carries the model spec, HTTP status and retry decision."""

    def __init__(self, message: str, *, model: str = "", status: int | None = None,
                 decision: RetryDecision | None = None, attempts: int = 1) -> None:
        prefix = f"{model}: " if model else ""
        code = f"HTTP {status}: " if status else ""
        super().__init__(f"{prefix}{code}{message}")
        self.model, self.status, self.attempts = model, status, attempts
        self.decision = decision or RetryDecision.no()
        self.detail = redact(message)


class RetryableProviderError(ProviderError):
    """Transient failure: rate limit, overload, 5xx, timeout, dropped connection."""

    def __init__(self, message: str, *, model: str = "", status: int | None = None,
                 retry_after: float | None = None, rate_limited: bool = False) -> None:
        decision = (RetryDecision.rate_limit(retry_after) if rate_limited
                    else RetryDecision.transient(retry_after))
        super().__init__(message, model=model, status=status, decision=decision)


class FatalProviderError(ProviderError):
    """Permanent failure for this request (400/403/404 ...): fail fast."""

    def __init__(self, message: str, *, model: str = "", status: int | None = None,
                 stop_model: bool = False) -> None:
        super().__init__(message, model=model, status=status,
                         decision=RetryDecision.no(stop_model=stop_model))


class AuthError(FatalProviderError):
    """401: the key is missing or wrong; every task of this model stops."""

    def __init__(self, message: str, *, model: str = "", status: int | None = 401) -> None:
        super().__init__(message, model=model, status=status, stop_model=True)


class VerdictError(JudgeError):
    """A judge reply could not be turned into a valid verdict."""

    def __init__(self, message: str, *, raw: str = "", attempts: int = 1) -> None:
        super().__init__(message)
        self.raw, self.attempts = raw, attempts
