"""Imports fix-up: drop torch imports nothing needs any more, add the MindSpore imports the rewrites use.

A torch import stays only while an unconverted reference still goes through it. New imports go after the module
docstring and ``from __future__`` imports (before the first torch import), under alias names that are free in the
file: ``ms``, ``mint``, ``ops``, ``nn`` — or ``ms_<name>`` when the file binds that name to something else.
"""
from __future__ import annotations

import ast
import copy
from bisect import bisect_right
from collections import Counter

from mscore.rewrite.context import RUNTIME_ALIAS, RUNTIME_PACKAGE, runtime_module
from mscore.rewrite.edits import FileEdits
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


def run(fe: FileEdits) -> None:
    """Torch imports: dropped when nothing needs them, guarded when a leftover still does; imports of torch-only
    packages redirected or guarded; then the imports the rewrites use, under names free in the file."""
    text, starts, an, newline, rules = fe.text, fe.starts, fe.analysis, fe.newline, fe.rules
    edits = fe.edits
    fe.needed_roots |= an.reexported
    rewritten = [(imp, rewrite_import(imp, fe.needed_roots)) for imp in an.torch_imports]
    # a block whose statements are all deleted imports keeps a ``pass`` in place of its last one
    deleted = Counter(imp.block for imp, new_stmt in rewritten if new_stmt == "")
    last_deleted = {imp.block: imp for imp, new_stmt in rewritten if new_stmt == ""}
    for imp, new_stmt in rewritten:
        if new_stmt == "":
            whole_block = deleted[imp.block] == imp.block_len and last_deleted[imp.block] is imp
            edits.append(_delete_statement(text, starts, imp.start, imp.end, imp.only_stmt_in_block or whole_block))
            continue
        stmt = text[imp.start:imp.end] if new_stmt is None else new_stmt
        guarded = None
        if imp.at_import and not imp.has_fallback:
            node = imp.node if new_stmt is None else ast.parse(new_stmt).body[0]
            kept = {name for name, q in imp.bindings if q is not None}
            guarded = _guarded(text, starts, imp, stmt, node, kept, newline)
            fe.import_time_torch += guarded is None
        if guarded is not None:
            edits.append((imp.start, imp.end, guarded))
        elif new_stmt is not None:
            edits.append((imp.start, imp.end, new_stmt))
    for imp in an.guard_imports:
        redirect = _redirect(text, starts, imp, rules.imports, newline)
        if redirect is not None:
            new_text, apis = redirect
            edits.append((imp.start, imp.end, new_text))
            for api in apis:
                fe.seen[api] += 1
                fe.converted[api] += 1
            continue
        if imp.at_import and not imp.has_fallback:
            names = None
            if isinstance(imp.node, ast.Import):
                names = {a.asname or a.name.split(".", 1)[0] for a in imp.node.names
                         if rules.imports.guards(a.name)}
            guarded = _guarded(text, starts, imp, text[imp.start:imp.end], imp.node, names, newline,
                               THIRD_PARTY_CATCH)
            if guarded is not None:
                edits.append((imp.start, imp.end, guarded))
    fe.chosen = choose_aliases(fe.used, an, fe.needed_roots, fe.existing)
    lines = import_lines(fe.chosen, fe.existing)
    if lines:
        at = starts[an.import_insert_line - 1] if an.import_insert_line - 1 < len(starts) else len(text)
        prefix = "" if at == 0 or text[at - 1] in "\r\n" else newline
        edits.append((at, at, prefix + newline.join(lines) + newline))


def _delete_statement(text: str, starts: list[int], start: int, end: int, only_in_block: bool) -> tuple[int, int, str]:
    """An edit removing a statement: its whole lines when it stands alone on them, else ``pass`` in its place."""
    line = bisect_right(starts, start)
    lstart = starts[line - 1]
    end_line = bisect_right(starts, max(start, end - 1))
    lend = starts[end_line] if end_line < len(starts) else len(text)
    before = text[lstart:start]
    after = text[end:lend].rstrip("\r\n")
    if only_in_block or before.strip() or (after.strip() and not after.strip().startswith("#")):
        return (start, end, "pass")
    return (lstart, lend, "")


def _redirect(text: str, starts: list[int], imp, policy, newline: str):
    """``from pkg.mod import A, B`` where the policy redirects ``pkg.mod.A`` to ``mscore_rt.x.A``: the redirected
    names come from mscore_rt, the rest stay (guarded when at import). (new text, redirected APIs) or None."""
    node = imp.node
    if not isinstance(node, ast.ImportFrom) or not policy.redirect:
        return None
    moved, rest = [], []
    for a in node.names:
        target = policy.redirected(f"{node.module}.{a.name}")
        (moved if target else rest).append((a, target))
    if not moved:
        return None
    line = bisect_right(starts, imp.start)
    indent = text[starts[line - 1]:imp.start]
    if indent.strip():
        return None
    stmts = []
    for a, target in moved:
        mod, _, name = target.rpartition(".")
        bound = a.asname or a.name
        stmts.append(f"from {mod} import {name}" + (f" as {bound}" if bound != name else ""))
    if rest:
        rest_node = ast.ImportFrom(module=node.module, names=[a for a, _ in rest], level=0)
        rest_text = ast.unparse(rest_node)
        guarded = None
        if imp.at_import and not imp.has_fallback:
            guarded = guard(rest_text, rest_node, None, indent, newline, THIRD_PARTY_CATCH)
        stmts.append(guarded or rest_text)
    return (newline + indent).join(stmts), [f"{node.module}.{a.name}" for a, _ in moved]


# a third-party package that cannot load says so with ImportError, or (transformers' lazy modules: "Failed to
# import transformers.models.x because of the following error") with RuntimeError
THIRD_PARTY_CATCH = "(ImportError, RuntimeError)"


def _guarded(text: str, starts: list[int], imp, stmt: str, node, names, newline: str,
             catch: str = "ImportError") -> str | None:
    """The guarded form of an import statement that stands alone on its lines (else None: left as it is)."""
    line = bisect_right(starts, imp.start)
    indent = text[starts[line - 1]:imp.start]
    end_line = bisect_right(starts, max(imp.start, imp.end - 1))
    lend = starts[end_line] if end_line < len(starts) else len(text)
    after = text[imp.end:lend].strip()
    if indent.strip() or (after and not after.startswith("#")):
        return None   # shares its line with other statements (``import torch; x = 1``)
    return guard(stmt, node, names, indent, newline, catch)
