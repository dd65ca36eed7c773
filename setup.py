"""Build step that ships mscore's data inside the package (everything else is in pyproject.toml).

The rule files, the hand-written patches and the parity cases live at the top of the source tree (``rules/``,
``patches/``, ``tests/parity/cases/``), where people edit them. A wheel copies them into ``mscore/_data/`` so an
installed mscore (``pip install .``, ``pipx``) finds them with no source tree around; ``mscore/resources.py``
looks in both places. Editable installs read them in place and copy nothing.
"""
from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
DATA = {"rules": "rules", "patches": "patches", "parity_cases": "tests/parity/cases"}   # mirrors mscore/resources.py
SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", "*.pyo")


class build_py_with_data(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        for name, rel in DATA.items():
            src = HERE / rel
            if not src.is_dir():
                raise SystemExit(f"mscore build: {src} is missing; build from a complete source tree")
            dst = Path(self.build_lib) / "mscore" / "_data" / name
            if dst.exists():
                shutil.rmtree(dst)
            shutil.copytree(src, dst, ignore=SKIP)


setup(cmdclass={"build_py": build_py_with_data})
