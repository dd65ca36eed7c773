"""Neural-network functions torch has and MindSpore 2.10 names differently or composes: ``conv_transpose3d`` on
``mindspore.ops.Conv3DTranspose`` (MindSpore's 3-D transposed convolution kernel, Ascend and CPU) and
``pad_sequence`` from ``mint.nn.functional.pad`` and ``mint.stack``; ``register_buffer`` and
``register_load_state_dict_pre_hook`` with torch's semantics on a Cell; ``parameters`` / ``named_parameters`` /
``buffers`` / ``named_buffers`` with torch's split between the two; ``scaled_dot_product_attention`` in its math
form; ``clip_grads_``, torch's gradient clipping on
the gradient list of a ``value_and_grad`` training step.
"""
from __future__ import annotations

import mindspore as ms
from mindspore import mint, ops

__all__ = ["clip_grads_", "scaled_dot_product_attention", "conv_transpose3d", "leaky_relu", "pad_sequence",
           "register_buffer", "register_load_state_dict_pre_hook", "load_state_dict", "parameters",
           "named_parameters", "buffers", "named_buffers"]


def clip_grads_(grads: list, max_norm):
    """``torch.nn.utils.clip_grad_norm_(params, max_norm)`` (2-norm) where the gradients are the list a
    ``value_and_grad`` step returned (what the training-step rewrite emits): every item is replaced by itself times
    ``min(1, max_norm / (total + 1e-6))`` -- torch's coefficient -- and torch's total norm is returned.

    The squares are taken in float32 (torch's foreach norm) and summed by one AddN kernel, the coefficient computed
    once: a few kernels per gradient instead of a Python ``sum`` (one Add each) and a per-gradient coefficient."""
    total = mint.sqrt(ops.addn([((g if g.dtype == ms.float32 else g.float()) ** 2).sum() for g in grads]))
    coef = mint.clamp(max_norm / (total + 1e-6), max=1.0)
    grads[:] = [g * coef for g in grads]
    return total


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None,
                                 enable_gqa=False):
    """``torch.nn.functional.scaled_dot_product_attention`` in torch's math form (MindSpore 2.10 has no SDPA;
    ``ops.flash_attention_score`` is Ascend-only and takes another layout): ``softmax(q k^T * scale + mask) v``.

    ``attn_mask`` is boolean (True = attend) or additive; ``is_causal`` masks the upper triangle aligned top-left
    (query i sees keys 0..i, as torch); ``dropout_p`` drops attention weights whatever the mode, as torch;
    ``enable_gqa`` repeats each key/value head for its group of query heads. Written so that ``mindspore.jit``
    compiles it (no host reads; the branches are on arguments that are constants in a graph)."""
    if enable_gqa and key.shape[-3] != query.shape[-3]:
        groups = query.shape[-3] // key.shape[-3]
        key = mint.repeat_interleave(key, groups, dim=-3)
        value = mint.repeat_interleave(value, groups, dim=-3)
    factor = query.shape[-1] ** -0.5 if scale is None else scale
    weights = mint.matmul(query, key.swapaxes(-2, -1)) * factor
    if attn_mask is not None:
        if attn_mask.dtype == ms.bool_:
            weights = weights.masked_fill(mint.logical_not(attn_mask), float("-inf"))
        else:
            weights = weights + attn_mask
    if is_causal:
        upper = mint.triu(mint.ones((query.shape[-2], key.shape[-2]), dtype=ms.bool_), diagonal=1)
        weights = weights.masked_fill(upper, float("-inf"))
    weights = mint.softmax(weights, dim=-1)
    if dropout_p != 0.0:
        weights = mint.nn.functional.dropout(weights, p=dropout_p)
    return mint.matmul(weights, value)


