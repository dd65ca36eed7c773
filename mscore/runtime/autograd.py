"""torch's imperative autograd (``loss.backward()``, ``.grad``, ``retain_grad``, ``torch.autograd.grad``, grad mode)
on MindSpore's own PyNative tape.

MindSpore 2.10 records a grad node for each PyNative op once its executor's *grad flag* is on, and its C++ engine
(``run_backward``) walks that graph and accumulates into each leaf tensor's ``_grad`` -- the same design as torch's.
It has no public ``Tensor.backward``; this module is the one place converted code reaches the private names
(``_pynative_executor``, ``_c_expression.run_backward``, ``Tensor._grad`` / ``_requires_grad`` / ``_is_leaf`` /
``_grad_node``). Why the tape and not ``mindspore.value_and_grad``: ``docs/autograd.md``.

Every function takes what torch's takes and falls back to plain attribute access for objects that are not
MindSpore tensors (the converter cannot see receiver types: ``args.grad`` stays ``args.grad``). The grad-mode
switches (``torch.enable_grad`` / ``set_grad_enabled`` / ``is_grad_enabled``) are ``grad_mode``'s; this module
makes them switch recording on as well (``grad_mode.on_enable``).
"""
from __future__ import annotations

import mindspore
from mindspore import Parameter, Tensor, mint
from mindspore._c_expression import run_backward as _engine_run_backward
from mindspore.graph.api import _pynative_executor as _executor

from . import grad_mode

__all__ = [
    "clip_grad_value_",
    "backward", "grad", "run_backward", "grad_of", "set_grad", "retain_grad", "retains_grad", "register_hook",
    "requires_grad_", "grad_fn", "zero_grad", "step",
    "clip_grad_norm_", "record",
]

_RETAINED = "_mscore_retained_grad"     # attribute holding a retain_grad() hook's accumulated gradient


def record() -> None:
    """Switch op recording on (idempotent). Called on import, after every ``mindspore.value_and_grad`` /
    ``mindspore.grad`` call (which switch the flag off when they finish) and by every entry point here."""
    if not _executor.grad_flag():
        _executor.set_grad_flag(True)


def _rearm_after_functional_grad() -> None:
    """``mindspore.value_and_grad`` / ``mindspore.grad`` switch the grad flag off when their forward ends, and
    leave it off. Once the tape is in use, recording resumes after each of their calls (the executor's ``grad``,
    the last step of both; graph mode never goes through it), so a program mixing a recognised training step with
    tape ``backward`` calls (a GAN's two optimizers in one loop) keeps recording."""
    inner = _executor.grad
    if getattr(inner, "_mscore_rearms", False):
        return

    def grad(*args, **kwargs):
        try:
            return inner(*args, **kwargs)
        finally:
            record()

    grad._mscore_rearms = True
    _executor.grad = grad


record()
_rearm_after_functional_grad()
# torch.enable_grad / set_grad_enabled(True) (mscore_rt.grad_mode) re-arm recording too, once the tape is in use
grad_mode.on_enable(record)


def _tensors(value, what: str) -> tuple:
    if value is None:
        return ()
    if isinstance(value, Tensor):
        return (value,)
    if isinstance(value, (tuple, list)):
        return tuple(value)
    raise TypeError(f"{what} must be a Tensor or a sequence of Tensors, got {type(value).__name__}")


def _make_grads(outputs: tuple, grads, what: str) -> tuple:
    """torch's rule for the seed gradients: None means ones, allowed only for a one-element output."""
    given = (None,) * len(outputs) if grads is None else (
        (grads,) if isinstance(grads, Tensor) else tuple(grads))
    if len(given) != len(outputs):
        raise RuntimeError(f"{what}: got {len(given)} gradients for {len(outputs)} outputs")
    for t, g in zip(outputs, given):
        if g is None and t.size != 1:
            raise RuntimeError("grad can be implicitly created only for scalar outputs")
    if all(g is None for g in given):
        return ()       # the engine seeds every output with ones itself
    return tuple(mindspore.ops.ones_like(t) if g is None else g if isinstance(g, Tensor)
                 else mindspore.Tensor(g, dtype=t.dtype) for t, g in zip(outputs, given))


