"""Imports fix-up: drop torch imports nothing needs any more, add the MindSpore imports the rewrites use.

A torch import stays only while an unconverted reference still goes through it. New imports go after the module
docstring and ``from __future__`` imports (before the first torch import), under alias names that are free in the
file: ``ms``, ``mint``, ``ops``, ``nn`` — or ``ms_<name>`` when the file binds that name to something else.
"""
from __future__ import annotations

import ast
import copy

from mscore.rewrite.context import RUNTIME_ALIAS, RUNTIME_PACKAGE, runtime_module
from mscore.rewrite.locate import Analysis, TorchImport

MODULES = {"ms": "mindspore", "mint": "mindspore.mint", "ops": "mindspore.ops", "nn": "mindspore.nn"}


def _module(alias: str) -> str:
    return runtime_module(alias) or MODULES[alias]


def _candidates(alias: str) -> tuple[str, ...]:
    if alias.startswith(RUNTIME_ALIAS):   # rt_grad_mode: grad_mode, mscore_grad_mode, rt_grad_mode
        sub = alias[len(RUNTIME_ALIAS):]
        return sub, f"mscore_{sub}", alias
    return alias, "mindspore" if alias == "ms" else f"ms_{alias}", f"mscore_{alias}"


def choose_aliases(
    used: set[str], analysis: Analysis, kept_torch: set[str], existing: dict[str, str]
) -> dict[str, str]:
    """placeholder alias -> the name the converted file uses for it."""
    chosen = {}
    taken = (analysis.other_names | kept_torch) - set(existing)
    for alias in sorted(used):
        module = _module(alias)
        for name in _candidates(alias):
            bound = existing.get(name)
            if bound == module or (bound is None and name not in taken):
                chosen[alias] = name
                break
        else:  # pragma: no cover - three distinct names all taken
            chosen[alias] = f"mscore_{alias}_"
    return chosen


def import_lines(chosen: dict[str, str], existing: dict[str, str]) -> list[str]:
    lines = []
    if "ms" in chosen and existing.get(chosen["ms"]) != "mindspore":
        name = chosen["ms"]
        lines.append("import mindspore" if name == "mindspore" else f"import mindspore as {name}")
    parts = []
    for alias in ("mint", "nn", "ops"):
        if alias in chosen and existing.get(chosen[alias]) != MODULES[alias]:
            name = chosen[alias]
            parts.append(alias if name == alias else f"{alias} as {name}")
    if parts:
        lines.append(f"from mindspore import {', '.join(parts)}")
    runtime = []
    for alias in sorted(a for a in chosen if a.startswith(RUNTIME_ALIAS)):
        module, name = _module(alias), chosen[alias]
        if existing.get(name) != module:
            sub = module.rsplit(".", 1)[1]
            runtime.append(sub if name == sub else f"{sub} as {name}")
    if runtime:
        lines.append(f"from {RUNTIME_PACKAGE} import {', '.join(runtime)}")
    return lines


def rewrite_import(imp: TorchImport, keep: set[str]) -> str | None:
    """The statement's new text with unneeded torch names removed; '' to delete it; None to leave it unchanged."""
    torch_names = {name for name, q in imp.bindings if q is not None}
    drop = torch_names - keep
    if not drop:
        return None
    node = copy.deepcopy(imp.node)
    kept = []
    for a in node.names:
        bound = a.asname or (a.name.split(".", 1)[0] if isinstance(node, ast.Import) else a.name)
        if bound in drop:
            continue
        kept.append(a)
    if not kept:
        return ""
    node.names = kept
    return ast.unparse(node)


GUARD_NOTE = "mscore: not installed; only the code that uses these names fails (see docs/imports.md)"


def standins(node: ast.Import | ast.ImportFrom, names: set[str] | None) -> tuple[list[tuple[str, str]], list[str]]:
    """(bound name, qualified name) pairs to stand in for, and the plain imports to redo, when ``node`` fails.

    ``names`` limits the stand-ins to those bound names (None: all). A name bound by ``import a.b`` is ``a``."""
    pairs: list[tuple[str, str]] = []
    redo: list[str] = []
    if isinstance(node, ast.Import):
        for a in node.names:
            bound = a.asname or a.name.split(".", 1)[0]
            qual = a.name if a.asname else bound
            if names is None or bound in names:
                pairs.append((bound, qual))
            else:
                redo.append(ast.unparse(ast.Import(names=[a])))
    else:
        for a in node.names:
            bound = a.asname or a.name
            pairs.append((bound, f"{node.module}.{a.name}"))
    return pairs, redo


def guard(stmt: str, node: ast.Import | ast.ImportFrom, names: set[str] | None, indent: str,
          newline: str, catch: str = "ImportError") -> str | None:
    """``stmt`` (an import statement's text, already at ``indent``) wrapped so that a failing import binds
    stand-ins (mscore_rt.leftover) instead of taking the module down; None when it cannot be (``import *``)."""
    if any(a.name == "*" for a in node.names):
        return None
    pairs, redo = standins(node, names)
    if not pairs:
        return None
    inner = indent + ("\t" if "\t" in indent else "    ")
    step = inner[len(indent):]
    body = [ln if not ln.strip() else step + ln for ln in stmt.splitlines()[1:]]   # continuation lines move too
    lines = ["try:", inner + stmt.splitlines()[0], *body, f"{indent}except {catch}:  # {GUARD_NOTE}"]
    lines += [inner + r for r in redo]
    lines.append(f"{inner}from mscore_rt.leftover import missing as _mscore_missing")
    lines += [f'{inner}{bound} = _mscore_missing("{qual}")' for bound, qual in pairs]
    return newline.join(lines)
