"""torch's autocast context and its autograd-Function decorators.

MindSpore 2.10 has no autocast *context*: mixed precision is set per Cell (``mindspore.amp.auto_mixed_precision``,
``Cell.to_float``), where it casts the inputs of the listed operators. So ``autocast`` here is a context manager and
decorator that casts nothing: ``autocast(..., enabled=False)`` (a region forced to full precision) is exact, and an
enabled region computes in the tensors' own dtypes — operators torch's autocast runs in lower precision
(matmul, linear, conv) stay in the precision of their inputs (float32 stays float32). Set mixed precision on the
Cell to get it back.

``custom_fwd`` / ``custom_bwd`` only carry the autocast state of a Function's forward into its backward (and, with
``cast_inputs``, cast its inputs when autocast is on); with no autocast state to carry they return the function
as it is. As decorators the converter removes them (rule field ``decorator = "drop"``).

``GradScaler`` is torch's dynamic loss scaler on the tape's ``.grad`` (``mscore_rt.autograd``): ``enabled=False``
makes every method the identity / a plain optimizer step, as torch's.
"""
from __future__ import annotations

import contextlib

__all__ = ["GradScaler", "autocast", "custom_fwd", "custom_bwd", "is_autocast_enabled"]


class autocast(contextlib.ContextDecorator):
    """torch.autocast / torch.amp.autocast / torch.cuda.amp.autocast / torch.npu.amp.autocast (see the module)."""

    def __init__(self, device_type=None, dtype=None, enabled=True, cache_enabled=None):
        self.device_type, self.fast_dtype, self.enabled = device_type, dtype, bool(enabled)

    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


def is_autocast_enabled(*args) -> bool:
    """No autocast region is ever active."""
    return False


def custom_fwd(fwd=None, *, device_type=None, cast_inputs=None):
    """torch.amp.custom_fwd / torch.cuda.amp.custom_fwd: ``@custom_fwd`` and ``@custom_fwd(cast_inputs=...)``."""
    if fwd is None:
        return lambda fn: fn
    return fwd


def custom_bwd(bwd=None, *, device_type=None):
    """torch.amp.custom_bwd / torch.cuda.amp.custom_bwd."""
    if bwd is None:
        return lambda fn: fn
    return bwd


class GradScaler:
    """torch.amp.GradScaler / torch.cuda.amp.GradScaler on MindSpore's tape: ``scale`` multiplies the loss by the
    scale, ``unscale_`` divides the optimizer's ``.grad`` by it and notes non-finite values, ``step`` skips the step
    when there were any, ``update`` backs the scale off after an overflow and grows it after ``growth_interval``
    clean steps. Disabled (``enabled=False``) it scales nothing, ``step`` is ``optimizer.step()``, the scale is 1."""

    def __init__(self, init_scale=2.0 ** 16, growth_factor=2.0, backoff_factor=0.5, growth_interval=2000,
                 enabled=True):
        self._enabled = bool(enabled)
        self._scale, self._growth_factor, self._backoff_factor = float(init_scale), growth_factor, backoff_factor
        self._growth_interval, self._growth_tracker = growth_interval, 0
        self._per_optimizer = {}

    def is_enabled(self):
        return self._enabled

    def get_scale(self):
        return self._scale if self._enabled else 1.0

    def scale(self, outputs):
        if not self._enabled:
            return outputs
        if isinstance(outputs, (list, tuple)):
            return type(outputs)(self.scale(o) for o in outputs)
        return outputs * self._scale

    def unscale_(self, optimizer):
        if not self._enabled:
            return
        from mindspore import mint

        from . import autograd
        state = self._per_optimizer.setdefault(id(optimizer), {"unscaled": False, "found_inf": False})
        if state["unscaled"]:
            raise RuntimeError("unscale_() has already been called on this optimizer since the last update().")
        found = False
        for group in optimizer.param_groups:
            for p in group["params"]:
                g = autograd.grad_of(p)
                if g is None:
                    continue
                g = g / self._scale
                found = found or not bool(mint.isfinite(g).all())
                autograd.set_grad(p, g)
        state.update(unscaled=True, found_inf=found)

    def step(self, optimizer, *args, **kwargs):
        from . import autograd
        if not self._enabled:
            return autograd.step(optimizer, *args, **kwargs)
        state = self._per_optimizer.get(id(optimizer))
        if state is None or not state["unscaled"]:
            self.unscale_(optimizer)
            state = self._per_optimizer[id(optimizer)]
        return None if state["found_inf"] else autograd.step(optimizer, *args, **kwargs)

    def update(self, new_scale=None):
        if not self._enabled:
            return
        if new_scale is not None:
            self._scale = float(new_scale)
        elif any(s["found_inf"] for s in self._per_optimizer.values()):
            self._scale *= self._backoff_factor
            self._growth_tracker = 0
        else:
            self._growth_tracker += 1
            if self._growth_tracker == self._growth_interval:
                self._scale *= self._growth_factor
                self._growth_tracker = 0
        self._per_optimizer = {}

    def state_dict(self):
        if not self._enabled:
            return {}
        return {"scale": self._scale, "growth_factor": self._growth_factor, "backoff_factor": self._backoff_factor,
                "growth_interval": self._growth_interval, "_growth_tracker": self._growth_tracker}

    def load_state_dict(self, state_dict):
        if not self._enabled:
            return
        self._scale = float(state_dict["scale"])
        self._growth_factor, self._backoff_factor = state_dict["growth_factor"], state_dict["backoff_factor"]
        self._growth_interval, self._growth_tracker = state_dict["growth_interval"], state_dict["_growth_tracker"]