def _check_outputs(outputs: tuple) -> None:
    for i, t in enumerate(outputs):
        if not isinstance(t, Tensor):
            raise TypeError(f"element {i} of tensors is a {type(t).__name__}, not a Tensor")
        if t._grad_node is None and not t._requires_grad:
            raise RuntimeError(
                f"element {i} of tensors does not require grad and does not have a grad_fn (if it was computed "
                "from tensors that require grad, op recording was off at the time: mindspore.value_and_grad / "
                "mindspore.grad switch it off when they return; mscore_rt.autograd.record() switches it on)")


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, grad_variables=None, inputs=None):
    """``torch.autograd.backward`` / ``Tensor.backward``: accumulate d(tensors)/d(leaf) into every leaf's ``.grad``
    (only into ``inputs`` when given)."""
    if grad_variables is not None:      # torch's deprecated name for grad_tensors
        grad_tensors = grad_variables if grad_tensors is None else grad_tensors
    outputs = _tensors(tensors, "tensors")
    _check_outputs(outputs)
    seeds = _make_grads(outputs, grad_tensors, "backward")
    keep = create_graph if retain_graph is None else bool(retain_graph)
    _engine_run_backward(outputs, seeds, keep, bool(create_graph), _tensors(inputs, "inputs"))
    record()


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, only_inputs=True,
         allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """``torch.autograd.grad``: the gradients of ``outputs`` w.r.t. ``inputs``, returned (nothing accumulated)."""
    if is_grads_batched:
        raise NotImplementedError("torch.autograd.grad(is_grads_batched=True) has no MindSpore counterpart")
    outs = _tensors(outputs, "outputs")
    ins = _tensors(inputs, "inputs")
    _check_outputs(outs)
    seeds = _make_grads(outs, grad_outputs, "grad")
    keep = create_graph if retain_graph is None else bool(retain_graph)
    unused_ok = bool(allow_unused) or bool(materialize_grads)
    if len(ins) > 1 and any(not i._is_leaf for i in ins):
        # MindSpore's engine stops at a non-leaf input, so an input that is its ancestor would get nothing (torch
        # differentiates through it): one pass per input, keeping the graph for all but the last
        res = []
        for k, inp in enumerate(ins):
            last = k == len(ins) - 1
            res.append(tuple(_engine_run_backward(outs, seeds, keep if last else True, bool(create_graph), (inp,),
                                                  unused_ok, accumulate_grad=False))[0])
    else:
        res = _engine_run_backward(outs, seeds, keep, bool(create_graph), ins, unused_ok, accumulate_grad=False)
    record()
    res = tuple(res)
    if materialize_grads:
        res = tuple(mindspore.ops.zeros_like(i) if g is None else g for i, g in zip(ins, res))
    return res


def run_backward(tensors, grad_tensors, keep_graph, create_graph, inputs, allow_unreachable=True,
                 accumulate_grad=True):
    """torch's engine entry point (``Variable._execution_engine.run_backward``, used by Megatron's
    ``custom_backward``): no shape check between an output and its gradient, same arguments."""
    outputs = _tensors(tensors, "tensors")
    _check_outputs(outputs)
    seeds = _make_grads(outputs, grad_tensors, "run_backward")
    res = _engine_run_backward(outputs, seeds, bool(keep_graph), bool(create_graph), _tensors(inputs, "inputs"),
                               bool(allow_unreachable), accumulate_grad=bool(accumulate_grad))
    record()
    return None if accumulate_grad else tuple(res)


# -------------------------------------------------------------------------------------------------- .grad
def grad_of(t):
    """``t.grad``: a leaf's accumulated gradient, a ``retain_grad()`` tensor's retained one, else None."""
    if not isinstance(t, Tensor):
        return t.grad
    if not t._is_leaf:
        return getattr(t, _RETAINED, None)
    return t._grad


def set_grad(t, value) -> None:
    """``t.grad = value`` (``None`` clears it; the next backward then starts from zero)."""
    if not isinstance(t, Tensor):
        t.grad = value
        return
    if value is not None and not isinstance(value, Tensor):
        raise TypeError(f"assigned grad must be a Tensor or None, got {type(value).__name__}")
    if not t._is_leaf:
        setattr(t, _RETAINED, value)
        return
    t._grad = value


def retain_grad(t):
    """``t.retain_grad()``: keep a non-leaf tensor's gradient in its ``.grad`` (accumulated across backward calls,
    as torch does). A no-op on a leaf. Done with a tensor hook: MindSpore's own ``_retain_grad`` clones the gradient
    with a kernel the CPU build lacks, and a hook behaves the same on every backend."""
    if not isinstance(t, Tensor):
        return t.retain_grad()
    if t._is_leaf:
        if not t._requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        return None
    if getattr(t, "_mscore_retains", False):
        return None

    t._mscore_retains = True
    _hook_retained(t)
    return None


def _hook_retained(t) -> None:
    def keep(g, ref=t):
        old = getattr(ref, _RETAINED, None)
        setattr(ref, _RETAINED, g if old is None else old + g)
        return g

    t._mscore_retain_handle = t.register_hook(keep)


def register_hook(t, hook):
    """``t.register_hook(hook)``: MindSpore's (hooks may return None: the gradient is then unchanged), except
    that a ``retain_grad()`` tensor keeps its retaining hook last, so ``.grad`` sees every hook's result as in
    torch whatever the registration order."""
    if not isinstance(t, Tensor):
        return t.register_hook(hook)
    handle = t.register_hook(hook)
    if getattr(t, "_mscore_retains", False) and not t._is_leaf:
        t._mscore_retain_handle.remove()
        _hook_retained(t)
    return handle


def retains_grad(t) -> bool:
    """``t.retains_grad``."""
    if not isinstance(t, Tensor):
        return t.retains_grad
    return bool(getattr(t, "_mscore_retains", False))


