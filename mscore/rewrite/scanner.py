"""The torch references in one ast expression, matched against the rules (the same logic as the libcst rewriter,
so what the locator counts is what the rewriter converts)."""
from __future__ import annotations

import ast

from mscore.rewrite.classify import Match, match_method, match_qualified, needs_respelling
from mscore.rewrite.names import Scope, function_scope
from mscore.rules import RuleSet
from mscore.rewrite.syntax import dotted_name, receiver_kind


def _comp_targets(gens: list[ast.comprehension]) -> set[str]:
    names: set[str] = set()
    for g in gens:
        for n in ast.walk(g.target):
            if isinstance(n, ast.Name):
                names.add(n.id)
    return names


class Scanner:
    """Collect the :class:`Match` of every torch reference in an expression (same logic as the libcst rewriter)."""

    def __init__(self, rules: RuleSet, scope: Scope, tensor_receivers: bool = False):
        self.rules = rules
        self.scope = scope
        self.tensor_receivers = tensor_receivers   # the file names no array library: axis= is torch's alias
        self.found: list[Match] = []
        self.stores: list[tuple[ast.Attribute, str]] = []   # property stores no rewrite can take: left

    def resolve(self, root: str, shadow: frozenset[str]) -> str | None:
        return None if root in shadow else self.scope.resolve(root)

    def scan(self, n: ast.AST, shadow: frozenset[str] = frozenset(), called: bool = False) -> None:
        if isinstance(n, ast.Attribute):
            dotted = dotted_name(n)
            if dotted is not None:
                root, _, rest = dotted.partition(".")
                q = self.resolve(root, shadow)
                if q is not None:
                    self.found.append(match_qualified(self.rules, f"{q}.{rest}", called=called))
                    return
            m = match_method(self.rules, n.attr, called=called, receiver=receiver_kind(n.value))
            if m is not None and not isinstance(n.ctx, ast.Load) and m.rule is not None and m.rule.qualified_target:
                # a store the statement-level setter rewrite did not take (``a.requires_grad, b.x = ...``): a
                # getter call cannot be assigned to
                self.stores.append((n, m.api))
            elif m is not None:
                self.found.append(m)
            before = len(self.found)
            self.scan(n.value, shadow)
            if isinstance(n.value, ast.Call) and isinstance(n.value.func, (ast.Attribute, ast.Name)) \
                    and len(self.found) > before:
                # a field of a named-tuple result (x.max(1).values): the unit changes even for an identity method
                cm = self.found[before]
                if cm.rule is not None and n.attr in cm.rule.fields and not cm.active:
                    self.found[before] = Match(cm.api, cm.rule, cm.suffix, respell=True)
        elif isinstance(n, ast.Name):
            if isinstance(n.ctx, ast.Load):
                q = self.resolve(n.id, shadow)
                if q is not None:
                    self.found.append(match_qualified(self.rules, q, called=called))
        elif isinstance(n, ast.Call):
            before = len(self.found)
            self.scan(n.func, shadow, called=True)
            if len(self.found) > before and isinstance(n.func, ast.Attribute):
                m = self.found[before]
                if m.rule is not None and m.rule.is_identity and m.api.endswith("." + n.func.attr) and \
                        needs_respelling(m.rule, [k.arg for k in n.keywords if k.arg], self.tensor_receivers):
                    self.found[before] = Match(m.api, m.rule, m.suffix, respell=True)
            for a in n.args:
                self.scan(a, shadow)
            for k in n.keywords:
                self.scan(k.value, shadow)
        elif isinstance(n, ast.Lambda):
            for d in (*n.args.defaults, *[d for d in n.args.kw_defaults if d is not None]):
                self.scan(d, shadow)
            inner = function_scope(Scope(), n).local
            self.scan(n.body, shadow | inner)
        elif isinstance(n, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            inner = shadow | _comp_targets(n.generators)
            for child in ast.iter_child_nodes(n):
                self.scan(child, inner)
        else:
            for child in ast.iter_child_nodes(n):
                self.scan(child, shadow)
