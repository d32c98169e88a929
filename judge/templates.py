"""Sandboxed jinja2 templates for task and judge prompts.

Templates come from prompts/ (or a folder next to the probe set). Page text, queries and
model answers are passed as *variables*: they are never compiled, so a page containing
``{{ 7*7 }}`` comes through verbatim. A missing variable is an error naming the template
and the variable. A template may define blocks ``system`` and ``user``; otherwise its
whole output is the user message.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from judge.errors import TemplateError
from judge.providers.base import Message

_PACKAGED = Path(__file__).resolve().parent / "_prompts"  # a wheel: setup.py copies prompts/
PROMPTS_DIR = _PACKAGED if _PACKAGED.is_dir() else Path(__file__).resolve().parent.parent / "prompts"


class Templates:
    """A sandboxed jinja2 environment over one or more prompt folders."""

    def __init__(self, extra_dirs: list[Path] | None = None) -> None:
        self.dirs = [*(extra_dirs or []), PROMPTS_DIR]
        self.env = SandboxedEnvironment(
            loader=jinja2.FileSystemLoader([str(d) for d in self.dirs]),
            undefined=jinja2.StrictUndefined,
            autoescape=False,
            keep_trailing_newline=False,
            trim_blocks=True,
            lstrip_blocks=True,
            # Read each template once: a run renders what its manifest hashed (an edit
            # mid-run does not slip in), and no file is stat'ed per render.
            auto_reload=False,
        )
        self._hashes: dict[str, str] = {}

    def _get(self, name: str) -> jinja2.Template:
        try:
            return self.env.get_template(name)
        except jinja2.TemplateNotFound:
            where = ", ".join(str(d) for d in self.dirs)
            raise TemplateError(f"template not found (looked in {where})", path=name) from None
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateError(f"template syntax error: {exc.message}", path=exc.filename or name,
                                line=exc.lineno) from None

    def source_path(self, name: str) -> Path:
        """The file a template name resolves to."""
        tmpl = self._get(name)
        return Path(tmpl.filename or name)

    def sha256(self, name: str) -> str:
        """sha256 of the template file's bytes (recorded in run manifests)."""
        if name not in self._hashes:
            self._hashes[name] = hashlib.sha256(self.source_path(name).read_bytes()).hexdigest()
        return self._hashes[name]

    def render(self, name: str, variables: dict[str, Any]) -> list[Message]:
        """Render a template into chat messages; page text etc. stay data."""
        tmpl = self._get(name)
        try:
            if "user" in tmpl.blocks:
                ctx = tmpl.new_context(dict(variables))
                messages = []
                for role in ("system", "user"):
                    if role in tmpl.blocks:
                        text = "".join(tmpl.blocks[role](ctx)).strip()
                        if text:
                            messages.append(Message(role=role, content=text))
                return messages
            return [Message(role="user", content=tmpl.render(**variables).strip())]
        except jinja2.UndefinedError as exc:
            raise TemplateError(f"missing template variable: {exc.message}", path=name,
                                line=_error_line(exc, tmpl)) from None
        except jinja2.exceptions.SecurityError as exc:
            raise TemplateError(f"unsafe template operation: {exc}", path=name) from None


def _error_line(exc: Exception, tmpl: jinja2.Template) -> int | None:
    tb = exc.__traceback__
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == tmpl.filename or (
                tb.tb_frame.f_globals.get("__jinja_template__") is not None):
            try:
                line = tmpl.get_corresponding_lineno(tb.tb_lineno)
            except Exception:  # noqa: BLE001 - best effort
                pass
        tb = tb.tb_next
    return line
