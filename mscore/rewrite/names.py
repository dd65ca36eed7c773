"""Import aliases → qualified torch names, scope by scope, computed once per file with :mod:`ast`.

Every transform asks the same question — "does this name mean a torch module or API here?" — and gets its answer
from the :class:`Scope` of the statement it works on. Resolution is flow-insensitive within a scope (an import
anywhere in a function counts for the whole function), which matches how real code imports.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass, field

TORCH_ROOTS = ("torch", "torch_npu")
# Packages that are torch in disguise: a submodule of a non-torch package that hands out torch tensors. Only the
# submodule itself is a root (``safetensors.numpy`` stays untouched), so it resolves through ``from X import ...`` or
# ``import X as alias``; a plain ``import safetensors.torch`` binds ``safetensors`` and is left alone.
TORCH_SUBMODULES = ("safetensors.torch",)


def is_torch_module(name: str) -> bool:
    return name.split(".", 1)[0] in TORCH_ROOTS or any(
        name == m or name.startswith(m + ".") for m in TORCH_SUBMODULES)


@dataclass
class Scope:
    """Names bound in one scope: ``torch`` maps an import alias to its qualified name; ``local`` are other bindings
    (assignments, parameters, defs, non-torch imports) that shadow outer torch aliases."""

    parent: "Scope | None" = None
    torch: dict[str, str] = field(default_factory=dict)
    local: set[str] = field(default_factory=set)
    is_class: bool = False
    # names a non-torch import binds too (``try: from apex.optimizers import FusedAdam as Adam`` / ``except
    # ImportError: from torch.optim import AdamW as Adam``): which one a use sees is decided at run time, and in
    # a converted stack the other package usually wins (MindSpeed patches apex's names in), so such a name is not
    # a torch reference; its torch import still counts, is guarded and marked
    imported: set[str] = field(default_factory=set)

    def resolve(self, name: str) -> str | None:
        scope: Scope | None = self
        first = True
        while scope is not None:
            # a class body's names are not visible from the functions nested in it
            if first or not scope.is_class:
                if name in scope.torch:
                    return None if name in scope.imported else scope.torch[name]
                if name in scope.local:
                    return None
            first = False
            scope = scope.parent
        return None

    def aliases(self) -> dict[str, str]:
        """Every torch alias visible here (innermost wins; shadowed ones removed)."""
        chain = []
        scope: Scope | None = self
        first = True
        while scope is not None:
            if first or not scope.is_class:
                chain.append(scope)
            first = False
            scope = scope.parent
        out: dict[str, str] = {}
        hidden: set[str] = set()
        for s in chain:
            for name, q in s.torch.items():
                if name not in out and name not in hidden and name not in s.imported:
                    out[name] = q
            hidden |= (s.local - s.torch.keys()) | s.imported
        return out


def import_bindings(node: ast.Import | ast.ImportFrom) -> list[tuple[str, str | None]]:
    """``(bound name, qualified torch name or None)`` for each name an import statement binds."""
    out: list[tuple[str, str | None]] = []
    if isinstance(node, ast.Import):
        for a in node.names:
            if a.asname:
                out.append((a.asname, a.name if is_torch_module(a.name) else None))
            else:
                root = a.name.split(".", 1)[0]
                out.append((root, root if is_torch_module(root) else None))
    else:
        mod = node.module or ""
        torchy = node.level == 0 and is_torch_module(mod)
        for a in node.names:
            if a.name == "*":
                continue
            out.append((a.asname or a.name, f"{mod}.{a.name}" if torchy else None))
    return out


def _target_names(target: ast.AST, into: set[str]) -> None:
    for n in ast.walk(target):
        if isinstance(n, ast.Name) and isinstance(n.ctx, (ast.Store, ast.Del)):
            into.add(n.id)


def _param_names(args: ast.arguments) -> set[str]:
    names = {a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)}
    if args.vararg:
        names.add(args.vararg.arg)
    if args.kwarg:
        names.add(args.kwarg.arg)
    return names


def bind_statement(scope: Scope, stmt: ast.stmt) -> None:
    """Record what ``stmt`` binds in ``scope`` (not what nested scopes bind)."""
    if isinstance(stmt, (ast.Import, ast.ImportFrom)):
        for name, q in import_bindings(stmt):
            if q is not None:
                scope.torch[name] = q
            else:
                scope.local.add(name)
                scope.imported.add(name)
    elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        scope.local.add(stmt.name)
    elif isinstance(stmt, ast.Assign):
        for t in stmt.targets:
            _target_names(t, scope.local)
    elif isinstance(stmt, (ast.AugAssign, ast.AnnAssign)):
        _target_names(stmt.target, scope.local)
    elif isinstance(stmt, (ast.For, ast.AsyncFor)):
        _target_names(stmt.target, scope.local)
    elif isinstance(stmt, (ast.With, ast.AsyncWith)):
        for item in stmt.items:
            if item.optional_vars is not None:
                _target_names(item.optional_vars, scope.local)
    elif isinstance(stmt, ast.Try) or type(stmt).__name__ == "TryStar":
        for h in stmt.handlers:  # type: ignore[attr-defined]
            if h.name:
                scope.local.add(h.name)


def function_scope(parent: Scope, fn: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> Scope:
    return Scope(parent=parent, local=_param_names(fn.args))


def mindspore_bindings(tree: ast.Module) -> dict[str, str]:
    """Module-level ``name -> mindspore module path`` bindings (a converted file's own imports:
    ``ms -> mindspore``, ``nn -> mindspore.nn``, ``mindspore -> mindspore`` for ``import mindspore.x``), and those
    of the runtime helpers converted code imports (``grad_mode -> mscore_rt.grad_mode``)."""
    out: dict[str, str] = {}
    roots = ("mindspore", "mscore_rt")
    for st in tree.body:
        if isinstance(st, ast.Import):
            for a in st.names:
                root = a.name.split(".", 1)[0]
                if root in roots:
                    out[a.asname or root] = a.name if a.asname else root
        elif isinstance(st, ast.ImportFrom) and st.level == 0 and (st.module or "").split(".", 1)[0] in roots:
            for a in st.names:
                out[a.asname or a.name] = f"{st.module}.{a.name}"
    return out
