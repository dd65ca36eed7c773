"""The torch training step → MindSpore's functional gradients (a statement-level transform).

torch records a tape and leaves gradients on the parameters; MindSpore differentiates a function. The recognised
shape, within one statement block (a function body, a loop body, ...)::

    outputs = model(**batch)            # the forward: the simple statements before the backward that the loss
    loss = outputs["loss"]              # depends on (walking back while a statement assigns a needed name)
    optimizer.zero_grad()               # anywhere in the block: removed (MindSpore gradients are fresh each call),
                                        # but that of another optimizer stepped in the block (on the tape)
    loss.backward()
    norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)   # optional, before the step
    for name, p in model.named_parameters(): ... p.grad ...                # optional reads of the gradients
    optimizer.step()

becomes::

    def _mscore_forward(batch):                      # names the forward both reads first and assigns are parameters
        outputs = model(**batch)
        loss = outputs["loss"]
        return loss, (outputs,)                      # every other name it assigns comes back out
    (loss, (outputs,)), _mscore_grads = ms.value_and_grad(_mscore_forward, None, optimizer.parameters,
                                                          has_aux=True)(batch)
    _mscore_grads = list(_mscore_grads)
    norm = <clip of _mscore_grads in place, returning torch's total norm>
    for (name, p), _mscore_grad in zip(model.named_parameters(), _mscore_grads): ... _mscore_grad ...
    optimizer(tuple(_mscore_grads))

When the block sits in a loop (``for`` / ``while``) the closure and ``value_and_grad`` are built once, before the
outermost enclosing loop that never rebinds the optimizer's name, holds no other backward, and follows a binding of
the optimizer (a parameter, or an assignment above the loop); names the loop rebinds and the forward reads (the
loop target, a batch fetched in the body) become parameters of the closure. Each iteration then only calls
``_mscore_grad_fn(...)``. A def reads its free names when called, so moving it out of the loop changes nothing it
sees; only ``optimizer.parameters`` is read once, which is why a rebound optimizer keeps the per-step form.

The gradient list is in the optimizer's parameter order (``optimizer.parameters`` of a
``mindspore.experimental.optim`` optimizer). The clip (``transforms/clip_grad_norm.py``, the rule's named
transform) only converts inside a recognised step and when its parameters are provably the optimizer's (same source
expression as the optimizer's constructor argument in the same function); norm_type 2 only. Its arithmetic is
torch's: total = sqrt(sum of squares, in float32 -- a float32 gradient is not cast again), every gradient scaled by
min(max_norm / (total + 1e-6), 1). ``p.grad`` maps to the
gradient only in a ``for`` over ``R.parameters()`` / ``R.named_parameters()`` when the optimizer was built from
``R.parameters()`` (same order); any other ``.grad`` read after the backward leaves the block on the tape.
A shape that is not recognised is converted statement by statement by the ordinary rules onto MindSpore's tape
(``mscore_rt.autograd``: ``backward``, ``.grad``, ``step``, ``clip_grad_norm_``; docs/autograd.md). When the
forward assigns nothing but the loss, no ``has_aux`` is used.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field, replace
from typing import Callable

from mscore.rewrite.context import TrainingStep
from mscore.rewrite.statements import LocatorView
from mscore.rewrite.syntax import dotted_name

GRADS = "_mscore_grads"
GRAD = "_mscore_grad"
FORWARD = "_mscore_forward"
GRAD_FN = "_mscore_grad_fn"
CLIP = "torch.nn.utils.clip_grad_norm_"

# -- statement level: what the locator asks ----------------------------------------------------------------------


@dataclass
class Plan:
    """What one recognised training step changes."""

    consumed: set[int] = field(default_factory=set)                 # id(stmt): removed or replaced, no unit
    consumed_apis: list[str] = field(default_factory=list)
    stmt_ctx: dict[int, TrainingStep] = field(default_factory=dict)  # id(stmt) -> Ctx.training for its units
    edits: list[tuple[int, int, str]] = field(default_factory=list)
    wraps: list[tuple[int, int, Callable]] = field(default_factory=list)
    used: set[str] = field(default_factory=set)

    def note(self, stmt: ast.stmt, **changes) -> None:
        """Record what the units of ``stmt`` know (fields of :class:`TrainingStep`)."""
        self.stmt_ctx[id(stmt)] = replace(self.stmt_ctx.get(id(stmt), TrainingStep()), **changes)


def _method_stmt(st: ast.stmt, name: str) -> ast.expr | None:
    """The receiver of a statement ``<recv>.<name>()`` (no arguments), else None."""
    if isinstance(st, ast.Expr) and isinstance(st.value, ast.Call) and isinstance(st.value.func, ast.Attribute):
        c = st.value
        if c.func.attr == name and not c.args and (name == "zero_grad" or not c.keywords):
            return c.func.value
    return None


def _stores(st: ast.AST) -> list[str]:
    out = []
    for n in ast.walk(st):
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store) and n.id not in out:
            out.append(n.id)
    return out


def _loads(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def _stmt_reads_then_writes(st: ast.stmt) -> tuple[set[str], list[str]]:
    if isinstance(st, ast.AugAssign):
        target = {st.target.id} if isinstance(st.target, ast.Name) else set()
        return _loads(st.value) | _loads(st.target) | target, _stores(st)
    return _loads(st), _stores(st)


_SIMPLE = (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.Expr)


def _has_multiline_string(st: ast.stmt) -> bool:
    return any(isinstance(n, (ast.Constant, ast.JoinedStr)) and n.end_lineno != n.lineno
               and (isinstance(n, ast.JoinedStr) or isinstance(n.value, (str, bytes))) for n in ast.walk(st))


def _nested_stmts(stmts: list[ast.stmt]):
    for st in stmts:
        yield st
        if isinstance(st, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        for name in ("body", "orelse", "finalbody"):
            block = getattr(st, name, None)
            if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
                yield from _nested_stmts(block)
        for h in getattr(st, "handlers", ()) or ():
            yield from _nested_stmts(h.body)


def find(view: LocatorView, stmts: list[ast.stmt], scope, fn: ast.AST | None) -> Plan | None:
    """Recognise a training step in ``stmts`` (one block) of the file ``view`` shows."""
    if any(n in view.other_names for n in (GRADS, GRAD, FORWARD, GRAD_FN)):
        return None
    for i, st in enumerate(stmts):
        loss = _method_stmt(st, "backward")
        if isinstance(loss, ast.Name):
            plan = _plan(view, stmts, i, loss.id, scope, fn)
            if plan is not None:
                return plan
    return None


def _optimizer_params(opt: ast.expr, scope, fn: ast.AST | None) -> ast.expr | None:
    """The params argument of ``opt = torch.optim.X(params, ...)`` in the enclosing function (or module)."""
    if fn is None:
        return None
    want = dotted_name(opt)
    for n in ast.walk(fn):
        if isinstance(n, ast.Assign) and len(n.targets) == 1 and dotted_name(n.targets[0]) == want \
                and isinstance(n.value, ast.Call):
            dotted = dotted_name(n.value.func)
            if dotted is None:
                continue
            root, _, rest = dotted.partition(".")
            q = scope.resolve(root)
            if q is None or not f"{q}.{rest}".startswith("torch.optim."):
                continue
            if n.value.args:
                return n.value.args[0]
            for k in n.value.keywords:
                if k.arg == "params":
                    return k.value
    return None


def _plan(view: LocatorView, stmts, i, loss, scope, fn) -> Plan | None:
    step_at = next((j for j in range(i + 1, len(stmts)) if _method_stmt(stmts[j], "step") is not None), None)
    if step_at is None:
        return None
    opt = _method_stmt(stmts[step_at], "step")
    opt_src = dotted_name(opt)
    if opt_src is None:
        return None
    # another optimizer stepped in this block (a GAN's second step, left to the tape: mscore_rt.autograd) keeps its
    # zero_grad: its .grad is real there
    stepped_elsewhere = {dotted_name(_method_stmt(s, "step")) for s in stmts
                         if s is not stmts[step_at] and _method_stmt(s, "step") is not None} - {opt_src}

    def ours(st: ast.stmt) -> bool:
        recv = _method_stmt(st, "zero_grad")
        return recv is not None and dotted_name(recv) not in stepped_elsewhere

    # the forward: walk back from the backward while a statement assigns a name the loss needs
    need = {loss}
    k = i
    zero = []
    while k > 0:
        prev = stmts[k - 1]
        if ours(prev):
            zero.append(prev)
            k -= 1
            continue
        if not isinstance(prev, _SIMPLE):
            break
        reads, writes = _stmt_reads_then_writes(prev)
        if not set(writes) & need:
            break
        need |= reads
        k -= 1
    region = [s for s in stmts[k:i] if s not in zero]
    if not region or loss not in {n for s in region for n in _stores(s)}:
        return None
    lines = [(s.lineno, s.end_lineno) for s in stmts[k:i + 1]]
    if any(a[1] >= b[0] for a, b in zip(lines, lines[1:])) or any(_has_multiline_string(s) for s in region):
        return None   # statements sharing a line, or a string the re-indentation would change
    assigned: list[str] = []
    params: list[str] = []
    for s in region:
        reads, writes = _stmt_reads_then_writes(s)
        for r in sorted(reads):
            if r not in assigned and r not in params:
                params.append(r)
        for w in writes:
            if w not in assigned:
                assigned.append(w)
    params = [p for p in params if p in assigned]
    declared = {n for node in ast.walk(fn) if isinstance(node, (ast.Global, ast.Nonlocal)) for n in node.names} \
        if fn is not None else set()
    if declared & set(assigned):
        return None   # the closure would make a global/nonlocal name local
    aux = [n for n in assigned if n != loss]

    plan = Plan()
    off, text = view.lines, view.text
    first = stmts[k]
    line_start = off.starts[first.lineno - 1]
    indent = text[line_start:off(first.lineno, first.col_offset)]
    if indent.strip():
        return None
    end_line = stmts[i].end_lineno
    region_end = off.starts[end_line] if end_line < len(off.starts) else len(text)
    newline = re.search(r"\r\n|\r|\n", text[line_start:])
    nl = newline.group(0) if newline else "\n"
    # the region's text minus the zero_grad lines in it (comments and blank lines between statements stay)
    bw_start = off.starts[stmts[i].lineno - 1]
    spans, pos = [], line_start
    for z in sorted(zero, key=lambda z: z.lineno):
        z0, z1 = _line_span(view, z)
        if z0 > pos:
            spans.append((pos, z0))
        pos = z1
    if bw_start > pos:
        spans.append((pos, bw_start))
    unit = "\t" if "\t" in indent else "    "   # the file's own indentation style: mixing tabs and spaces is a TabError
    loop = _hoist_loop(view, stmts, k, i, opt_src, fn, indent)
    if loop is not None:
        # names the loop rebinds (its target, a batch fetched in the body) are passed in, not closed over
        rebound = {n.id for n in _walk_here(loop) if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load)}
        for s in region:
            for r in sorted(_stmt_reads_then_writes(s)[0]):
                if r in rebound and r not in assigned and r not in params:
                    params.append(r)
    call_args = ", ".join(params)
    aux_t = "(" + ", ".join(aux) + ("," if len(aux) == 1 else "") + ")"
    if aux:
        ret, target, extra = f"{loss}, {aux_t}", f"({loss}, {aux_t})", ", has_aux=True"
    else:
        ret, target, extra = loss, loss, ""
    grad_fn = f"__mscore_ms__.value_and_grad({FORWARD}, None, {opt_src}.parameters{extra})"

    def forward_def(converted, inner: str) -> list[str]:
        """The closure over the region's converted text; ``inner`` is the indentation of its body."""
        body = []
        for a, b in spans:
            chunk = converted(a, b)
            for ln in chunk.splitlines(keepends=True):
                if not ln.strip():
                    body.append(ln)
                elif ln.startswith(indent):   # re-based on the closure body's indentation
                    body.append(inner + ln[len(indent):])
                else:   # a continuation line inside brackets: its indentation does not matter
                    body.append(unit + ln if inner == indent + unit else ln)
        if body and not body[-1].endswith(("\n", "\r")):
            body[-1] += nl
        outer = inner[:-len(unit)]
        return [f"{outer}def {FORWARD}({call_args}):{nl}", *body, f"{inner}return {ret}{nl}"]

    if loop is None:
        def build(converted: Callable[[int, int], str]) -> str:
            out = [*forward_def(converted, indent + unit),
                   f"{indent}{target}, {GRADS} = {grad_fn}({call_args}){nl}",
                   f"{indent}{GRADS} = list({GRADS}){nl}"]
            return "".join(out)
        wrap_start = line_start
    else:
        # once per training loop: the closure and its gradient function are built before the (outermost
        # eligible) loop; each iteration only calls it. A def inside a function reads its free names when called,
        # so moving it out of the loop changes nothing it sees; the optimizer's parameters are read once.
        wrap_start = off.starts[loop.lineno - 1]
        loop_indent = text[wrap_start:off(loop.lineno, loop.col_offset)]

        def build(converted: Callable[[int, int], str]) -> str:
            out = [*forward_def(converted, loop_indent + unit),
                   f"{loop_indent}{GRAD_FN} = {grad_fn}{nl}",
                   converted(wrap_start, line_start),
                   f"{indent}{target}, {GRADS} = {GRAD_FN}({call_args}){nl}",
                   f"{indent}{GRADS} = list({GRADS}){nl}"]
            return "".join(out)

    plan.used.add("ms")
    plan.consumed.add(id(stmts[i]))
    plan.consumed_apis.append("Tensor.backward")
    # zero_grad anywhere in this block goes; the step becomes a call with the gradients
    for s in stmts:
        if ours(s) and s is not stmts[i]:
            plan.consumed.add(id(s))
            plan.consumed_apis.append("Module.zero_grad")
            if s not in zero:
                plan.wraps.append((*_line_span(view, s), lambda converted: ""))
    for s in zero:
        plan.consumed.add(id(s))
    plan.wraps.append((wrap_start, region_end, build))
    st = stmts[step_at]
    plan.consumed.add(id(st))
    plan.edits.append((off(st.lineno, st.col_offset), off(st.end_lineno, st.end_col_offset),
                       f"{opt_src}(tuple({GRADS}))"))
    # clip and .grad reads between the backward and the end of the block
    opt_params = _optimizer_params(opt, scope, fn)
    for s in _nested_stmts(stmts[i + 1:]):
        _clip_ctx(view, plan, s, scope, opt_params)
        if isinstance(s, ast.For):
            _grad_loop(view, plan, s, opt_params)
    # any other .grad read after the backward (a parameter the optimizer does not hold, a gradient read outside a
    # loop over the optimizer's parameters) sees what torch's tape left there, which value_and_grad does not
    # produce: the block stays on MindSpore's tape (mscore_rt.autograd), where .grad is torch's
    for s in _nested_stmts(stmts[i + 1:]):
        alias = plan.stmt_ctx.get(id(s), TrainingStep()).grad_alias
        if id(s) not in plan.consumed and any(
                isinstance(n, ast.Attribute) and n.attr == "grad" and isinstance(n.ctx, ast.Load)
                and not (isinstance(n.value, ast.Name) and n.value.id in alias) for n in _own_nodes(s)):
            return None
    return plan


