"""Statement-level rewrites the locator asks for, each given a narrow view of the file (:class:`LocatorView`).

- ``training_step.py``: ``find(view, stmts, scope, fn) -> Plan | None`` per statement block (forward + backward +
  clip + step -> a ``value_and_grad`` closure);
- ``module_to_cell.py``: per class, ``is_cell_class(view, st, scope)`` and ``forward_renames(view, st)``
  (``nn.Module`` -> ``nn.Cell``: ``forward`` -> ``construct``);
- ``attribute_store.py``: per statement, ``find(view, st, scope) -> Store | None`` (``x.grad = v`` -> a setter);
- ``decorators.py``: per decorated statement, the ``decorator = "drop"`` rules;
- ``patch_targets.py``: once per file, dotted-path strings naming a Cell's ``forward``.

They read the view and return edits (or a plan); the locator records them. None of them sees the locator itself.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Mapping

from mscore.rewrite.syntax import LineIndex
from mscore.rules import RuleSet


@dataclass(frozen=True)
class LocatorView:
    """What a statement-level rewrite may read about the file being located (nothing it could change)."""

    text: str
    lines: LineIndex                    # (line, utf-8 column) -> char offset; line starts and ends
    tree: ast.Module
    rules: RuleSet
    other_names: frozenset[str]         # every non-torch name bound anywhere in the file (new names must avoid them)
    cells: frozenset[str]               # class names the tree's index knows derive from nn.Module
    classes: frozenset[str]             # every class name defined in the converted tree
    ms_bindings: Mapping[str, str]      # names the file binds to mindspore (``mint`` -> ``mindspore.mint``)
    imports_torch: bool                 # the file imports torch somewhere