def _triple(v):
    return tuple(int(x) for x in v) if isinstance(v, (tuple, list)) else (int(v),) * 3


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """torch.nn.functional.conv_transpose3d: input (N, C_in, D, H, W) or unbatched (C_in, D, H, W), weight
    (C_in, C_out / groups, kD, kH, kW); groups are run one by one (the kernel takes group=1)."""
    unbatched = input.ndim == 4
    if unbatched:
        input = input.unsqueeze(0)
    stride, dilation, output_padding = _triple(stride), _triple(dilation), _triple(output_padding)
    p = _triple(padding)
    pad = (p[0], p[0], p[1], p[1], p[2], p[2])
    if dilation != (1, 1, 1):   # the kernel takes no depth dilation: dilate the weight (zeros between taps)
        k = weight.shape[2:]
        wd = mint.zeros(tuple(weight.shape[:2]) + tuple(d * (n - 1) + 1 for d, n in zip(dilation, k)),
                        dtype=weight.dtype)
        wd[:, :, ::dilation[0], ::dilation[1], ::dilation[2]] = weight
        weight, dilation = wd, (1, 1, 1)
    c_in = weight.shape[0]
    per_in, per_out = c_in // groups, weight.shape[1]
    op = ops.Conv3DTranspose(in_channel=per_in, out_channel=per_out, kernel_size=tuple(weight.shape[2:]),
                             pad_mode="pad", pad=pad, stride=stride, dilation=dilation, group=1,
                             output_padding=output_padding)
    if groups == 1:
        out = op(input, weight)
    else:
        outs = [op(input[:, g * per_in:(g + 1) * per_in], weight[g * per_in:(g + 1) * per_in]) for g in range(groups)]
        out = mint.cat(outs, dim=1)
    if bias is not None:
        out = out + bias.reshape(1, -1, 1, 1, 1)
    return out.squeeze(0) if unbatched else out


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """torch.nn.functional.leaky_relu(..., inplace=True): mint's has no in-place form; the result is copied into
    ``input`` (MindSpore's in-place copy kernel) and ``input`` returned, as torch's."""
    out = mint.nn.functional.leaky_relu(input, negative_slope)
    return input.copy_(out) if inplace else out


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """torch.nn.utils.rnn.pad_sequence: tensors of shape (L_i, *) padded with ``padding_value`` to the longest
    L, stacked to (L, B, *) — or (B, L, *) with ``batch_first`` — padding on the right (or the left)."""
    if padding_side not in ("right", "left"):
        raise ValueError(f"padding_side must be 'left' or 'right', got {padding_side!r}")
    seqs = list(sequences)
    longest = max(int(s.shape[0]) for s in seqs)
    padded = []
    for s in seqs:
        extra = longest - int(s.shape[0])
        if extra:
            tail = (0, 0) * (s.ndim - 1)
            pad = tail + ((0, extra) if padding_side == "right" else (extra, 0))
            s = mint.nn.functional.pad(s, pad, mode="constant", value=padding_value)
        padded.append(s)
    return mint.stack(padded, dim=0 if batch_first else 1)


def register_load_state_dict_pre_hook(module, hook, with_module=False):
    """``Module._register_load_state_dict_pre_hook(hook, with_module=False)`` (torch's private form, which Megatron's
    parallel linear layers use to add ``_extra_state``): MindSpore's public ``Cell.register_load_state_dict_pre_hook``
    calls ``hook(cell, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs)``;
    without ``with_module`` torch calls the hook without the module, so it is adapted. Returns the handle."""
    if with_module:
        return module.register_load_state_dict_pre_hook(hook)

    def without_module(cell, *args, **kwargs):
        return hook(*args, **kwargs)

    return module.register_load_state_dict_pre_hook(without_module)


