"""A wide synthetic rule set for stress runs: many torch names, every rule shape the engine knows.

The shipped rules grow on other branches; the fixture rules are small. These rules are not about MindSpore being
right (the targets are plausible, not checked) but about driving every code path of the rewriter over real and
generated code: plain renames, signatures with drop / rename / defaults / unsupported_args / target_sig, attribute
(dtype) rules, prefix rules, property rules, unsupported APIs and methods, and every named transform. The rules are
written as TOML and loaded through the real loader, so they are valid rule data by construction.
"""
from __future__ import annotations

from pathlib import Path

from mscore.rewrite.transforms import KNOWN
from mscore.rules import load_rule_file
from mscore.rules.model import RuleSet

# (torch name, mint name or None for 'unsupported') — plain functions taking tensors
_FUNCS = [
    "cat", "stack", "matmul", "bmm", "softmax", "sigmoid", "tanh", "exp", "log", "sqrt", "rsqrt", "abs", "where",
    "split", "chunk", "flatten", "transpose", "permute", "reshape", "unsqueeze", "squeeze", "einsum", "topk",
    "argmax", "max", "min", "mean", "cumsum", "clamp", "allclose", "isnan", "masked_select", "gather", "scatter",
    "outer", "tril", "triu", "full", "full_like", "zeros_like", "ones_like", "empty_like", "randn_like", "sort",
]
_CREATORS = ["zeros", "ones", "empty", "randn", "rand", "arange"]
_DTYPES = ["float32", "float16", "bfloat16", "float64", "int64", "int32", "int8", "uint8", "bool", "long", "half",
           "float", "double", "int"]
_NN = ["Linear", "Conv2d", "Conv1d", "Embedding", "Dropout", "GELU", "SiLU", "ReLU", "Sequential", "ModuleList",
       "ModuleDict", "Identity", "Softmax", "GroupNorm"]
_F = ["gelu", "silu", "relu", "softmax", "dropout", "pad", "linear", "scaled_dot_product_attention", "interpolate",
      "cross_entropy", "normalize", "embedding", "layer_norm"]
_TENSOR_SAME = ["view", "reshape", "contiguous", "unsqueeze", "squeeze", "transpose", "permute", "expand", "sum",
                "mean", "float", "half", "bfloat16", "long", "int", "bool", "detach", "clone", "item", "tolist",
                "numel", "dim", "split", "chunk", "flatten", "repeat", "masked_fill", "type_as", "softmax", "matmul",
                "copy_"]   # copy_ stays itself: the inplace transform emits it
_TENSOR_RENAMED = {"t": "mindspore.ops.t", "norm": "norm_ms", "numpy": "asnumpy", "new_zeros": "mindspore.mint.zeros",
                   "is_contiguous": "is_contiguous_ms"}
_INPLACE = {"add_": "add", "mul_": "mul", "sub_": "sub", "div_": "div", "clamp_": "clamp",
            "normal_": "mindspore.ops.normal_like", "fill_": "mindspore.mint.full_like", "zero_":
            "mindspore.mint.zeros_like", "masked_fill_": "masked_fill", "uniform_": "mindspore.ops.uniform_like"}
_UNSUPPORTED = ["torch.cuda.current_device", "torch.cuda.synchronize", "torch.cuda.is_available", "torch.compile",
                "torch.jit.script", "torch.cuda.Stream", "torch.npu.current_stream", "torch.utils.checkpoint",
                "torch.distributed.barrier"]


