"""The torch side of a parity case: runs in the test process (torch imported lazily)."""
from __future__ import annotations

import contextlib
import importlib
import sys
import traceback
import types
from typing import Any, Iterator

import numpy as np

from mscore.parity.values import Arr, DType, Mapping, Opaque, Seq, dtype_name, from_numpy, map_arrays, to_seed

COTANGENT_SEED = "parity-cotangent"


def _torch():
    import torch

    return torch


def to_torch(value: Any) -> Any:
    """Exchanged inputs (:class:`Arr`, nested in lists/tuples/dicts) -> torch tensors, fresh copies."""
    torch = _torch()

    def leaf(a: Arr):
        t = torch.from_numpy(np.array(a.data, copy=True))
        return t.to(getattr(torch, a.dtype)) if a.dtype == "bfloat16" else t

    return map_arrays(value, leaf)


def normalize(value: Any) -> Any:
    """A torch-side result -> framework-neutral value (see :mod:`mscore.parity.values`)."""
    torch = _torch()
    if isinstance(value, torch.Tensor):
        t = value.detach().cpu()
        if t.is_conj():
            t = t.resolve_conj()
        name = dtype_name(t.dtype)
        data = t.float().numpy() if name == "bfloat16" else t.numpy()
        return Arr(name, tuple(t.shape), np.array(data, copy=True))
    if isinstance(value, torch.dtype):
        return DType(dtype_name(value))
    if isinstance(value, np.ndarray):
        return from_numpy(value.copy())
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (bool, int, float, complex, str, bytes, type(None))):
        return value
    if isinstance(value, (tuple, list)):  # torch.Size, named tuples (torch.return_types.*) included
        return Seq([normalize(v) for v in value], "list" if isinstance(value, list) else "tuple")
    if isinstance(value, dict):
        return Mapping({k: normalize(v) for k, v in value.items()})
    return Opaque(type(value).__qualname__, repr(value)[:200])


def float_leaves(value: Any) -> list:
    """Floating-point tensors in ``value`` in a fixed order (the order cotangents are applied in, on both sides)."""
    torch = _torch()
    if isinstance(value, torch.Tensor):
        return [value] if value.is_floating_point() else []
    if isinstance(value, (tuple, list)):
        return [leaf for v in value for leaf in float_leaves(v)]
    if isinstance(value, dict):
        return [leaf for v in value.values() for leaf in float_leaves(v)]
    return []


_MISSING = object()


def _standin(path: str, undo: list) -> types.ModuleType:
    mod = types.ModuleType(path, f"mscore parity stand-in for {path} (torch-side references only)")
    sys.modules[path] = mod
    undo.append(lambda: sys.modules.pop(path, None))
    return mod


def _set(owner: Any, attr: str, value: Any, undo: list) -> None:
    """Set ``owner.attr`` and remember how to put back exactly what was there (an own attribute, an inherited one
    on a class, or nothing)."""
    own = getattr(owner, "__dict__", {})
    had_own = attr in own
    old = own[attr] if had_own else None
    setattr(owner, attr, value)
    undo.append(lambda: setattr(owner, attr, old) if had_own else delattr(owner, attr))


def _owner(path: str, undo: list) -> Any:
    """The object ``path`` names (``torch_npu``, ``torch.cuda``, ``torch.Tensor``), walking attributes first, then
    submodule imports; what does not exist here (torch_npu on a CPU machine) becomes an empty stand-in module for
    the duration of the case."""
    parts = path.split(".")
    try:
        obj = importlib.import_module(parts[0])
    except ImportError:
        obj = _standin(parts[0], undo)
    current = parts[0]
    for part in parts[1:]:
        current = f"{current}.{part}"
        nxt = getattr(obj, part, _MISSING)
        if nxt is _MISSING:
            try:
                nxt = importlib.import_module(current)
            except ImportError:
                nxt = _standin(current, undo)
                _set(obj, part, nxt, undo)
        obj = nxt
    return obj


@contextlib.contextmanager
def references(refs: dict[str, Any]) -> Iterator[None]:
    """Temporarily make each qualified name in ``refs`` (``torch_npu.npu_rms_norm``, ``torch.cuda.current_device``,
    ``torch.Tensor.cuda``) resolve to the given torch reference on the torch side; everything is restored after."""
    undo: list = []
    try:
        for qual, value in refs.items():
            owner_path, attr = qual.rsplit(".", 1)
            _set(_owner(owner_path, undo), attr, value, undo)
        yield
    finally:
        for fn in reversed(undo):
            fn()


