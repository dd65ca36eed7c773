"""``construct`` replacements for ``mindspore.mint.nn`` layers whose kernels are Ascend-only on the CPU build.

The classes themselves are untouched (same constructor, same parameters and state_dict keys); only ``construct`` is
swapped, so cells created before ``enable()`` are covered too.
"""
from __future__ import annotations

from mindspore import ops

from . import _functional as F
from . import _losses as L
from ._common import inplace_update
from ._registry import replaces


@replaces("mindspore.mint.nn.GELU.construct")
def gelu(self, input):
    return F.gelu(input, approximate=self.approximate)


@replaces("mindspore.mint.nn.LayerNorm.construct")
def layer_norm(self, input):
    return F.layer_norm(input, self.normalized_shape, getattr(self, "weight", None), getattr(self, "bias", None),
                        self.eps)


@replaces("mindspore.mint.nn.Embedding.construct")
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


conv1d = replaces("mindspore.mint.nn.Conv1d.construct")(_conv(F.conv1d, 1))
conv2d = replaces("mindspore.mint.nn.Conv2d.construct")(_conv(F.conv2d, 2))
conv3d = replaces("mindspore.mint.nn.Conv3d.construct")(_conv(F.conv3d, 3))


@replaces("mindspore.mint.nn.ConvTranspose2d.construct")
def conv_transpose2d(self, input, output_size=None):
    output_padding = self._output_padding(input, output_size, self.stride, self.padding, self.kernel_size, 2,
                                          self.dilation)
    return F.conv_transpose2d(input, self.weight, self.bias, self.stride, self.padding, output_padding, self.groups,
                              self.dilation)


@replaces("mindspore.mint.nn.CrossEntropyLoss.construct")
def cross_entropy_loss(self, input, target):
    return L.cross_entropy(input, target, self.weight, self.ignore_index, self.reduction, self.label_smoothing)


@replaces("mindspore.mint.nn.AvgPool1d.construct")
def avg_pool1d(self, input):
    return F.avg_pool1d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad)


@replaces("mindspore.mint.nn.AvgPool2d.construct")
def avg_pool2d(self, input):
    return F.avg_pool2d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad,
                        self.divisor_override)


@replaces("mindspore.mint.nn.AvgPool3d.construct")
def avg_pool3d(self, input):
    return F.avg_pool3d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad,
                        self.divisor_override)


@replaces("mindspore.mint.nn.MaxPool2d.construct")
def max_pool2d(self, input):
    return F.max_pool2d(input, self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode,
                        self.return_indices)


@replaces("mindspore.mint.nn.AdaptiveAvgPool1d.construct")
def adaptive_avg_pool1d(self, input):
    return F.adaptive_avg_pool1d(input, self.output_size)


@replaces("mindspore.mint.nn.AdaptiveAvgPool2d.construct")
def adaptive_avg_pool2d(self, input):
    return F.adaptive_avg_pool2d(input, self.output_size)


@replaces("mindspore.mint.nn.AdaptiveAvgPool3d.construct")
def adaptive_avg_pool3d(self, input):
    return F.adaptive_avg_pool3d(input, self.output_size)


@replaces("mindspore.mint.nn.AdaptiveMaxPool1d.construct")
def adaptive_max_pool1d(self, input):
    return F.adaptive_max_pool1d(input, self.output_size, self.return_indices)


@replaces(
    "mindspore.mint.nn.BatchNorm1d.construct", "mindspore.mint.nn.BatchNorm2d.construct",
    "mindspore.mint.nn.BatchNorm3d.construct"
)
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