# ------------------------------------------------------------------------------------- requires_grad / leaves
def requires_grad_(t, requires_grad=True):
    """``t.requires_grad_(flag)`` returning ``t`` (MindSpore's returns None, which breaks
    ``x = t.detach().requires_grad_()``). On a Cell it sets every parameter's flag, like ``Module.requires_grad_``."""
    if isinstance(t, mindspore.nn.Cell):
        for p in t.get_parameters():
            p.requires_grad = bool(requires_grad)
        return t
    if not isinstance(t, Tensor):
        return t.requires_grad_(requires_grad)
    if not requires_grad and not t._is_leaf:
        raise RuntimeError("you can only change requires_grad flags of leaf variables. If you want to use a "
                           "computed variable in a subgraph that doesn't require differentiation use "
                           "var_no_grad = var.detach().")
    if isinstance(t, Parameter):
        t.requires_grad = bool(requires_grad)
    else:
        t.requires_grad_(bool(requires_grad))
    record()
    return t


def grad_fn(t):
    """``t.grad_fn``: the grad node that produced ``t`` (None for a leaf or an unrecorded tensor). MindSpore's
    node has ``name()``, ``next_functions`` and ``register_hook`` / ``register_prehook``."""
    if not isinstance(t, Tensor):
        return t.grad_fn
    return None if t._is_leaf else t._grad_node


# ------------------------------------------------------------------------------------- optimizer / module
def _optimizer_params(obj, method: str = "step"):
    """The parameters of a ``mindspore.experimental.optim`` optimizer, or None for anything else -- also for an
    optimizer class that defines ``method`` itself (a converted torch optimizer such as MindSpeed's AdamW, built on
    ``mscore_rt.optim.Optimizer``: its own ``step`` / ``zero_grad`` run)."""
    from mindspore.experimental.optim import Optimizer

    if isinstance(obj, Optimizer) and not hasattr(type(obj), method):
        return list(obj.parameters)
    return None


def zero_grad(obj, *args, **kwargs):
    """``optimizer.zero_grad(set_to_none=True)`` / ``module.zero_grad(...)`` for a MindSpore optimizer or Cell
    (clears the tape's ``.grad``); any other object's own ``zero_grad`` is called."""
    params = _optimizer_params(obj, "zero_grad")
    if params is None and isinstance(obj, mindspore.nn.Cell) and not hasattr(type(obj), "zero_grad"):
        params = list(obj.get_parameters())
    if params is None:
        return obj.zero_grad(*args, **kwargs)
    set_to_none = kwargs.get("set_to_none", args[0] if args else True)
    for p in params:
        g = p._grad
        if g is None:
            continue
        if set_to_none:
            p._grad = None
        else:
            g.zero_()
    return None


def step(obj, *args, **kwargs):
    """``optimizer.step(closure=None)`` for a ``mindspore.experimental.optim`` optimizer: it is called with the
    gradients the tape left in each parameter's ``.grad`` (a parameter without one gets zeros; torch skips it, which
    differs only with weight decay or momentum). Any other object's own ``step`` is called."""
    params = _optimizer_params(obj)
    if params is None:
        return obj.step(*args, **kwargs)
    closure = kwargs.get("closure", args[0] if args else None)
    loss = None
    if closure is not None:
        with grad_mode.enable_grad():
            loss = closure()
    grads = tuple(p._grad if p._grad is not None else mindspore.ops.zeros_like(p) for p in params)
    obj(grads)
    return loss


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """``torch.nn.utils.clip_grad_norm_`` on the tape's ``.grad``: torch's arithmetic (the norm of the per-gradient
    norms; every gradient scaled by min(max_norm / (total + 1e-6), 1)), returns the total norm. The scaled gradient
    replaces ``.grad`` (torch scales it in place)."""
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    params = [p for p in parameters if grad_of(p) is not None]
    if not params:
        return mindspore.Tensor(0.0, mindspore.float32)
    norm_type = float(norm_type)
    grads = [grad_of(p) for p in params]
    if norm_type == float("inf"):
        norms = [g.abs().max() for g in grads]
        total = mint.stack(norms).max()
    else:
        norms = [mint.linalg.vector_norm(g, norm_type) for g in grads]
        total = mint.linalg.vector_norm(mint.stack(norms), norm_type)
    if error_if_nonfinite and not bool(mint.isfinite(total)):
        raise RuntimeError(f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, "
                           "so it cannot be clipped. To disable this error and scale the gradients by the "
                           "non-finite norm anyway, set `error_if_nonfinite=False`")
    coef = mint.clamp(max_norm / (total + 1e-6), max=1.0)
    for p, g in zip(params, grads):
        set_grad(p, g * coef.astype(g.dtype))
    return total


def clip_grad_value_(parameters, clip_value, foreach=None):
    """``torch.nn.utils.clip_grad_value_`` on the tape's ``.grad``: every gradient clamped to
    [-clip_value, clip_value] (torch clamps in place; the clamped gradient replaces ``.grad``)."""
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    clip_value = float(clip_value)
    for p in parameters:
        g = grad_of(p)
        if g is not None:
            set_grad(p, mint.clamp(g, -clip_value, clip_value))
