"""Packaging hook; everything else is configured in pyproject.toml.

BuildPyWithPrompts ships the top-level prompts/ and probes/ inside the package.
"""

from __future__ import annotations

import os

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildPyWithPrompts(build_py):
    """build_py that ships the top-level prompts/ inside the package as judge/_prompts, and
    the bundled probe sets (probes/: the pages `judge calibrate`'s suite was written on) as
    judge/_probes.

    A wheel has no repository around it, so judge.templates.PROMPTS_DIR and
    judge.calibration.suite.bundled_probes look there first; an editable install reads
    prompts/ and probes/ in the checkout directly.
    """

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        here = os.path.dirname(os.path.abspath(__file__))
        self._ship(os.path.join(here, "prompts"), "_prompts", lambda name: name.endswith(".j2"))
        self._ship(os.path.join(here, "probes"), "_probes", lambda name: True)

    def _ship(self, src: str, name: str, keep) -> None:  # noqa: ANN001
        dest = os.path.join(self.build_lib, "judge", name)
        for root, _dirs, files in os.walk(src):
            for file in files:
                if keep(file):
                    rel = os.path.relpath(os.path.join(root, file), src)
                    target = os.path.join(dest, rel)
                    self.mkpath(os.path.dirname(target))
                    self.copy_file(os.path.join(root, file), target)


setup(cmdclass={"build_py": BuildPyWithPrompts})
