"""Find what must change in a file, with :mod:`ast` (about ten times faster than a libcst pass).

The result is a list of *units*: the outermost expressions of a statement (an assignment's value, a call
statement, a ``with`` item, a class's bases, …) that hold at least one torch reference needing a rewrite or a marker.
Only those units are handed to libcst; every other byte of the file is left exactly as it was.
"""
from __future__ import annotations

import ast
from collections import Counter
from dataclasses import dataclass, field

from mscore.rewrite.classify import names_no_array_library
from mscore.rewrite.context import TrainingStep
from mscore.rewrite.names import (
    Scope,
    bind_statement,
    function_scope,
    import_bindings,
    is_torch_module,
    mindspore_bindings,
)
from mscore.rewrite.import_facts import all_names, guarded_module, imports_with_fallback
from mscore.rewrite.scanner import Scanner
from mscore.rewrite.syntax import LineIndex, annotation_ids, child_blocks, dotted_name, header_exprs, simple_exprs
from mscore.rewrite.statements import (
    LocatorView, attribute_store, augmented, decorators, module_to_cell, patch_targets, training_step,
)
from mscore.rules import RuleSet


@dataclass(frozen=True)
class TreeIndex:
    """What a whole-tree pre-scan knows: class names defined in the tree, and those that derive from nn.Module."""

    classes: frozenset[str] = frozenset()
    cells: frozenset[str] = frozenset()
    imported: frozenset[str] = frozenset()   # "pkg.mod.name" for every ``from pkg.mod import name`` in the tree


def module_name(path: str) -> str:
    """The dotted module a tree-relative path is imported as (``a/b/__init__.py`` -> ``a.b``)."""
    parts = path.replace("\\", "/").removesuffix(".py").split("/")
    if parts and parts[-1] == "__init__":
        parts.pop()
    return ".".join(p for p in parts if p)


@dataclass
class Unit:
    start: int                  # char offsets of the expression in the file text
    end: int
    scope: Scope
    stmt_end: int               # char offset where the enclosing statement ends
    marker_line: int            # 1-based line a marker goes on (end of line) ...
    marker_above: int           # ... or the line a marker goes above (a compound statement's first line)
    header: bool                # a compound statement header: markers go above
    annotation: bool = False    # a type annotation: names matter, calls do not happen
    training: TrainingStep | None = None  # inside a recognised training step (statements/training_step.py)
    discarded: bool = False     # the expression of an expression statement: its value is not used


@dataclass
class TorchImport:
    node: ast.Import | ast.ImportFrom
    start: int
    end: int
    bindings: list[tuple[str, str | None]]   # (bound name, torch qualified name or None)
    module_level: bool
    only_stmt_in_block: bool
    block: int = 0          # identifies the statement list holding it ...
    block_len: int = 1      # ... and that list's length (a block of only torch imports must keep a statement)
    at_import: bool = False     # runs when the module is imported (module level or a class body, not a function)
    has_fallback: bool = False  # inside ``try:`` whose handler catches ImportError: the code has its own fallback


@dataclass(frozen=True)
class Left:
    """A torch reference the locator itself leaves unconverted (no unit can rewrite it), marked and reported."""

    api: str
    reason: str
    line: int
    root: str | None            # the import alias it goes through: that import stays
    stmt_end: int
    marker_line: int
    marker_above: int
    header: bool


