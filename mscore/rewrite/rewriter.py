"""The libcst transformer run on each unit the locator found: dispatches every torch reference to its rule.

Torch-rooted names (``torch.cat``, ``F.gelu``, ``nn.Linear``) are resolved through the scope's import aliases;
method calls (``x.view``, ``model.eval()``) through the ``Tensor.*`` / ``Module.*`` rules. Calls are rewritten in
``leave_Call``; bare references (dtypes, base classes, annotations) in ``leave_Attribute`` / ``leave_Name``.
"""
from __future__ import annotations

import libcst as cst

from mscore.rewrite.classify import Match, match_method, match_qualified
from mscore.rewrite.context import Ctx, NoMatch, Unconvertible
from mscore.rewrite.syntax import cst_dotted_name as dotted_name
from mscore.rewrite.syntax import cst_receiver_kind as receiver_kind
from mscore.rewrite.transforms import CALL_TRANSFORMS, calls, out_arg


class UnitRewriter(cst.CSTTransformer):
    def __init__(self, ctx: Ctx, depth: int = 0):
        super().__init__()
        self.ctx = ctx
        self.depth = depth
        self.not_refs: set[int] = set()     # Name nodes that are not references (attr names, keywords, params)
        self.inner: set[int] = set()        # chain parts below the top of an attribute chain
        self.call_funcs: set[int] = set()
        self.shadow: list[set[str]] = []
        self.type_refs: set[int] = set()    # class references checked by isinstance/issubclass
        self.field_calls: dict[int, tuple[str, ...]] = {}   # converted calls whose torch result is a named tuple

    # -- bookkeeping ----------------------------------------------------------------------------------------
    def visit_Attribute(self, node: cst.Attribute) -> None:
        self.not_refs.add(id(node.attr))
        if isinstance(node.value, (cst.Name, cst.Attribute)):
            self.inner.add(id(node.value))

    def visit_Arg(self, node: cst.Arg) -> None:
        if node.keyword is not None:
            self.not_refs.add(id(node.keyword))

    def visit_Call(self, node: cst.Call) -> None:
        self.call_funcs.add(id(node.func))
        if isinstance(node.func, cst.Name) and node.func.value in ("isinstance", "issubclass") and len(node.args) >= 2:
            types = node.args[1].value
            elements = types.elements if isinstance(types, (cst.Tuple, cst.List)) else []
            self.type_refs.update(id(e.value) for e in elements)
            self.type_refs.add(id(types))

    def visit_Lambda(self, node: cst.Lambda) -> None:
        names = {p.name.value for p in (*node.params.params, *node.params.kwonly_params, *node.params.posonly_params)}
        for p in (node.params.star_arg, node.params.star_kwarg):
            if isinstance(p, cst.Param):
                names.add(p.name.value)
        for p in (*node.params.params, *node.params.kwonly_params, *node.params.posonly_params):
            self.not_refs.add(id(p.name))
        self.shadow.append(names)

    def leave_Lambda(self, original_node, updated_node):
        self.shadow.pop()
        return updated_node

    def _comp(self, node) -> None:
        names: set[str] = set()
        f = node.for_in
        while f is not None:
            for n in _names(f.target):
                names.add(n)
            f = f.inner_for_in
        self.shadow.append(names)

    visit_ListComp = visit_SetComp = visit_GeneratorExp = visit_DictComp = _comp

    def _pop(self, original_node, updated_node):
        self.shadow.pop()
        return updated_node

    leave_ListComp = leave_SetComp = leave_GeneratorExp = leave_DictComp = _pop

    # -- resolution -----------------------------------------------------------------------------------------
    def _resolve(self, node: cst.BaseExpression) -> tuple[str, str] | None:
        """(qualified torch name, root alias) for a torch-rooted Name/Attribute chain."""
        dotted = dotted_name(node)
        if dotted is None:
            return None
        root, _, rest = dotted.partition(".")
        if any(root in s for s in self.shadow):
            return None
        q = self.ctx.aliases.get(root)
        if q is None:
            return None
        return (f"{q}.{rest}" if rest else q), root

    # -- bare references ------------------------------------------------------------------------------------
    def _reference(self, original: cst.BaseExpression, updated: cst.BaseExpression) -> cst.BaseExpression:
        if id(original) in self.not_refs:
            return updated
        if id(original) in self.inner:
            # inside a longer chain: a torch-rooted prefix (torch.nn of torch.nn.Linear) is no reference of its own,
            # but a tensor property is (p.grad of p.grad.zero_(), as the locator counts it)
            if isinstance(original, cst.Attribute) and self._resolve(original) is None \
                    and not self.ctx.is_ms_receiver(original.value):
                m = match_method(self.ctx.rules, original.attr.value, called=False,
                                 receiver=receiver_kind(original.value))
                if m is not None:
                    return self._map_property(m, updated)
            return updated
        called = id(original) in self.call_funcs
        resolved = self._resolve(original)
        if resolved is not None:
            if called:
                return updated        # leave_Call handles it
            q, root = resolved
            m = match_qualified(self.ctx.rules, q, called=False)
            type_check = id(original) in self.type_refs or self.ctx.annotation
            return self._map_reference(m, updated, root, type_check=type_check)
        if isinstance(original, cst.Attribute) and not called and not self.ctx.is_ms_receiver(original.value):
            m = match_method(self.ctx.rules, original.attr.value, called=False, receiver=receiver_kind(original.value))
            if m is not None:
                return self._map_property(m, updated)
        return updated

    def _map_reference(self, m: Match, updated, root: str, type_check: bool = False) -> cst.BaseExpression:
        ctx = self.ctx
        if m.rule is None:
            ctx.fail(m.api, "no MindSpore mapping known", root)
            return updated
        if m.rule.unsupported:
            ctx.fail(m.api, m.rule.note, root)
            return updated
        if m.rule.target is None or (m.rule.sig is not None and m.rule.needs_call and not type_check):
            ctx.fail(m.api, "used without a call, so its arguments cannot be adapted", root)
            return updated
        ctx.ok(m.api, root)
        return ctx.target(m.rule.target + m.suffix)

    def _map_property(self, m: Match, updated: cst.Attribute) -> cst.BaseExpression:
        rule = m.rule
        if rule.unsupported:
            self.ctx.fail(m.api, rule.note)
            return updated
        self.ctx.ok(m.api)
        if rule.target == rule.method_name:
            return updated
        if rule.qualified_target:
            return cst.Call(func=self.ctx.target(rule.target), args=[cst.Arg(updated.value)])
        return updated.with_changes(attr=cst.Name(rule.target))

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.BaseExpression:
        return self._reference(original_node, updated_node)

    def leave_Attribute(self, original_node: cst.Attribute, updated_node: cst.Attribute) -> cst.BaseExpression:
        fields = self.field_calls.get(id(updated_node.value))
        if fields and original_node.attr.value in fields:
            # torch's named tuple (torch.return_types.max) is a plain tuple in MindSpore: .values -> [0]
            index = cst.Integer(str(fields.index(original_node.attr.value)))
            return cst.Subscript(value=updated_node.value, slice=[cst.SubscriptElement(cst.Index(index))])
        training = self.ctx.training
        if training and original_node.attr.value == "grad":
            alias = training.grad_alias
            if isinstance(original_node.value, cst.Name) and original_node.value.value in alias \
                    and not any(original_node.value.value in s for s in self.shadow):
                self.ctx.ok("Tensor.grad")
                return cst.Name(alias[original_node.value.value])   # p.grad in a loop zipped with the gradients
            if training.grad_unmapped:
                self.ctx.fail("Tensor.grad", "MindSpore parameters have no .grad: only p.grad in a for over the "
                              "optimizer's parameters maps to the value_and_grad gradients")
                return updated_node
        return self._reference(original_node, updated_node)

    # -- calls ----------------------------------------------------------------------------------------------
    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        ctx = self.ctx
        resolved = self._resolve(original_node.func)
        if resolved is not None:
            q, root = resolved
            if q.startswith(UNBOUND) and "." not in q[len(UNBOUND):]:
                out = self._unbound(q[len(UNBOUND):], updated_node, root)
                if out is not None:
                    return out
            m = match_qualified(ctx.rules, q, called=True)
            if m.rule is None:
                ctx.fail(m.api, "no MindSpore mapping known", root)
                return updated_node
            if m.rule.unsupported:
                ctx.fail(m.api, m.rule.note, root)
                return updated_node
            if m.suffix:   # a call on an attribute of a mapped name (torch.distributed.ReduceOp.SUM(...)?)
                ctx.ok(m.api, root)
                return updated_node.with_changes(func=ctx.target(m.rule.target + m.suffix))
            return self._fields(m, original_node, self._apply(m, updated_node, root, method=False))
        func = original_node.func
        if isinstance(func, cst.Attribute) and not ctx.is_ms_receiver(func.value):
            m = match_method(ctx.rules, func.attr.value, called=True, receiver=receiver_kind(func.value))
            if m is None:
                return updated_node
            if m.rule.unsupported:
                ctx.fail(m.api, m.rule.note)
                return updated_node
            if m.rule.is_identity:
                try:
                    args = calls.adapt_args(ctx, m.rule, updated_node.args)
                except Unconvertible:
                    return updated_node   # not the torch method (does not fit its signature): not a torch reference
                ctx.ok(m.api)
                if len(args) != len(updated_node.args) or any(a is not b for a, b in zip(args, updated_node.args)):
                    updated_node = updated_node.with_changes(args=args)   # x.view(size=s) -> x.view(s)
                return self._fields(m, original_node, updated_node)
            return self._fields(m, original_node, self._apply(m, updated_node, None, method=True))
        return updated_node

    def _unbound(self, name: str, call: cst.Call, root: str) -> cst.BaseExpression | None:
        """``torch.Tensor.size(x, 1)`` is ``x.size(1)``: the unbound method called with its receiver first is
        re-spelled as the method call and converted by the ``Tensor.<name>`` rule (``x.shape[1]``). None when no
        rule takes it: the call is then ``mindspore.Tensor.<name>(x, ...)``, as a bare ``torch.Tensor`` maps."""
        ctx = self.ctx
        args = call.args
        if not args or args[0].star or args[0].keyword is not None or any(a.star for a in args[1:]):
            return None
        m = match_method(ctx.rules, name, called=True, receiver="other")
        if m is None or m.rule is None or m.rule.unsupported:
            return None
        receiver = args[0].value
        if not isinstance(receiver, (cst.Name, cst.Attribute, cst.Call, cst.Subscript)) and not receiver.lpar:
            receiver = receiver.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
        rest = list(args[1:])
        method_call = call.with_changes(func=cst.Attribute(value=receiver, attr=cst.Name(name)),
                                        args=calls.fix_commas(rest, args) if rest else [])
        if m.rule.is_identity:
            try:
                new_args = calls.adapt_args(ctx, m.rule, method_call.args)
            except Unconvertible:
                return None
            ctx.ok(m.api, root)
            return self._fields(m, method_call, method_call.with_changes(args=new_args))
        events, used = len(ctx.events), set(ctx.used)
        out = self._apply(m, method_call, root, method=True)
        if out is method_call:   # the rule did not take it
            del ctx.events[events:]
            ctx.used = used
            return None
        return self._fields(m, method_call, out)

    def _fields(self, m: Match, original: cst.Call, out: cst.BaseExpression) -> cst.BaseExpression:
        """Remember a converted call whose torch result has named fields (``leave_Attribute`` indexes them)."""
        if m.rule.fields and "out" not in {a.keyword.value for a in original.args if a.keyword is not None}:
            self.field_calls[id(out)] = m.rule.fields
        return out

    def _settle(self, node: cst.BaseExpression) -> cst.BaseExpression:
        """Run the rules once more over a template's output (``init.zeros_(w)`` → ``w.zero_()`` → the in-place
        rule's form), so converting the converted file again changes nothing. Its events are not counted: they are
        not references in the user's source."""
        inner = Ctx(self.ctx.rules, {}, self.ctx.profile)
        out = node.visit(UnitRewriter(inner, self.depth + 1))
        if any(not ev.converted for ev in inner.events):
            return node
        self.ctx.used |= inner.used
        return out

    def _apply(self, m: Match, call: cst.Call, root: str | None, method: bool) -> cst.BaseExpression:
        ctx = self.ctx
        rule = m.rule
        used_before = set(ctx.used)
        try:
            target_out = None
            inner = call
            if out_arg.applies(rule):   # out=: the call without it, then the result written into out
                inner, target_out = out_arg.split(rule, call)
            if rule.transform in CALL_TRANSFORMS:
                out = CALL_TRANSFORMS[rule.transform](ctx, rule, inner, m.suffix)
                if rule.transform == "template" and self.depth < 2:
                    out = self._settle(out)
            elif method:
                out = calls.emit_method(ctx, rule, inner)
            else:
                out = calls.emit_function(ctx, rule, inner, m.suffix)
            if target_out is not None:
                out = out_arg.wrap(ctx, target_out, out)
        except Unconvertible as exc:
            ctx.used = used_before
            if method and isinstance(exc, NoMatch):
                return call     # does not fit the method's torch signature: not a torch call at all
            ctx.fail(m.api, str(exc), root)
            return call
        ctx.ok(m.api, root)
        return out


UNBOUND = "torch.Tensor."   # torch.Tensor.<method>(x, ...): the unbound method, x its receiver


def _names(target: cst.BaseExpression) -> list[str]:
    if isinstance(target, cst.Name):
        return [target.value]
    if isinstance(target, (cst.Tuple, cst.List)):
        return [n for el in target.elements for n in _names(el.value)]
    if isinstance(target, cst.StarredElement):
        return _names(target.value)
    return []
