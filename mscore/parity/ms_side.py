"""The MindSpore side of a parity case: runs only inside the worker process (``_worker.py``), where torch is
blocked. Mirrors :mod:`mscore.parity.torch_side`."""
from __future__ import annotations

import linecache
import sys
import traceback
from typing import Any

import mindspore as ms
import numpy as np

from mscore.parity import rt_alias
from mscore.parity.values import Arr, DType, Mapping, Opaque, Seq, dtype_name, from_numpy, map_arrays

rt_alias.install()   # converted snippets import mscore_rt.<module> (mscore/runtime/)


def to_ms(value: Any) -> Any:
    return map_arrays(value, lambda a: ms.Tensor(np.array(a.data, copy=True),
                                                 dtype=getattr(ms, a.dtype if a.dtype != "bool" else "bool_")))


def normalize(value: Any) -> Any:
    if isinstance(value, ms.Tensor):
        name = dtype_name(value.dtype)
        t = value.astype(ms.float32) if name == "bfloat16" else value
        data = t.asnumpy()
        return Arr(name, tuple(value.shape), np.array(data, copy=True))
    if isinstance(value, ms.dtype.Type):
        return DType(dtype_name(value))
    if isinstance(value, np.ndarray):
        return from_numpy(value.copy())
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (bool, int, float, complex, str, bytes, type(None))):
        return value
    if isinstance(value, (tuple, list)):
        return Seq([normalize(v) for v in value], "list" if isinstance(value, list) else "tuple")
    if isinstance(value, dict):
        return Mapping({k: normalize(v) for k, v in value.items()})
    return Opaque(type(value).__qualname__, repr(value)[:200])



def float_leaves(value: Any) -> list:
    if isinstance(value, ms.Tensor):
        return [value] if dtype_name(value.dtype).startswith(("float", "bfloat")) else []
    if isinstance(value, (tuple, list)):
        return [leaf for v in value for leaf in float_leaves(v)]
    if isinstance(value, dict):
        return [leaf for v in value.values() for leaf in float_leaves(v)]
    return []


SOURCE_NAME = "<converted case>"


def _tb() -> str:
    """The current exception's traceback from the first converted-code frame on (harness frames are noise)."""
    etype, exc, tb = sys.exc_info()
    frames = traceback.extract_tb(tb)
    start = next((i for i, f in enumerate(frames) if f.filename == SOURCE_NAME), 0)
    lines = ["Traceback (most recent call last):\n"] + traceback.format_list(frames[start:])
    return "".join(lines + traceback.format_exception_only(etype, exc))


def _exec(source: str, inputs: dict[str, Any]) -> dict[str, Any]:
    linecache.cache[SOURCE_NAME] = (len(source), None, source.splitlines(True), SOURCE_NAME)
    ms.set_seed(0)
    ns: dict[str, Any] = {"__name__": "mscore_parity_case"}
    ns.update(inputs)
    exec(compile(source, SOURCE_NAME, "exec"), ns)
    return ns


def isolated(fn):
    """Put back the MindSpore execution mode a case may change (``set_context(mode=GRAPH_MODE)``)."""
    def wrapper(msg: dict) -> dict:
        mode = ms.get_context("mode")
        try:
            return fn(msg)
        finally:
            if ms.get_context("mode") != mode:
                ms.set_context(mode=mode)
    return wrapper


@isolated
def run_snippet(msg: dict) -> dict:
    try:
        mins = {k: to_ms(v) for k, v in msg["inputs"].items()}
        ns = _exec(msg["source"], mins)
        if "out" not in ns:
            return {"ok": False, "error": "the converted code did not assign `out`"}
        return {"ok": True, "value": normalize(ns["out"]), "inputs_after": {k: normalize(v) for k, v in mins.items()}}
    except BaseException:  # noqa: BLE001 - everything but a crash is reported back
        return {"ok": False, "error": _tb()}


@isolated
def run_module(msg: dict) -> dict:
    stage = "build"
    try:
        ns = _exec(msg["source"], {})
        m = ns.get("m")
        if not isinstance(m, ms.nn.Cell):
            return {"ok": False, "error": f"the converted `m` is a {type(m).__qualname__}, not a mindspore.nn.Cell"}
        stage = "state_dict"
        own = m.state_dict()
        keys = {k: tuple(v.shape) for k, v in own.items()}
        torch_state: dict[str, Arr] = msg["state"]
        result: dict[str, Any] = {"ok": True, "keys": keys, "load_problems": []}
        if set(keys) != set(torch_state):
            return result
        for k, arr in torch_state.items():
            if tuple(arr.shape) != keys[k]:
                result["load_problems"].append(f"{k}: torch shape {list(arr.shape)}, mindspore {list(keys[k])}")
        if result["load_problems"]:
            return result
        new = {k: ms.Tensor(np.array(arr.data, copy=True), dtype=own[k].dtype) for k, arr in torch_state.items()}
        m.load_state_dict(new, strict=True)
        m.set_train(bool(msg["train"]))
        stage = "forward"
        names = list(msg["inputs"])
        mins = {k: to_ms(v) for k, v in msg["inputs"].items()}
        fwd = ns["_parity_forward"]
        out = fwd(m, *[mins[k] for k in names])
        result["value"] = normalize(out)
        result["input_grads"], result["param_grads"] = {}, {}
        if not msg["grad"]:
            return result
        stage = "gradients"
        cots = [to_ms(c) for c in msg["cotangents"]]
        grad_inputs = list(msg["grad_inputs"])
        params = [(n, p) for n, p in m.parameters_and_names() if p.requires_grad]
        if not cots or (not grad_inputs and not params):
            return result

        def loss_fn(*float_vals):
            vals = dict(mins)
            vals.update(zip(grad_inputs, float_vals))
            leaves = float_leaves(fwd(m, *[vals[k] for k in names]))
            if len(leaves) != len(cots):
                raise ValueError(f"the converted module returns {len(leaves)} float tensors, torch {len(cots)}")
            total = None
            for leaf, c in zip(leaves, cots):
                term = (leaf * c.astype(leaf.dtype)).sum()
                total = term if total is None else total + term
            return total

        gp = tuple(range(len(grad_inputs))) or None
        weights = [p for _, p in params] or None
        _, g = ms.value_and_grad(loss_fn, grad_position=gp, weights=weights)(*[mins[k] for k in grad_inputs])
        if gp is not None and weights is not None:
            g_in, g_w = g
        elif gp is not None:
            g_in, g_w = g, ()
        else:
            g_in, g_w = (), g
        if gp is not None and not isinstance(g_in, (tuple, list)):
            g_in = (g_in,)
        result["input_grads"] = {k: normalize(v) for k, v in zip(grad_inputs, g_in)}
        result["param_grads"] = {n: normalize(v) for (n, _), v in zip(params, g_w)}
        return result
    except BaseException:  # noqa: BLE001
        return {"ok": False, "error": f"[{stage}] " + _tb()}