@contextlib.contextmanager
def isolated() -> Iterator[None]:
    """Put back the process-wide torch state a case may change (default dtype, grad mode, RNG), so one case
    (``torch.set_default_dtype``, ``torch.set_grad_enabled(False)``) cannot change the next."""
    torch = _torch()
    dtype, grad, rng = torch.get_default_dtype(), torch.is_grad_enabled(), torch.get_rng_state()
    try:
        yield
    finally:
        torch.set_default_dtype(dtype)
        torch.set_grad_enabled(grad)
        torch.set_rng_state(rng)


def run_snippet(source: str, inputs: dict[str, Any], refs: dict[str, Any] | None = None) -> dict:
    with isolated(), references(refs or {}):
        return _run_snippet(source, inputs)


def run_module(source: str, inputs: dict[str, Any], *, grad: bool, train: bool,
               refs: dict[str, Any] | None = None) -> dict:
    with isolated(), references(refs or {}):
        return _run_module(source, inputs, grad=grad, train=train)


def _compile(source: str):
    """The case's code object; its source is registered with linecache, so what reads a function's source (TorchScript,
    inspect.getsource) finds it as it would in a file."""
    import linecache

    name = "<torch case>"
    linecache.cache[name] = (len(source), None, source.splitlines(True), name)
    return compile(source, name, "exec")


def _run_snippet(source: str, inputs: dict[str, Any]) -> dict:
    """Run a Case's torch module; ``{"ok": True, "value", "inputs_after"}`` or ``{"ok": False, "error"}``."""
    torch = _torch()
    torch.manual_seed(0)
    ns: dict[str, Any] = {"__name__": "mscore_parity_torch_case"}
    tin = {k: to_torch(v) for k, v in inputs.items()}
    ns.update(tin)
    try:
        exec(_compile(source), ns)
        value = ns["out"]
        return {"ok": True, "value": normalize(value), "inputs_after": {k: normalize(v) for k, v in tin.items()}}
    except Exception:  # noqa: BLE001 - reported to the case
        return {"ok": False, "error": traceback.format_exc()}


def _run_module(source: str, inputs: dict[str, Any], *, grad: bool, train: bool) -> dict:
    """Run a ModuleCase's torch module: state_dict, forward, and gradients of sum(out * cotangent)."""
    torch = _torch()
    torch.manual_seed(0)
    ns: dict[str, Any] = {"__name__": "mscore_parity_torch_case"}
    try:
        exec(_compile(source), ns)
        m = ns["m"]
        if not isinstance(m, torch.nn.Module):
            return {"ok": False, "error": f"`m` is a {type(m).__qualname__}, not a torch.nn.Module"}
        m.train(train)
        state = {k: normalize(v) for k, v in m.state_dict().items()}
        names = list(inputs)
        tin = {k: to_torch(v) for k, v in inputs.items()}
        grad_inputs = [k for k, v in tin.items()
                       if grad and isinstance(v, torch.Tensor) and v.is_floating_point()]
        for k in grad_inputs:
            tin[k].requires_grad_(True)
        out = ns["_parity_forward"](m, *[tin[k] for k in names])
        result = {"ok": True, "state": state, "value": normalize(out), "grad_inputs": grad_inputs,
                  "cotangents": [], "input_grads": {}, "param_grads": {}}
        if not grad:
            return result
        leaves = float_leaves(out)
        rng = np.random.default_rng(to_seed(COTANGENT_SEED))
        cots = [rng.standard_normal(tuple(leaf.shape)).astype(np.float32) for leaf in leaves]
        result["cotangents"] = [from_numpy(c) for c in cots]
        if not leaves:
            return result
        loss = sum((leaf * torch.from_numpy(c).to(leaf.dtype)).sum() for leaf, c in zip(leaves, cots))
        params = [(n, p) for n, p in m.named_parameters() if p.requires_grad]
        if not grad_inputs and not params:
            return result
        if loss.requires_grad:     # outputs that do not depend on anything differentiable have zero gradients
            loss.backward()
        for k in grad_inputs:
            g = tin[k].grad
            result["input_grads"][k] = normalize(g if g is not None else torch.zeros_like(tin[k]))
        for n, p in params:
            result["param_grads"][n] = normalize(p.grad if p.grad is not None else torch.zeros_like(p))
        return result
    except Exception:  # noqa: BLE001
        return {"ok": False, "error": traceback.format_exc()}