constant_pad = replaces(
    "mindspore.mint.nn.ConstantPad1d.construct",
    "mindspore.mint.nn.ConstantPad2d.construct",
    "mindspore.mint.nn.ConstantPad3d.construct",
    "mindspore.mint.nn.ZeroPad1d.construct",
    "mindspore.mint.nn.ZeroPad2d.construct",
    "mindspore.mint.nn.ZeroPad3d.construct",
)(_pad("constant"))
reflection_pad = replaces(
    "mindspore.mint.nn.ReflectionPad1d.construct",
    "mindspore.mint.nn.ReflectionPad2d.construct",
    "mindspore.mint.nn.ReflectionPad3d.construct",
)(_pad("reflect"))
replication_pad = replaces(
    "mindspore.mint.nn.ReplicationPad1d.construct",
    "mindspore.mint.nn.ReplicationPad2d.construct",
    "mindspore.mint.nn.ReplicationPad3d.construct",
)(_pad("replicate"))


@replaces("mindspore.mint.nn.ELU.construct")
def elu(self, input):
    return F.elu(input, self.alpha, self.inplace)


@replaces("mindspore.mint.nn.Hardtanh.construct")
def hardtanh(self, input):
    return F.hardtanh(input, self.min_val, self.max_val, self.inplace)


@replaces("mindspore.mint.nn.ReLU6.construct")
def relu6(self, input):
    return F.relu6(input, self.inplace)


@replaces("mindspore.mint.nn.LogSigmoid.construct")
def logsigmoid(self, input):
    return F.logsigmoid(input)


@replaces("mindspore.mint.nn.LogSoftmax.construct")
def log_softmax(self, x):
    return F.log_softmax(x, dim=self.dim)


@replaces("mindspore.mint.nn.Mish.construct")
def mish(self, input):
    return F.mish(input)


@replaces("mindspore.mint.nn.SELU.construct")
def selu(self, input):
    return F.selu(input)


@replaces("mindspore.mint.nn.Threshold.construct")
def threshold(self, input):
    return F.threshold(input, self.threshold, self.value, self.inplace)


@replaces("mindspore.mint.nn.KLDivLoss.construct")
def kl_div_loss(self, input, target):
    return L.kl_div(input, target, self.reduction, self.log_target)


@replaces("mindspore.mint.nn.L1Loss.construct")
def l1_loss(self, logits, labels):
    return L.l1_loss(logits, labels, self.reduction)


@replaces("mindspore.mint.nn.MSELoss.construct")
def mse_loss(self, input, target):
    return L.mse_loss(input, target, self.reduction)


@replaces("mindspore.mint.nn.SoftMarginLoss.construct")
def soft_margin_loss(self, logits, labels):
    return L.soft_margin_loss(logits, labels, self.reduction)


@replaces("mindspore.mint.nn.CosineEmbeddingLoss.construct")
def cosine_embedding_loss(self, input1, input2, target):
    return L.cosine_embedding_loss(input1, input2, target, self.margin, self.reduction)


@replaces("mindspore.mint.nn.Fold.construct")
def fold(self, input):
    return F.fold(input, self.output_size, self.kernel_size, self.dilation, self.padding, self.stride)


@replaces("mindspore.mint.nn.Unfold.construct")
def unfold(self, input):
    return F.unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)


@replaces("mindspore.mint.nn.UpsamplingBilinear2d.construct")
def upsampling_bilinear2d(self, input):
    return ops.interpolate(input, self.size, self.scale_factor, mode="bilinear", align_corners=True)


@replaces("mindspore.mint.nn.Dropout.construct")
def dropout(self, input):
    return F.dropout(input, self.p, self.training, self.inplace)


@replaces("mindspore.mint.nn.Dropout2d.construct")
def dropout2d(self, input):
    return F.dropout2d(input, self.p, self.training, self.inplace)


@replaces("mindspore.mint.nn.Upsample.construct")
def upsample(self, input):
    return F.interpolate(input, self.size, self.scale_factor, self.mode, self.align_corners,
                         self.recompute_scale_factor)


@replaces("mindspore.mint.nn.NLLLoss.construct")
def nll_loss(self, input, target):
    return L.nll_loss(input, target, self.weight, self.ignore_index, self.reduction)
