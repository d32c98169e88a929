"""What a run records about itself: inputs with hashes, settings, versions, status."""

from __future__ import annotations

import platform
from importlib import metadata
from typing import Any

from judge.probeset import ProbeSet, Task
from judge.records import SCHEMA_VERSION, now_iso
from judge.templates import Templates

PACKAGES = ("judge", "openai", "anthropic", "llama_cpp_python", "pydantic", "jinja2")


def package_versions() -> dict[str, str]:
    """Versions of judge and the libraries that shape its output."""
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name.replace("_", "-"))
        except metadata.PackageNotFoundError:
            continue
    return out


def build_manifest(run_id: str, probes: ProbeSet, tasks: list[Task], templates: Templates,
                   models: list[str], settings: dict[str, Any]) -> dict[str, Any]:
    """A fresh manifest for a new run (no keys anywhere: specs are key-free strings).
    ``tasks`` may know its templates already (judge.runs.TaskSet: no extra pass)."""
    names = sorted(getattr(tasks, "templates", None) or {t.template for t in tasks})
    return {
        "schema_version": SCHEMA_VERSION,
        "run_id": run_id,
        "status": "running",
        "created": now_iso(),
        "started": now_iso(),
        "ended": None,
        "probeset": {"path": probes.source, "name": probes.name, "version": probes.version,
                     "sha256": probes.content_sha256(), "base_dir": probes.base_dir},
        "templates": {name: templates.sha256(name) for name in names},
        "models": list(models),
        "judges": [],
        "settings": settings,
        "tasks": len(tasks),
        "versions": package_versions(),
        "history": [],
    }