def _own_nodes(st: ast.stmt):
    """The nodes of ``st`` outside the statements nested in it (those are visited on their own)."""
    todo = list(ast.iter_child_nodes(st))
    while todo:
        n = todo.pop()
        if isinstance(n, ast.stmt):
            continue
        yield n
        todo.extend(ast.iter_child_nodes(n))


def _line_span(view: LocatorView, s: ast.stmt) -> tuple[int, int]:
    off = view.lines
    return off.line_start(s.lineno), off.line_end(s.end_lineno)


def _clip_ctx(view: LocatorView, plan: Plan, s: ast.stmt, scope, opt_params) -> None:
    for n in ast.walk(s):
        if isinstance(n, ast.Call):
            dotted = dotted_name(n.func)
            if dotted is None:
                continue
            root, _, rest = dotted.partition(".")
            q = scope.resolve(root)
            if q is None or (f"{q}.{rest}" if rest else q) != CLIP:
                continue
            plan.note(s, grads=GRADS)
            given = n.args[0] if n.args else next((k.value for k in n.keywords if k.arg == "parameters"), None)
            if opt_params is None or given is None or ast.dump(given) != ast.dump(opt_params):
                plan.note(s, clip_error="cannot prove the clipped parameters are the optimizer's (build the "
                                        "optimizer from the same expression in this function)")