def register_buffer(module, name, tensor, persistent=True):
    """``Module.register_buffer(name, tensor, persistent=True)`` with torch's semantics on a Cell.

    ``Cell.register_buffer`` marks the tensor itself as a buffer (``tensor._is_buffer = True``), and
    ``Cell.__setattr__`` registers every marked tensor it is given as a new *persistent* buffer. torch's
    ``register_buffer`` marks nothing: ``self.alias = self.buf`` (Hugging Face's rotary embeddings keep
    ``original_inv_freq`` so) is a plain attribute in torch, not a state-dict key, and a strict load of a torch
    checkpoint into the converted model would miss it. The buffer is registered, then the mark is taken off the
    tensor so that assigning it elsewhere behaves as in torch; the cell's buffer table (``named_buffers``,
    ``state_dict``, ``load_state_dict``, persistence) does not read the mark."""
    _allow_buffer_reassignment()
    module.register_buffer(name, tensor, persistent)
    if tensor is not None and getattr(tensor, "_is_buffer", False):
        tensor._is_buffer = False


def _allow_buffer_reassignment() -> None:
    """torch lets a module assign a new tensor to a buffer's name (``self.steps = self.steps + 1``,
    ``self.steps += 1`` -- a new tensor in MindSpore -- or ``self.inv_freq = inv_freq``): the buffer is replaced.
    ``Cell.__setattr__`` raises TypeError ("Buffer ... already exists") for any plain tensor. Installed once, by the
    first :func:`register_buffer`: only that error path changes (the tensor replaces the buffer, kept persistent
    or not as registered); every assignment MindSpore accepted behaves as before."""
    import mindspore as ms

    cell = ms.nn.Cell
    if getattr(cell, "_mscore_buffer_reassignment", False):
        return
    original = cell._set_attr_for_object

    def _set_attr_for_object(self, name, value):
        buffers = self.__dict__.get("_buffers")
        if buffers is not None and name in buffers and isinstance(value, ms.Tensor) \
                and not isinstance(value, ms.Parameter) and name not in self.__dict__.get("_params", ()):
            buffers[name] = value
            return
        original(self, name, value)

    cell._set_attr_for_object = _set_attr_for_object
    cell._mscore_buffer_reassignment = True


_UNSET = object()


def load_state_dict(module, state_dict, strict=_UNSET, assign=_UNSET):
    """``Module.load_state_dict``: MindSpore's ``Cell.load_state_dict`` (keys, strictness, hooks, its result), with
    torch's storage rule: without ``assign`` the loaded values are *copied into* each parameter's existing memory.
    MindSpore's rebinds a parameter to new memory, which silently cut Megatron's parameters off the DDP param buffer
    they are views of (``param.data = buffer[a:b].view(shape)``): after a checkpoint load the optimizer stepped the
    buffer and the model no longer changed. ``assign=True`` is MindSpore's rebinding (torch's meaning of it). Not a
    Cell (an optimizer, Megatron's DistributedOptimizer): the object's own ``load_state_dict`` with the arguments
    the call passed."""
    import mindspore as ms

    if not isinstance(module, ms.nn.Cell):
        given = {k: v for k, v in (("strict", strict), ("assign", assign)) if v is not _UNSET}
        return module.load_state_dict(state_dict, **given)
    strict = True if strict is _UNSET else strict
    if assign is not _UNSET and assign:
        return module.load_state_dict(state_dict, strict=strict)
    # a view of each parameter's current memory, to put the loaded values back into it
    kept = [(p, p.view(tuple(p.shape))) for _, p in module.parameters_and_names()]
    result = module.load_state_dict(state_dict, strict=strict)
    with ms._no_grad():   # as torch's load copies: not recorded (a leaf that requires grad refuses a recorded write)
        for p, old in kept:
            if p.data_ptr() != old.data_ptr():
                new = ms.Tensor(p.asnumpy()) if p.dtype != ms.bfloat16 else p.astype(ms.float32).astype(ms.bfloat16)
                p.data = old
                old.copy_(new)
    return result


# A norm layer's running statistics are buffers in torch; mint.nn's BatchNorm keeps them as Parameters (requires_grad
# False), so MindSpore's parameter walk hands them to an optimizer built from ``model.parameters()``: a weight decay
# would shrink them, and an optimizer refusing integer parameters raises on ``num_batches_tracked``.
_NORM_STATS = ("running_mean", "running_var", "num_batches_tracked")