def _q(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _table(api: str, **fields) -> str:
    lines = [f"[{_q(api)}]"]
    for k, v in fields.items():
        if isinstance(v, dict):
            lines.append(f"{k} = {{ " + ", ".join(f"{kk} = {_q(vv)}" for kk, vv in v.items()) + " }")
        elif isinstance(v, list):
            lines.append(f"{k} = [" + ", ".join(_q(x) for x in v) + "]")
        else:
            lines.append(f"{k} = {_q(v)}")
    return "\n".join(lines) + "\n"


def wide_rules_toml() -> str:
    out = []
    for name in _FUNCS:
        out.append(_table(f"torch.{name}", target=f"mindspore.mint.{name}", status="consistent", note="wide"))
    for name in _CREATORS:
        out.append(_table(
            f"torch.{name}", target=f"mindspore.mint.{name}",
            sig="(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False)",
            drop=["device", "layout", "pin_memory", "requires_grad"], unsupported_args={"out": "no out="},
            status="differing_args", note="wide"))
    for name in _DTYPES:
        out.append(_table(f"torch.{name}", target=f"mindspore.{name}_" if name == "bool" else f"mindspore.{name}",
                          status="consistent", note="wide"))
    for name in _NN:
        out.append(_table(f"torch.nn.{name}", target=f"mindspore.mint.nn.{name}", status="consistent", note="wide"))
    out.append(_table("torch.nn.LayerNorm", target="mindspore.nn.LayerNorm",
                      sig="(normalized_shape, eps=1e-05, elementwise_affine=True, bias=True, device=None, dtype=None)",
                      rename={"eps": "epsilon"}, drop=["device", "dtype"],
                      unsupported_args={"bias": "always has a bias"}, defaults={"epsilon": "1e-05"},
                      status="differing_defaults", note="wide"))
    for name in _F:
        out.append(_table(f"torch.nn.functional.{name}", target=f"mindspore.mint.nn.functional.{name}",
                          status="consistent", note="wide"))
    out.append(_table("torch.var", target="mindspore.ops.var", sig="(input, dim=None, unbiased=True, keepdim=False)",
                      target_sig="(input, axis=None, ddof=0, keepdims=False)",
                      rename={"dim": "axis", "keepdim": "keepdims", "unbiased": "ddof"}, defaults={"ddof": "1"},
                      status="differing_defaults", note="wide"))
    out.append(_table("torch.sum", target="mindspore.ops.sum", sig="(input, dim=None, keepdim=False, *, dtype=None)",
                      target_sig="(input, dim=None, keepdim=False, *, dtype=None)", status="consistent", note="wide"))
    out.append(_table("torch.nn.Module", target="mindspore.nn.Cell", transform="module_to_cell",
                      status="differing_args", note="wide"))
    out.append(_table("torch.nn.Parameter", target="mindspore.Parameter", sig="(data=None, requires_grad=True)",
                      status="consistent", note="wide"))
    out.append(_table("torch.Tensor", target="mindspore.Tensor", status="consistent", note="wide"))
    out.append(_table("torch.tensor", target="mindspore.tensor", sig="(data, *, dtype=None, device=None, "
                      "requires_grad=False, pin_memory=False)", drop=["device", "pin_memory"],
                      status="differing_args", note="wide"))
    out.append(_table("torch.no_grad", target="mindspore._no_grad", sig="()", status="consistent", note="wide"))
    out.append(_table("torch.distributed.ReduceOp", target="mindspore.mint.distributed.ReduceOp",
                      status="consistent", note="wide"))
    for name in ("get_rank", "get_world_size"):
        out.append(_table(f"torch.distributed.{name}", target=f"mindspore.mint.distributed.{name}",
                          sig="(group=None)", status="consistent", note="wide"))
    out.append(_table("torch.distributed.all_reduce", target="mindspore.mint.distributed.all_reduce",
                      sig="(tensor, op=ReduceOp.SUM, group=None, async_op=False)", status="consistent", note="wide"))
    out.append(_table("torch_npu.npu_rms_norm", target="mindspore.ops.rms_norm", sig="(self, gamma, epsilon=1e-06)",
                      rename={"self": "input"}, status="consistent", note="wide"))
    for api in _UNSUPPORTED:
        out.append(_table(api, status="unsupported", note="wide: no equivalent"))
    for name in _TENSOR_SAME:
        out.append(_table(f"Tensor.{name}", target=name, status="consistent", note="wide"))
    for name, target in _TENSOR_RENAMED.items():
        out.append(_table(f"Tensor.{name}", target=target, sig="(*args, **kwargs)", status="differing_args",
                          note="wide"))
    for name, target in _INPLACE.items():
        out.append(_table(f"Tensor.{name}", target=target, sig="(*args, **kwargs)", transform="inplace",
                          status="differing_args", note="wide"))
    out.append(_table("Tensor.size", target="shape", sig="(dim=None)", transform="size_to_shape",
                      status="differing_args", note="wide"))
    for name in ("cuda", "npu", "cpu", "pin_memory"):
        out.append(_table(f"Tensor.{name}", target=name, sig="(device=None, non_blocking=False, memory_format=None)",
                          transform="receiver_only", status="differing_args", note="wide"))
    out.append(_table("Tensor.to", target="to", sig="(*args, **kwargs)", transform="tensor_to",
                      status="differing_args", note="wide"))
    out.append(_table("Tensor.is_cuda", target="mindspore.ops.is_tensor", status="differing_args", note="wide"))
    out.append(_table("Tensor.shape", target="shape", status="consistent", note="wide: property"))
    for name in ("untyped_storage", "storage", "data_ptr", "record_stream"):
        out.append(_table(f"Tensor.{name}", status="unsupported", note="wide: no storage API"))
    out.append(_table("Module.eval", target="set_train", sig="()", defaults={"mode": "False"},
                      status="differing_args", note="wide"))
    out.append(_table("Module.train", target="set_train", sig="(mode=True)", defaults={"mode": "True"},
                      status="differing_args", note="wide"))
    out.append(_table("Module.forward", target="construct", sig="(*args, **kwargs)", status="differing_args",
                      note="wide"))
    out.append(_table("Module.named_parameters", target="parameters_and_names", sig="(prefix='', recurse=True)",
                      drop=["recurse"], status="differing_args", note="wide"))
    out.append(_table("Module.register_forward_hook", status="unsupported", note="wide: no hooks"))
    return "\n".join(out)


def wide_rules(tmp_dir: Path) -> RuleSet:
    path = Path(tmp_dir) / "wide.toml"
    path.write_text(wide_rules_toml(), encoding="utf-8")
    return RuleSet.build(load_rule_file(path, KNOWN), "wide")


# names the fuzzer draws from, so the rules above actually fire
TORCH_FUNCS = _FUNCS + _CREATORS
DTYPES = _DTYPES
NN_CLASSES = _NN + ["LayerNorm", "Module", "Parameter"]
F_FUNCS = _F
TENSOR_METHODS = _TENSOR_SAME + list(_TENSOR_RENAMED) + list(_INPLACE) + ["size", "cuda", "npu", "cpu", "to"]
UNSUPPORTED = _UNSUPPORTED
