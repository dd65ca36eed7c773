"""``construct`` replacements for ``mindspore.mint.nn`` layers whose kernels are Ascend-only on the CPU build.

The classes themselves are untouched (same constructor, same parameters and state_dict keys); only ``construct`` is
swapped, so cells created before ``enable()`` are covered too.
"""
from __future__ import annotations

from mindspore import ops

from . import _functional as F
from ._common import inplace_update


def gelu(self, input):
    return F.gelu(input, approximate=self.approximate)


def layer_norm(self, input):
    return F.layer_norm(input, self.normalized_shape, getattr(self, "weight", None), getattr(self, "bias", None),
                        self.eps)


def embedding(self, input):
    return F.embedding(input, self.weight, self.padding_idx, self.max_norm, self.norm_type, self.scale_grad_by_freq)


def _conv(fn, nd):
    def construct(self, input):
        if self.padding_mode != "zeros":
            mode = {"reflect": "reflect", "replicate": "replicate", "circular": "circular"}[self.padding_mode]
            x = F.pad(input, self._reversed_padding, mode=mode)
            return fn(x, self.weight, self.bias, self.stride, (0,) * nd, self.dilation, self.groups)
        return fn(input, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)

    construct.__name__ = "construct"
    return construct


conv1d = _conv(F.conv1d, 1)
conv2d = _conv(F.conv2d, 2)
conv3d = _conv(F.conv3d, 3)


def conv_transpose2d(self, input, output_size=None):
    output_padding = self._output_padding(input, output_size, self.stride, self.padding, self.kernel_size, 2,
                                          self.dilation)
    return F.conv_transpose2d(input, self.weight, self.bias, self.stride, self.padding, output_padding, self.groups,
                              self.dilation)


def cross_entropy_loss(self, input, target):
    return F.cross_entropy(input, target, self.weight, self.ignore_index, self.reduction, self.label_smoothing)


def avg_pool1d(self, input):
    return F.avg_pool1d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad)


def avg_pool2d(self, input):
    return F.avg_pool2d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad,
                        self.divisor_override)


def avg_pool3d(self, input):
    return F.avg_pool3d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad,
                        self.divisor_override)


def max_pool2d(self, input):
    return F.max_pool2d(input, self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode,
                        self.return_indices)


def adaptive_avg_pool1d(self, input):
    return F.adaptive_avg_pool1d(input, self.output_size)


def adaptive_avg_pool2d(self, input):
    return F.adaptive_avg_pool2d(input, self.output_size)


def adaptive_avg_pool3d(self, input):
    return F.adaptive_avg_pool3d(input, self.output_size)


def adaptive_max_pool1d(self, input):
    return F.adaptive_max_pool1d(input, self.output_size, self.return_indices)


def batch_norm(self, input):
    self._check_input_dim(input)
    factor = 0.0 if self.momentum is None else self.momentum
    if self.training and self.track_running_stats and self.num_batches_tracked is not None:
        inplace_update(self.num_batches_tracked, self.num_batches_tracked + 1)
        if self.momentum is None:
            factor = 1.0 / float(self.num_batches_tracked.item())
    use_batch = self.training or (self.running_mean is None and self.running_var is None)
    track = not self.training or self.track_running_stats
    return F.batch_norm(input, self.running_mean if track else None, self.running_var if track else None,
                        self.weight, self.bias, use_batch, factor, self.eps)


def _pad(mode):
    def construct(self, input):
        if mode == "constant":
            return F.pad(input, self.padding, mode="constant", value=self.value)
        return F.pad(input, self.padding, mode=mode)

    construct.__name__ = "construct"
    return construct


constant_pad = _pad("constant")
reflection_pad = _pad("reflect")
replication_pad = _pad("replicate")


def elu(self, input):
    return F.elu(input, self.alpha, self.inplace)


def hardtanh(self, input):
    return F.hardtanh(input, self.min_val, self.max_val, self.inplace)


def relu6(self, input):
    return F.relu6(input, self.inplace)


def logsigmoid(self, input):
    return F.logsigmoid(input)


def log_softmax(self, x):
    return F.log_softmax(x, dim=self.dim)


def mish(self, input):
    return F.mish(input)


def selu(self, input):
    return F.selu(input)


def threshold(self, input):
    return F.threshold(input, self.threshold, self.value, self.inplace)


def kl_div_loss(self, input, target):
    return F.kl_div(input, target, self.reduction, self.log_target)


def l1_loss(self, logits, labels):
    return F.l1_loss(logits, labels, self.reduction)


def mse_loss(self, input, target):
    return F.mse_loss(input, target, self.reduction)


def soft_margin_loss(self, logits, labels):
    return F.soft_margin_loss(logits, labels, self.reduction)


def cosine_embedding_loss(self, input1, input2, target):
    return F.cosine_embedding_loss(input1, input2, target, self.margin, self.reduction)


def fold(self, input):
    return F.fold(input, self.output_size, self.kernel_size, self.dilation, self.padding, self.stride)


def unfold(self, input):
    return F.unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)


def upsampling_bilinear2d(self, input):
    return ops.interpolate(input, self.size, self.scale_factor, mode="bilinear", align_corners=True)


def dropout(self, input):
    return F.dropout(input, self.p, self.training, self.inplace)


def dropout2d(self, input):
    return F.dropout2d(input, self.p, self.training, self.inplace)


def upsample(self, input):
    return F.interpolate(input, self.size, self.scale_factor, self.mode, self.align_corners,
                         self.recompute_scale_factor)


def nll_loss(self, input, target):
    return F.nll_loss(input, target, self.weight, self.ignore_index, self.reduction)
