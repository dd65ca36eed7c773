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

:class:`Adam` / :class:`AdamW` (what ``torch.optim.Adam`` / ``AdamW`` convert to) are MindSpore's own optimizers
with torch's ``state_dict()`` / ``load_state_dict()`` in place of the Cell's: the Cell's holds the model's parameters
and the moments under MindSpore's names but not the step count (``state_step``), and loading it back into the
optimizer fails (its keys are not the Cell's own), so a training run could neither save nor resume its optimizer.
Here ``state_dict()`` is ``{"state": {i: {"step", "exp_avg", "exp_avg_sq"[, "max_exp_avg_sq"]}}, "param_groups":
[{..., "lr": float, "params": [i, ...]}]}`` (the moments are the optimizer's own tensors, as torch's are), and
``load_state_dict`` writes the moments and the step back into the optimizer's own parameters and restores each
group's hyper-parameters: a resumed run continues exactly.

``isinstance(opt, Optimizer)`` is true for every MindSpore optimizer too (``isinstance(opt, torch.optim.Optimizer)``
checks any optimizer, also ``mindspore.experimental.optim.AdamW``).
"""
from __future__ import annotations

import copy
from collections import defaultdict
from itertools import chain

import mindspore as ms

__all__ = ["Optimizer", "Adam", "AdamW"]

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


def _plain(value):
    """A group's hyper-parameter as torch holds it (MindSpore keeps ``lr`` as a 0-d Parameter)."""
    if isinstance(value, ms.Tensor) and value.ndim == 0:
        return value.item()
    return value


class _TorchStateDict:
    """torch's ``state_dict`` / ``load_state_dict`` for MindSpore's Adam family: the moments live in ParameterTuples
    (``exp_avg`` ...) in the order of ``self.parameters`` (the groups' parameters, group by group), and one step
    counter (``state_step``) serves every parameter."""

    _MOMENTS = ("exp_avg", "exp_avg_sq", "max_exp_avg_sq")

    def _flat(self):
        return [p for group in self.param_groups for p in group["params"]]

    def state_dict(self):
        flat = self._flat()
        amsgrad = any(g.get("amsgrad") for g in self.param_groups)
        moments = [m for m in self._MOMENTS if m != "max_exp_avg_sq" or amsgrad]
        step = float(self.state_step.asnumpy())
        state = {}
        if step > 0:
            for i in range(len(flat)):
                entry = {"step": ms.Tensor(step, ms.float32)}
                for m in moments:
                    entry[m] = getattr(self, m)[i]    # the live tensor, as torch's state_dict holds it
                state[i] = entry
        groups, n = [], 0
        for group in self.param_groups:
            packed = {k: _plain(v) for k, v in group.items() if k != "params"}
            packed["params"] = list(range(n, n + len(group["params"])))
            n += len(group["params"])
            groups.append(packed)
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict, *args, **kwargs):
        saved = state_dict["param_groups"]
        if len(self.param_groups) != len(saved):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(self.param_groups, saved)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match the size of "
                             "optimizer's group")
        position = {k: i for i, k in enumerate(chain.from_iterable(s["params"] for s in saved))}
        for group, s in zip(self.param_groups, saved):
            for k, v in s.items():
                if k != "params":
                    group[k] = v
        step = None
        for k, entry in state_dict["state"].items():
            i = position[k]
            for m in self._MOMENTS:
                if m in entry:
                    target = getattr(self, m)[i]
                    _write(target, ms.Tensor(_numpy(entry[m]), target.dtype))
            if "step" in entry:
                step = entry["step"]
        step = 0 if step is None else int(round(float(_numpy(step))))
        _write(self.state_step, ms.Tensor(step, self.state_step.dtype))


def _write(param, value):
    """Into the parameter's own memory (``set_data`` would hand the step counter a tensor that MindSpore's in-place
    AssignAdd then refuses as a view)."""
    with ms._no_grad():
        ms.ops.assign(param, value)


def _numpy(value):
    return value.asnumpy() if isinstance(value, ms.Tensor) else value


class Adam(_TorchStateDict, ms.experimental.optim.Adam):
    """``torch.optim.Adam``: MindSpore's Adam with torch's update and torch's optimizer ``state_dict`` format.

    ``mindspore.experimental.optim.Adam`` runs the ``Adam`` kernel, which folds the bias corrections into the step
    size and adds ``eps`` to the uncorrected ``sqrt(v)`` (the paper's "epsilon hat" form; its docstring warns it is
    not the paper's formula) and ignores ``amsgrad``: where a gradient is comparable to ``eps`` the update differs
    from torch's -- a gradient of 1e-9 moved a weight 6.5x less than torch's first step. The update here is torch's:
    ``m / (1 - b1^t) / (sqrt(v) / sqrt(1 - b2^t) + eps)``, L2 ``weight_decay`` added to the gradient, ``maximize``
    and ``amsgrad`` (the running maximum of ``v``) as torch applies them."""

    def construct(self, gradients):
        self.assignadd(self.state_step, self.increase_tensor)
        step = self.state_step.astype(ms.float32)
        with ms._no_grad():
            for group_id, group in enumerate(self.param_groups):
                lr = self.lrs[group_id]
                if isinstance(group.get("lr"), float):
                    lr = ms.Tensor(group["lr"], ms.float32)
                beta1, beta2 = group["betas"]
                eps, weight_decay = group["eps"], group["weight_decay"]
                bias1 = 1 - ms.ops.pow(ms.Tensor(beta1, ms.float32), step)
                bias2_sqrt = ms.ops.sqrt(1 - ms.ops.pow(ms.Tensor(beta2, ms.float32), step))
                for i in range(self.group_start_id[group_id], self.group_start_id[group_id + 1]):
                    param, grad = self.parameters[i], gradients[i]
                    if grad is None:
                        continue
                    grad = -grad if group.get("maximize") else grad
                    if weight_decay:
                        grad = grad + weight_decay * param
                    exp_avg, exp_avg_sq = self.exp_avg[i], self.exp_avg_sq[i]
                    exp_avg.copy_(exp_avg * beta1 + grad * (1 - beta1))
                    exp_avg_sq.copy_(exp_avg_sq * beta2 + grad * grad * (1 - beta2))
                    second = exp_avg_sq
                    if group.get("amsgrad"):
                        self.max_exp_avg_sq[i].copy_(ms.ops.maximum(self.max_exp_avg_sq[i], exp_avg_sq))
                        second = self.max_exp_avg_sq[i]
                    denom = ms.ops.sqrt(second) / bias2_sqrt + eps
                    param.copy_(param - (lr / bias1).astype(param.dtype) * exp_avg / denom)
        return True


class AdamW(_TorchStateDict, ms.experimental.optim.AdamW):
    """``torch.optim.AdamW``: MindSpore's AdamW with torch's optimizer ``state_dict`` format."""
