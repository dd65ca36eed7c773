"""Where mscore's shipped data lives: the rule files, the hand-written patches and the parity cases.

In a source checkout they are the top-level ``rules/``, ``patches/`` and ``tests/parity/cases/`` directories; in an
installed wheel the build copies them into the package as ``mscore/_data/{rules,patches,parity_cases}`` (see
``setup.py``). Every loader asks this module, so both layouts work and nothing else knows about either.
"""
from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
SHIPPED = PACKAGE / "_data"               # inside an installed wheel
CHECKOUT = PACKAGE.parent                 # a source checkout's root (pyproject.toml beside mscore/)

# data name -> path in a source checkout (relative to its root); the wheel keeps them under _data/<name>
LAYOUT = {
    "rules": "rules",
    "patches": "patches",
    "parity_cases": "tests/parity/cases",
}


def _is_checkout() -> bool:
    return (CHECKOUT / "pyproject.toml").is_file() and (CHECKOUT / "rules").is_dir()


def data_dir(name: str) -> Path | None:
    """The directory of shipped data ``name`` (a key of ``LAYOUT``), or None when this installation lacks it.

    The wheel's copy wins: an installed mscore never reads a ``rules/`` that merely happens to sit next to
    site-packages."""
    shipped = SHIPPED / name
    if shipped.is_dir():
        return shipped
    if _is_checkout():
        here = CHECKOUT / LAYOUT[name]
        if here.is_dir():
            return here
    return None


def data_root() -> Path:
    """The directory that holds ``rules/`` and ``patches/``: what the repository manifest's paths are relative to."""
    if (SHIPPED / "rules").is_dir():
        return SHIPPED
    if _is_checkout():
        return CHECKOUT
    raise FileNotFoundError(f"mscore's shipped data (rules/, patches/) not found in {SHIPPED} or {CHECKOUT}")
