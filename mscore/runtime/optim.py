"""torch.optim.Optimizer's protocol on MindSpore's optimizer base, for optimizers the converted code defines itself.

MindSpore's ``mindspore.experimental.optim.Optimizer`` keeps torch's ``param_groups`` and ``defaults`` but is a Cell:
it has no per-parameter ``state``, and its ``state_dict()`` / ``load_state_dict()`` are the Cell's (parameter names
-> tensors). Code written against torch's base uses all three: MindSpeed's AdamW (``self.state[p]``), Megatron's
DistributedOptimizer (``optimizer.load_state_dict(optimizer.state_dict())`` at construction, ``optimizer.state``
when it checkpoints). :class:`Optimizer` adds them with torch's meaning:

- ``state``: a ``defaultdict(dict)`` keyed by parameter;
- ``state_dict()``: ``{"state": {index: {...}}, "param_groups": [{..., "params": [index, ...]}]}``, parameters
  numbered in group order (what ``torch.save`` of an optimizer holds);
- ``load_state_dict(sd)``: the groups' hyper-parameters and the state of the parameter at each index, floating
  state tensors cast to the parameter's dtype (``step`` kept), the current parameters kept in their groups;
- ``zero_grad(set_to_none=True)``: every parameter's ``.grad`` cleared (mscore_rt.autograd's ``.grad``).

``isinstance(opt, Optimizer)`` is true for every MindSpore optimizer too (``isinstance(opt, torch.optim.Optimizer)``
checks any optimizer, also ``mindspore.experimental.optim.AdamW``).
"""
from __future__ import annotations

import copy
from collections import defaultdict
from itertools import chain

import mindspore as ms

__all__ = ["Optimizer"]

_Base = ms.experimental.optim.Optimizer


class _OptimizerMeta(type(_Base)):
    def __instancecheck__(cls, obj) -> bool:
        if cls is Optimizer:
            return isinstance(obj, _Base)
        return super().__instancecheck__(obj)

    def __subclasscheck__(cls, sub) -> bool:
        if cls is Optimizer:
            return issubclass(sub, _Base)
        return super().__subclasscheck__(sub)


class Optimizer(_Base, metaclass=_OptimizerMeta):
    """``torch.optim.Optimizer`` as a base class: MindSpore's optimizer base plus torch's ``state`` and its
    ``state_dict`` / ``load_state_dict`` / ``zero_grad``."""

    def __init__(self, params, defaults):
        super().__init__(params, defaults)
        self.state = defaultdict(dict)

    def _index(self) -> dict:
        out, n = {}, 0
        for group in self.param_groups:
            for p in group["params"]:
                if id(p) not in out:
                    out[id(p)] = n
                    n += 1
        return out

    def state_dict(self):
        index = self._index()
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            packed["params"] = [index[id(p)] for p in group["params"]]
            groups.append(packed)
        params = {id(p): p for g in self.param_groups for p in g["params"]}
        state = {index[key]: value for key, value in
                 ((id(p), v) for p, v in self.state.items()) if key in params}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict, *args, **kwargs):
        saved = copy.deepcopy(state_dict["param_groups"])
        groups = self.param_groups
        if len(groups) != len(saved):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match the size of "
                             "optimizer's group")
        id_map = dict(zip(chain.from_iterable(s["params"] for s in saved),
                          chain.from_iterable(g["params"] for g in groups)))
        state = defaultdict(dict)
        for k, v in state_dict["state"].items():
            if k in id_map:
                param = id_map[k]
                state[param] = {key: _cast(param, key, value) for key, value in v.items()}
            else:
                state[k] = v
        new_groups = []
        for group, s in zip(groups, saved):
            s["params"] = group["params"]
            new_groups.append(s)
        self.param_groups = new_groups
        self.state = state

    def zero_grad(self, set_to_none: bool = True) -> None:
        from mscore_rt import autograd

        for group in self.param_groups:
            for p in group["params"]:
                g = autograd.grad_of(p)
                if g is None:
                    continue
                if set_to_none:
                    autograd.set_grad(p, None)
                else:
                    g.zero_()


def _cast(param, key, value):
    """torch's policy: floating state tensors follow the parameter's dtype, ``step`` stays as saved."""
    if key != "step" and isinstance(value, ms.Tensor) and ms.ops.is_floating_point(value) \
            and value.dtype != param.dtype:
        return value.astype(param.dtype)
    return value