@dataclass
class Analysis:
    units: list[Unit] = field(default_factory=list)
    seen: Counter = field(default_factory=Counter)        # from units that need no rewrite (identity rules)
    converted: Counter = field(default_factory=Counter)
    text_edits: list[tuple[int, int, str]] = field(default_factory=list)   # forward -> construct
    construct_renames: int = 0
    torch_imports: list[TorchImport] = field(default_factory=list)
    other_names: set[str] = field(default_factory=set)   # every non-torch name bound anywhere (alias clashes)
    import_insert_line: int = 1                           # 1-based line before which new imports go
    line_starts: list[int] = field(default_factory=list)
    # statement-level rewrites: (start, end, build) where build(converted) gets a function giving the converted text
    # of a sub-span and returns the span's new text; the unit edits inside the span are folded into it
    wraps: list = field(default_factory=list)
    used: set[str] = field(default_factory=set)           # target aliases the statement-level rewrites emit
    # import-time imports of packages that need torch (rules/imports/packages.toml): kept, guarded by the engine
    guard_imports: list[TorchImport] = field(default_factory=list)
    left: list[Left] = field(default_factory=list)        # match patterns, star imports: kept, marked, reported
    reexported: set[str] = field(default_factory=set)     # torch names imported for other modules: import kept


class Locator:
    def __init__(self, text: str, tree: ast.Module, rules: RuleSet, index: TreeIndex | None = None,
                 module: str = ""):
        self.text = text
        self.tensor_receivers = names_no_array_library(text)   # see classify.ARRAY_LIBRARIES
        self.module = module
        self.tree = tree
        self.rules = rules
        self.index = index or TreeIndex()
        self.offset = LineIndex(text)
        self.scopes: dict[int, Scope] = {}
        self.result = Analysis(line_starts=self.offset.starts)
        self.file_imports_torch = False
        self.ms_bindings = {"mindspore": "mindspore", **mindspore_bindings(tree)}
        self.stmt_ctx: dict[int, TrainingStep] = {}    # id(stmt) -> training-step context for its units
        self.consumed: set[int] = set()        # statements a statement-level rewrite replaces whole
        self._fn: ast.AST | None = None
        self.with_fallback = imports_with_fallback(tree)
        self.names_read = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
        self.names_all = all_names(tree)

    # -- pass 1: bindings ---------------------------------------------------------------------------------
    def _bind_block(self, stmts: list[ast.stmt], scope: Scope) -> None:
        for st in stmts:
            bind_statement(scope, st)
            if isinstance(st, (ast.Import, ast.ImportFrom)):
                if any(q is not None for _, q in import_bindings(st)):
                    self.file_imports_torch = True
            if isinstance(st, (ast.FunctionDef, ast.AsyncFunctionDef)):
                child = function_scope(scope, st)
                self.scopes[id(st)] = child
                self._bind_block(st.body, child)
                self.result.other_names |= child.local
            elif isinstance(st, ast.ClassDef):
                child = Scope(parent=scope, is_class=True)
                self.scopes[id(st)] = child
                self._bind_block(st.body, child)
                self.result.other_names |= child.local
            else:
                for block in child_blocks(st):
                    self._bind_block(block, scope)

    # -- pass 2: references -----------------------------------------------------------------------------
    def _unit(self, e: ast.expr, scope: Scope, st: ast.stmt, header: bool, annotation: bool = False) -> None:
        scanner = Scanner(self.rules, scope, self.tensor_receivers)
        scanner.scan(e)
        for node, api in scanner.stores:
            self._leave(api, "assigned in a tuple, chained or nested target: its setter takes one assignment per "
                        "tensor (write them one by one)", st, header=False, root=None)
        training = self.stmt_ctx.get(id(st))
        grad_read = training is not None and training.reads_grads and any(
            isinstance(n, ast.Attribute) and n.attr == "grad" and isinstance(n.ctx, ast.Load) for n in ast.walk(e))
        if not scanner.found and not grad_read:
            return
        if grad_read or any(m.active for m in scanner.found):
            first = st.decorator_list[0].lineno if getattr(st, "decorator_list", None) else st.lineno
            self.result.units.append(
                Unit(
                    start=self.offset(e.lineno, e.col_offset),
                    end=self.offset(e.end_lineno, e.end_col_offset),
                    scope=scope,
                    stmt_end=self.offset(st.end_lineno, st.end_col_offset),
                    marker_line=st.end_lineno if not header else first,
                    marker_above=first,
                    header=header,
                    annotation=annotation,
                    training=training,
                    discarded=isinstance(st, ast.Expr) and st.value is e,
                )
            )
        else:
            for m in scanner.found:
                self.result.seen[m.api] += 1
                self.result.converted[m.api] += 1

    def _drop_decorators(self, st: ast.stmt, scope: Scope) -> set[int]:
        """Remove the decorators whose rule says ``decorator = "drop"`` (statements/decorators.py): ids of the
        decorator expressions removed."""
        dropped: set[int] = set()
        for dec in getattr(st, "decorator_list", ()):
            rule = decorators.rule_for(self.rules, dec, scope.resolve)
            if rule is None:
                continue
            edit = decorators.drop_edit(self.text, self.offset.starts, self.offset(dec.lineno, dec.col_offset),
                                        self.offset(dec.end_lineno, dec.end_col_offset), dec.lineno, dec.end_lineno)
            if edit is None:
                continue
            self.result.text_edits.append(edit)
            self.result.seen[rule.api] += 1
            self.result.converted[rule.api] += 1
            dropped.add(id(dec))
        return dropped

    def _attribute_store(self, st: ast.stmt, scope: Scope) -> bool:
        """A store to a Tensor property with a ``setter`` rule (statements/attribute_store.py)."""
        store = attribute_store.find(self.view, st, scope)
        if store is None:
            return False
        self._unit(store.receiver, scope, st, header=False)
        if store.value is not None:
            self._unit(store.value, scope, st, header=False)
        self.result.wraps.append(store.wrap)
        self.result.used |= store.used
        self.result.seen[store.api] += 1
        self.result.converted[store.api] += 1
        return True

    def _augmented(self, st: ast.stmt, scope: Scope) -> bool:
        """``x op= v`` on a name the file makes a tensor: in place, as torch does (statements/augmented.py)."""
        if not self.file_imports_torch or not isinstance(st, ast.AugAssign):
            return False
        if self._tensor_names is None:
            self._tensor_names = augmented.tensor_names(self.tree, self._module_scope)
        aug = augmented.find(self.view, st, scope, self._tensor_names)
        if aug is None:
            return False
        self._unit(aug.target, scope, st, header=False)
        self._unit(aug.value, scope, st, header=False)
        self.result.wraps.append(aug.wrap)
        self.result.used |= aug.used
        return True

    def _training_step(self, stmts: list[ast.stmt], scope: Scope) -> None:
        plan = training_step.find(self.view, stmts, scope, self._fn)
        if plan is None:
            return
        for key, value in plan.stmt_ctx.items():
            known = self.stmt_ctx.get(key)
            self.stmt_ctx[key] = value if known is None else known.merged(value)
        self.consumed |= plan.consumed
        self.result.text_edits.extend(plan.edits)
        self.result.wraps.extend(plan.wraps)
        self.result.used |= plan.used
        for api in plan.consumed_apis:
            self.result.seen[api] += 1
            self.result.converted[api] += 1

    def _walk(self, stmts: list[ast.stmt], scope: Scope) -> None:
        if self.file_imports_torch:
            self._training_step(stmts, scope)
        for st in stmts:
            if id(st) in self.consumed:
                continue
            if isinstance(st, ast.ImportFrom) and st.level == 0 and is_torch_module(st.module or "") \
                    and any(a.name == "*" for a in st.names):
                self._leave(f"{st.module}.*", "a star import hides which torch names the file uses: import them "
                            "by name to convert them", st, header=False, root=None)
            if isinstance(st, (ast.Import, ast.ImportFrom)):
                binds = import_bindings(st)
                torchy = any(q is not None for _, q in binds)
                if torchy and isinstance(st, ast.ImportFrom) and self._fn is self.tree:
                    self._reexports(st, binds)
                if torchy or guarded_module(st, self.rules.imports):
                    (self.result.torch_imports if torchy else self.result.guard_imports).append(
                        TorchImport(
                            node=st,
                            start=self.offset(st.lineno, st.col_offset),
                            end=self.offset(st.end_lineno, st.end_col_offset),
                            bindings=binds,
                            module_level=scope.parent is None,
                            only_stmt_in_block=len(stmts) == 1,
                            block=id(stmts),
                            block_len=len(stmts),
                            at_import=self._fn is self.tree,
                            has_fallback=id(st) in self.with_fallback,
                        )
                    )
                continue
            if self._attribute_store(st, scope) or self._augmented(st, scope):
                continue
            if isinstance(st, ast.Match):
                self._match_patterns(st, scope)
            for handler in getattr(st, "handlers", None) or ():   # ``except torch.cuda.OutOfMemoryError:``
                if handler.type is not None:
                    self._unit(handler.type, scope, handler, header=True)
            notes = annotation_ids(st)
            dropped = self._drop_decorators(st, scope)
            for e in header_exprs(st):
                if id(e) in dropped:
                    continue
                self._unit(e, scope, st, header=True, annotation=id(e) in notes)
            for e in simple_exprs(st):
                self._unit(e, scope, st, header=False, annotation=id(e) in notes)
            if isinstance(st, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                if isinstance(st, ast.ClassDef) and module_to_cell.is_cell_class(self.view, st, scope):
                    edits, renamed = module_to_cell.forward_renames(self.view, st)
                    self.result.text_edits.extend(edits)
                    self.result.construct_renames += renamed
                outer = self._fn
                if not isinstance(st, ast.ClassDef):
                    self._fn = st
                self._walk(st.body, self.scopes[id(st)])
                self._fn = outer
            else:
                for block in child_blocks(st):
                    self._walk(block, scope)

    def _reexports(self, st: ast.ImportFrom, binds: list[tuple[str, str | None]]) -> None:
        """A torch name imported at module level that the module never reads is there for other modules to import
        from it (``from .wrap import _construct_wrap_fn``): nothing here converts it, so the import stays, guarded,
        and importers get the name (a stand-in where torch is absent) instead of an ImportError."""
        for name, q in binds:
            if q is None:
                continue
            exported = name in self.names_all or self._imported_from_here(name)
            if name in self.names_read and not exported:
                continue
            self.result.reexported.add(name)
            if id(st) not in self.with_fallback:   # inside ``try: ... except ImportError`` it is already handled
                why = ("other modules import this name from here: the import stays for them" if exported else
                       "imported but not used here: kept for modules that may import it from here")
                self._leave(q, why, st, header=True, root=name)

    def _imported_from_here(self, name: str) -> bool:
        """Whether another module of the tree(s) does ``from <this module> import name`` (a name this module's
        own code reads may still be exported: Megatron's optimizer package exports ``Adam``)."""
        if not self.module or not self.index.imported:
            return False
        parts = self.module.split(".")
        return any(f"{'.'.join(parts[i:])}.{name}" in self.index.imported for i in range(len(parts)))

    def _leave(self, api: str, reason: str, node: ast.AST, header: bool, root: str | None) -> None:
        self.result.left.append(Left(api, reason, node.lineno, root, self.offset(node.end_lineno, node.end_col_offset),
                                     node.end_lineno if not header else node.lineno, node.lineno, header))

    def _match_patterns(self, st: ast.Match, scope: Scope) -> None:
        """Torch names in ``case`` patterns (``case torch.float32:``, ``case torch.Size([a, b]):``): a pattern is
        not an expression a rule may rewrite (a value pattern must stay a dotted name, a class pattern a class), so
        they stay, marked above the ``case``, and keep their import."""
        for case in st.cases:
            exprs = []
            for n in ast.walk(case.pattern):
                if isinstance(n, ast.MatchValue):
                    exprs.append(n.value)
                elif isinstance(n, ast.MatchClass):
                    exprs.append(n.cls)
                elif isinstance(n, ast.MatchMapping):
                    exprs.extend(n.keys)
            for e in exprs:
                scanner = Scanner(self.rules, scope, self.tensor_receivers)
                scanner.scan(e)
                if not scanner.found:
                    continue
                dotted = dotted_name(e)
                root = dotted.partition(".")[0] if dotted else None
                for m in scanner.found:
                    self._leave(m.api, "a torch name in a match pattern is left as it is (patterns are not rewritten)",
                                case.pattern, header=True, root=root)

    def _insert_line(self) -> int:
        """After the module docstring and ``from __future__`` imports; before the first torch import if earlier."""
        line = 1
        body = self.tree.body
        i = 0
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) and isinstance(
            body[0].value.value, str
        ):
            line = body[0].end_lineno + 1
            i = 1
        while i < len(body) and isinstance(body[i], ast.ImportFrom) and body[i].module == "__future__":
            line = body[i].end_lineno + 1
            i += 1
        # a torch import nested in a module-level block (``if is_torch_available(): import torch``) counts as the
        # top-level statement holding it: new imports go at column 0 before that statement, never inside its block
        tops = [(st.decorator_list[0].lineno if getattr(st, "decorator_list", None) else st.lineno, st.end_lineno)
                for st in body[i:]]
        for imp in self.result.torch_imports:
            if imp.module_level and imp.node.lineno >= line:
                for first, last in tops:
                    if first <= imp.node.lineno <= last:
                        return first
                return imp.node.lineno
        # otherwise before the first statement after the preamble (keeps comments/shebang at the top in place)
        return body[i].lineno if i < len(body) else line

    def _insert_line_after_preamble(self) -> int:
        """Never before (or on) the docstring / ``from __future__`` lines, even when a later statement shares
        their line (``from __future__ import annotations; import torch``)."""
        body = self.tree.body
        floor, i = 1, 0
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) and isinstance(
            body[0].value.value, str
        ):
            floor, i = body[0].end_lineno + 1, 1
        while i < len(body) and isinstance(body[i], ast.ImportFrom) and body[i].module == "__future__":
            floor, i = body[i].end_lineno + 1, i + 1
        return max(self._insert_line(), floor)

    def run(self) -> Analysis:
        module = Scope()
        self._module_scope = module
        self._tensor_names: frozenset[str] | None = None
        self._fn = self.tree
        self._bind_block(self.tree.body, module)
        self.result.other_names |= module.local
        for sc in (module, *self.scopes.values()):
            # bound by a torch import and another package's (an ImportError fallback): not converted (names.Scope),
            # so the torch import stays, guarded, for the run where it is the one that binds
            self.result.reexported |= sc.torch.keys() & sc.imported
        self.view = LocatorView(self.text, self.offset, self.tree, self.rules, frozenset(self.result.other_names),
                                self.index.cells, self.index.classes, self.ms_bindings, self.file_imports_torch)
        self._walk(self.tree.body, module)
        self.result.text_edits.extend(patch_targets.edits(self.tree, self.text, self.offset, self.index.cells))
        self.result.text_edits.extend(patch_targets.package_probes(self.tree, self.text, self.offset))
        hf_edits, hf_wrapped = patch_targets.hf_return_tensors(self.tree, self.text, self.offset, self.result.units)
        self.result.text_edits.extend(hf_edits)
        if hf_wrapped:
            self.result.used.add("rt_hf_training")
        retargeted, left = patch_targets.torch_patch_strings(self.tree, self.text, self.offset, self.rules)
        self.result.text_edits.extend(retargeted)
        for node in left:
            self._leave(node.value, "a patch aimed at this torch API: it has no MindSpore counterpart to patch",
                        node, header=False, root=None)
        self.result.import_insert_line = self._insert_line_after_preamble()
        return self.result


def analyze(text: str, tree: ast.Module, rules: RuleSet, index: TreeIndex | None = None,
            path: str = "") -> Analysis:
    return Locator(text, tree, rules, index, module_name(path)).run()
