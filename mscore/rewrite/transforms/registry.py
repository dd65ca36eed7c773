"""The call transforms a rule names (``transform = "<name>"``), each registered where it is defined::

    @transform("inplace")
    def apply(ctx, rule, call, suffix=""): ...

Importing :mod:`mscore.rewrite.transforms` imports every module of the package, so a new transform is one new file.
This module imports nothing, so every transform module can import it without a cycle.
"""
from __future__ import annotations

from typing import Callable

CALL_TRANSFORMS: dict[str, Callable] = {}   # name -> apply(ctx, rule, call, suffix) -> cst.BaseExpression


def transform(name: str):
    """Register the decorated ``apply`` under ``name``; returns it unchanged."""
    def register(apply: Callable) -> Callable:
        known = CALL_TRANSFORMS.get(name)
        if known is not None and known is not apply:
            raise ValueError(f"transform {name!r} is registered twice: {known.__module__} and {apply.__module__}")
        CALL_TRANSFORMS[name] = apply
        return apply

    return register
