"""``torch.distributions.Uniform``: the one distribution the reference stack draws from (MoE input jitter and random
token selection), as torch defines it.

MindSpore's ``mindspore.nn.probability.distribution.Uniform`` is a Cell with another interface (``sample(shape)``,
no reparameterised ``rsample``); this helper keeps torch's: ``Uniform(low, high).rsample(sample_shape)`` is
``low + rand(sample_shape + batch_shape) * (high - low)`` with ``rand`` uniform on [0, 1), differentiable in
``low`` and ``high``; ``sample`` is the same without gradients. Random streams differ from torch's.
"""
from __future__ import annotations

import mindspore
from mindspore import mint, ops

__all__ = ["Uniform"]


class Uniform:
    """torch.distributions.uniform.Uniform(low, high, validate_args=None)."""

    def __init__(self, low, high, validate_args=None):
        if not isinstance(low, mindspore.Tensor):
            low = mindspore.Tensor(low, mindspore.float32)
        if not isinstance(high, mindspore.Tensor):
            high = mindspore.Tensor(high, mindspore.float32)
        self.low, self.high = low, high
        self.batch_shape = tuple((low + high).shape)   # the broadcast shape of the bounds

    def rsample(self, sample_shape=()):
        shape = tuple(sample_shape) + self.batch_shape
        rand = mint.rand(shape, dtype=self.low.dtype)
        return self.low + rand * (self.high - self.low)

    def sample(self, sample_shape=()):
        return ops.stop_gradient(self.rsample(sample_shape))

    @property
    def mean(self):
        return (self.high + self.low) / 2

    def __repr__(self) -> str:
        return f"Uniform(low: {self.low}, high: {self.high})"