def _grad_loop(view: LocatorView, plan: Plan, s: ast.For, opt_params) -> None:
    it = s.iter
    if not (isinstance(it, ast.Call) and isinstance(it.func, ast.Attribute) and not it.args and not it.keywords
            and it.func.attr in ("parameters", "named_parameters")):
        return
    if not (isinstance(opt_params, ast.Call) and isinstance(opt_params.func, ast.Attribute)
            and opt_params.func.attr == "parameters" and not opt_params.args and not opt_params.keywords
            and ast.dump(opt_params.func.value) == ast.dump(it.func.value)):
        return
    t = s.target
    if it.func.attr == "named_parameters":
        if not (isinstance(t, ast.Tuple) and len(t.elts) == 2 and isinstance(t.elts[1], ast.Name)):
            return
        pname = t.elts[1].id
    elif isinstance(t, ast.Name):
        pname = t.id
    else:
        return
    if any(pname in _stores(b) for b in s.body) or any(GRAD in _stores(b) for b in s.body):
        return
    off = view.lines
    ts, te = off(t.lineno, t.col_offset), off(t.end_lineno, t.end_col_offset)
    ist, ie = off(it.lineno, it.col_offset), off(it.end_lineno, it.end_col_offset)
    if isinstance(t, ast.Tuple):
        plan.edits += [(ts, ts, "("), (te, te, f"), {GRAD}")]
    else:
        plan.edits.append((te, te, f", {GRAD}"))
    plan.edits += [(ist, ist, "zip("), (ie, ie, f", {GRADS})")]
    for b in _nested_stmts(s.body):
        known = plan.stmt_ctx.get(id(b), TrainingStep())
        plan.note(b, grad_alias={**known.grad_alias, pname: GRAD})


