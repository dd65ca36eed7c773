"""Layers torch has and ``mindspore.mint.nn`` 2.10 lacks, as Cells holding torch's parameter names and shapes (so a
torch state_dict loads strictly): ``ConvTranspose3d`` on :func:`mscore_rt.nn_ops.conv_transpose3d`; and the
forms a mint layer lacks an argument for (``ReLU(inplace=True)``), and ``ModuleList`` over any iterable."""
from __future__ import annotations

import math

import mindspore as ms
from mindspore import mint, nn

from .nn_ops import _triple, conv_transpose3d

__all__ = ["ConvTranspose3d", "ModuleList", "ReLU"]


class ConvTranspose3d(nn.Cell):
    """torch.nn.ConvTranspose3d (mint has no 3-D transposed convolution layer): parameters ``weight``
    (in_channels, out_channels / groups, kD, kH, kW) and ``bias`` (out_channels) as torch names and shapes them,
    initialised as torch's reset_parameters does (uniform in +-1/sqrt(fan_in), fan_in = weight.shape[1] * kD*kH*kW),
    the forward pass being :func:`conv_transpose3d`."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1,
                 bias=True, dilation=1, padding_mode="zeros", dtype=None):
        super().__init__()
        if padding_mode != "zeros":
            raise ValueError('Only "zeros" padding mode is supported for ConvTranspose3d')
        if in_channels % groups or out_channels % groups:
            raise ValueError("in_channels and out_channels must be divisible by groups")
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size, self.stride, self.padding = _triple(kernel_size), _triple(stride), _triple(padding)
        self.output_padding, self.dilation = _triple(output_padding), _triple(dilation)
        dtype = dtype or ms.float32
        shape = (in_channels, out_channels // groups) + self.kernel_size
        fan_in = shape[1] * self.kernel_size[0] * self.kernel_size[1] * self.kernel_size[2]
        bound = 1.0 / math.sqrt(fan_in) if fan_in > 0 else 0.0
        self.weight = ms.Parameter(mint.empty(shape, dtype=dtype).uniform_(-bound, bound), name="weight")
        self.bias = ms.Parameter(mint.empty((out_channels,), dtype=dtype).uniform_(-bound, bound), name="bias") \
            if bias else None

    def construct(self, input, output_size=None):
        if output_size is not None:
            raise NotImplementedError("ConvTranspose3d(output_size=...) is not supported")
        return conv_transpose3d(input, self.weight, self.bias, self.stride, self.padding, self.output_padding,
                                self.groups, self.dilation)


class ReLU(mint.nn.ReLU):
    """torch.nn.ReLU(inplace=True): mint.nn.ReLU has no inplace; this one overwrites its input as torch's does
    (mint.nn.functional.relu(x, inplace=True): the InplaceReLU kernel). Only ``inplace=True`` calls are converted to
    it; a plain ``nn.ReLU()`` stays ``mint.nn.ReLU()``."""

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def construct(self, input):
        return mint.nn.functional.relu(input, inplace=self.inplace)


class ModuleList(nn.CellList):
    """torch.nn.ModuleList: an ``nn.CellList`` that, as torch's, takes any iterable of cells
    (``ModuleList(Block(d) for _ in range(n))``, a tuple, a ``map``); CellList accepts only a list and raises
    TypeError for a generator. Appending, indexing, iterating, child names 0, 1, ... are CellList's."""

    def __init__(self, modules=None):
        super().__init__(*(() if modules is None else (list(modules),)))