def _norm_base():
    try:
        from mindspore.mint.nn.layer.normalization import _NormBase
    except ImportError:   # pragma: no cover - another MindSpore layout: nothing to take out
        return ()
    return _NormBase


def _norm_stats(module) -> dict:
    """id -> (cell, attribute name) of every running statistic held as a Parameter below ``module``."""
    norm, found = _norm_base(), {}
    for _, cell in module.cells_and_names():
        if isinstance(cell, norm):
            for n in _NORM_STATS:
                p = cell._params.get(n)
                if p is not None:
                    found[id(p)] = (cell, n)
    return found


def _is_cell(obj) -> bool:
    import mindspore as ms

    return isinstance(obj, ms.nn.Cell)


def _every_cell(cell, prefix):
    """(dotted name, cell) for ``cell`` and every sub-cell, a shared one under each of its names (torch's
    ``remove_duplicate=False``; ``Cell.cells_and_names`` yields each cell once)."""
    yield prefix, cell
    for name, sub in cell._cells.items():
        if sub is not None:
            yield from _every_cell(sub, f"{prefix}.{name}" if prefix else name)


def _named_parameters(module, prefix, recurse, remove_duplicate):
    # one walk over the cells, as Cell.parameters_and_names makes it, leaving out a norm layer's running statistics
    # (called every step by code such as Megatron's DDP: no second walk to find them)
    if not recurse:
        cells = [(prefix, module)]
    else:
        cells = module.cells_and_names(name_prefix=prefix) if remove_duplicate else _every_cell(module, prefix)
    norm, seen = _norm_base(), set()
    for cell_name, cell in cells:
        stats = _NORM_STATS if isinstance(cell, norm) else ()
        for name, p in cell._params.items():
            if p is not None and p.inited_param is not None:   # as Cell.parameters_and_names hands it out
                p = p.inited_param
            if p is None or name in stats:
                continue
            if remove_duplicate:
                if id(p) in seen:
                    continue
                seen.add(id(p))
            yield (f"{cell_name}.{name}" if cell_name else name), p


def named_parameters(module, prefix="", recurse=True, remove_duplicate=True):
    """``Module.named_parameters``: (dotted name, Parameter) pairs as ``Cell.parameters_and_names`` walks them, less
    a norm layer's running statistics (torch's buffers). ``remove_duplicate=False`` names a shared parameter once
    per owner, as torch does. Not a Cell: the object's own method."""
    if not _is_cell(module):
        return module.named_parameters(prefix, recurse, remove_duplicate)
    return _named_parameters(module, prefix, recurse, remove_duplicate)


def parameters(module, recurse=True):
    """``Module.parameters``: the Parameters of :func:`named_parameters`. Not a Cell: the object's own method."""
    if not _is_cell(module):
        return module.parameters(recurse)
    return (p for _, p in _named_parameters(module, "", recurse, True))


def named_buffers(module, prefix="", recurse=True, remove_duplicate=True):
    """``Module.named_buffers``: ``Cell.named_buffers`` plus the norm layers' running statistics, which torch lists
    as buffers. Not a Cell: the object's own method."""
    if not _is_cell(module):
        return module.named_buffers(prefix, recurse, remove_duplicate)
    stats = _norm_stats(module) if recurse else {k: v for k, v in _norm_stats(module).items() if v[0] is module}
    names = {id(cell): name for name, cell in module.cells_and_names(name_prefix=prefix)}
    extra = [(f"{names[id(cell)]}.{n}" if names.get(id(cell)) else n, cell._params[n]) for cell, n in stats.values()]
    return iter(list(module.named_buffers(prefix, recurse, remove_duplicate)) + extra)


def buffers(module, recurse=True):
    """``Module.buffers``: the tensors of :func:`named_buffers`. Not a Cell: the object's own method."""
    if not _is_cell(module):
        return module.buffers(recurse)
    return (b for _, b in named_buffers(module, recurse=recurse))