def _ancestors(root: ast.AST, block: list[ast.stmt]) -> list[ast.stmt] | None:
    """The statements whose blocks lead from ``root``'s body to ``block`` (outermost first), not crossing a nested
    def or class; None when ``block`` is not reached."""
    def blocks(st):
        for name in ("body", "orelse", "finalbody"):
            b = getattr(st, name, None)
            if isinstance(b, list) and b and isinstance(b[0], ast.stmt):
                yield b
        for h in getattr(st, "handlers", ()) or ():
            yield h.body
        for c in getattr(st, "cases", ()) or ():
            yield c.body

    def search(stmts, path):
        if stmts is block:
            return path
        for st in stmts:
            if isinstance(st, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                continue
            for b in blocks(st):
                found = search(b, path + [st])
                if found is not None:
                    return found
        return None

    return search(root.body, [])


def _walk_here(node: ast.AST):
    """ast.walk without entering nested defs, lambdas or classes."""
    todo = [node]
    while todo:
        n = todo.pop()
        yield n
        for c in ast.iter_child_nodes(n):
            if not isinstance(c, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
                todo.append(c)


def _hoist_loop(view: LocatorView, stmts, k, i, opt_src: str, fn, indent: str) -> ast.stmt | None:
    """The outermost loop around this step's block that the closure and its gradient function can be built before:
    the optimizer's name is bound before the loop and never rebound in it, the loop holds no other backward, and its
    indentation is a prefix of the step's. None: build them in the step, as written (always correct)."""
    root = fn if fn is not None else view.tree
    path = _ancestors(root, stmts)
    if not path:
        return None
    opt_root = opt_src.split(".")[0]
    fn_params = set()
    if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
        a = fn.args
        fn_params = {x.arg for x in [*a.posonlyargs, *a.args, *a.kwonlyargs, a.vararg, a.kwarg] if x is not None}
    off, text = view.lines, view.text
    best = None
    for anc in reversed(path):
        if not isinstance(anc, (ast.For, ast.While)):
            continue
        inside = list(_walk_here(anc))
        if any(isinstance(n, ast.Name) and n.id == opt_root and not isinstance(n.ctx, ast.Load) for n in inside):
            break
        if sum(1 for n in inside if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
               and n.func.attr == "backward") != 1:
            break
        bound_before = opt_root in fn_params or any(
            isinstance(n, ast.Name) and n.id == opt_root and isinstance(n.ctx, ast.Store) and n.lineno < anc.lineno
            for n in _walk_here(root))
        if not bound_before:
            break
        start = off.starts[anc.lineno - 1]
        loop_indent = text[start:off(anc.lineno, anc.col_offset)]
        if loop_indent.strip() or not indent.startswith(loop_indent) or len(indent) <= len(loop_indent):
            break
        best = anc
    return best
