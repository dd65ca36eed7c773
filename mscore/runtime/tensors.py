"""Tensor forms torch has and MindSpore does not: the legacy typed constructors (``torch.FloatTensor(2, 3)`` /
``torch.LongTensor([1, 2])``), ``Tensor.resize_`` and ``Tensor.mode``.

``FloatTensor`` & co. are classes, so they serve both uses torch code makes of them: a call builds a MindSpore
tensor of that dtype — from sizes (all arguments ints: a tensor of that shape; torch leaves it uninitialised, here
it is zeros) or from data (one sequence, array or tensor) — and ``isinstance(x, FloatTensor)`` /
an annotation checks a MindSpore tensor of that dtype, as torch's type check does.
"""
from __future__ import annotations

import operator
from collections import namedtuple

import mindspore as ms
from mindspore import mint, ops

__all__ = [
    "FloatTensor", "DoubleTensor", "HalfTensor", "BFloat16Tensor", "LongTensor", "IntTensor", "ShortTensor",
    "CharTensor", "ByteTensor", "BoolTensor", "resize_", "mode", "strided", "view_base", "numel", "type",
    "repeat_sequences", "is_sparse", "iadd", "isub", "imul", "itruediv", "resize_as_", "new_tensor", "layout", "real",
    "imag", "unflatten", "complex", "unsqueeze_", "squeeze_", "t_", "is_cuda", "new", "stride", "to",
]


class _Layout:
    """torch.strided, the dense layout (the only one MindSpore tensors have): a named constant that compares equal
    only to itself. The rules that take ``layout=`` drop it."""

    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return f"torch.{self.name}"


strided = _Layout("strided")


class _TypedTensorMeta(type):
    def __instancecheck__(cls, obj) -> bool:
        return isinstance(obj, ms.Tensor) and obj.dtype == cls._ms_dtype

    def __subclasscheck__(cls, sub) -> bool:
        return isinstance(sub, type) and issubclass(sub, ms.Tensor)


class _TypedTensor(metaclass=_TypedTensorMeta):
    _ms_dtype = ms.float32   # a plain class attribute: ms.jit reads it (it cannot call a classmethod of the class)

    def __new__(cls, *args, size=None, device=None):
        if size is not None:
            if args:
                raise TypeError(f"{cls.__name__}(): sizes given both positionally and as size=")
            args = tuple(size)
        return _legacy_new(cls._ms_dtype, args, f"{cls.__name__}()")


def _legacy_new(dtype, args: tuple, who: str):
    """torch's legacy constructor forms, for ``FloatTensor(...)`` & co. and ``x.new(...)``: no argument (an empty
    tensor), sizes (zeros of that shape; uninitialised in torch) or one sequence / array / tensor of data."""
    if not args:
        return mint.zeros((0,), dtype=dtype)
    if all(isinstance(a, int) and not isinstance(a, bool) for a in args):
        return mint.zeros(tuple(args), dtype=dtype)     # sizes
    if len(args) != 1:
        raise TypeError(f"{who}: expected sizes (ints) or one sequence of data")
    data = args[0]
    if isinstance(data, ms.Tensor):
        return data if data.dtype == dtype else data.astype(dtype)
    return ms.Tensor(data, dtype=dtype)


def _typed(name: str, dtype_name: str):
    doc = f"torch.{name}: a MindSpore {dtype_name} tensor (constructor and type check)."
    return _TypedTensorMeta(name, (_TypedTensor,), {"_ms_dtype": getattr(ms, dtype_name), "__doc__": doc})


FloatTensor = _typed("FloatTensor", "float32")
DoubleTensor = _typed("DoubleTensor", "float64")
HalfTensor = _typed("HalfTensor", "float16")
BFloat16Tensor = _typed("BFloat16Tensor", "bfloat16")
LongTensor = _typed("LongTensor", "int64")
IntTensor = _typed("IntTensor", "int32")
ShortTensor = _typed("ShortTensor", "int16")
CharTensor = _typed("CharTensor", "int8")
ByteTensor = _typed("ByteTensor", "uint8")
BoolTensor = _typed("BoolTensor", "bool")


def resize_(tensor, *sizes):
    """torch's ``x.resize_(*sizes)``: ``x`` itself takes the new shape; its elements keep their flat order, and new
    ones (when it grows) are zeros (torch leaves them uninitialised). Returns ``x``. Anything else (a storage:
    ``x.untyped_storage().resize_(0)``) has its own ``resize_`` called."""
    if not isinstance(tensor, ms.Tensor):
        return tensor.resize_(*sizes)
    if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
        sizes = tuple(sizes[0])
    n = 1
    for s in sizes:
        n *= int(s)
    flat = tensor.reshape(-1)
    if n <= flat.shape[0]:
        new = flat[:n]
    else:
        new = mint.cat([flat, mint.zeros((n - flat.shape[0],), dtype=tensor.dtype)])
    tensor.assign_value(new.reshape(tuple(int(s) for s in sizes)))
    return tensor


def resize_as_(tensor, the_template):
    """torch's ``x.resize_as_(t)``: ``resize_(x, *t.shape)``."""
    if not isinstance(tensor, ms.Tensor):
        return tensor.resize_as_(the_template)
    return resize_(tensor, tuple(the_template.shape))


def new_tensor(self, data, dtype=None):
    """torch's ``x.new_tensor(data, dtype=None)``: a new tensor holding a copy of ``data``, of ``x``'s dtype unless
    ``dtype`` is given (torch takes the receiver's dtype even for integer data)."""
    if isinstance(data, ms.Tensor):
        return data.astype(dtype or self.dtype).copy()
    return ms.tensor(data, dtype=dtype or self.dtype)


def layout(x):
    """``x.layout``: every MindSpore tensor is dense, so :data:`strided`."""
    return strided if isinstance(x, ms.Tensor) else x.layout


def real(x):
    """``x.real``: a method of a MindSpore tensor (the real part; the tensor itself when it is not complex, as
    torch), an attribute of anything else (a Python complex, a numpy array)."""
    if isinstance(x, ms.Tensor):
        return mint.real(x) if x.dtype in (ms.complex64, ms.complex128) else x
    return x.real


def imag(x):
    """``x.imag``: the imaginary part of a complex MindSpore tensor (torch raises for a real one), the attribute of
    anything else."""
    return mint.imag(x) if isinstance(x, ms.Tensor) else x.imag


def unflatten(x, dim, sizes):
    """torch's ``x.unflatten(dim, sizes)``: dimension ``dim`` split into ``sizes`` (one of them may be -1)."""
    shape = tuple(x.shape)
    dim = dim % len(shape)
    return x.reshape(shape[:dim] + tuple(int(s) for s in sizes) + shape[dim + 1:])


def new(self, *args, size=None):
    """torch's legacy ``x.new(...)``: sizes (a tensor of that shape; zeros here, uninitialised in torch) or one
    sequence of data, of ``x``'s dtype; ``x.new()`` is an empty tensor."""
    if size is not None:
        args = tuple(size)
    if len(args) == 1 and isinstance(args[0], (tuple, list)) and all(isinstance(a, int) for a in args[0]) \
            and not args[0]:
        args = ()
    return _legacy_new(self.dtype, args, "new()")


def stride(x, dim=None):
    """torch's ``x.stride()``: a tuple (MindSpore's is a list), ``x.stride(d)`` an int."""
    if not isinstance(x, ms.Tensor):
        return x.stride() if dim is None else x.stride(dim)
    strides = tuple(x.stride())   # Python ints already; ms.jit cannot iterate the list in a comprehension
    return strides if dim is None else strides[dim]


def to(x, *args, dtype=None):
    """torch's ``x.to(target)`` when the converter could not tell what ``target`` is: a tensor (its dtype is
    taken, as torch's ``x.to(other)``), a MindSpore dtype, or a device / anything else (nothing to move: ignored).
    Returns ``x`` itself when the dtype does not change, as torch does."""
    for a in args:
        if isinstance(a, ms.Tensor):
            dtype = a.dtype
        elif isinstance(a, ms.dtype.Type):
            dtype = a
    if not isinstance(x, ms.Tensor):
        return x if dtype is None else x.to(dtype)
    return x if dtype is None or dtype == x.dtype else x.astype(dtype)


def _reshaped_in_place(tensor, new):
    tensor.assign_value(new)
    return tensor


def unsqueeze_(tensor, dim):
    """torch's ``x.unsqueeze_(dim)``: ``x`` itself gains the dimension; returns ``x``."""
    return _reshaped_in_place(tensor, tensor.unsqueeze(dim))


def squeeze_(tensor, dim=None):
    """torch's ``x.squeeze_(dim)``: ``x`` itself loses the size-1 dimension(s); returns ``x``."""
    return _reshaped_in_place(tensor, tensor.squeeze() if dim is None else mint.squeeze(tensor, dim))


def t_(tensor):
    """torch's ``x.t_()``: ``x`` itself becomes its transpose (0-D / 1-D unchanged); returns ``x``."""
    return _reshaped_in_place(tensor, mint.t(tensor)) if tensor.ndim == 2 else tensor


def is_cuda(x) -> bool:
    """``x.is_cuda``: a MindSpore tensor is never on CUDA (torch_npu's NPU tensors answer False too)."""
    return False if isinstance(x, ms.Tensor) else x.is_cuda


def complex(real, imag):  # noqa: A001 - torch's name
    """torch.complex(real, imag): a complex tensor (complex64 from float32 parts, complex128 from float64)."""
    return ops.Complex()(real, imag)


_Mode = namedtuple("mode", ["values", "indices"])


def mode(input, dim=-1, keepdim=False):
    """torch.mode: (values, indices) of the most frequent value along ``dim`` — the smallest one when several are
    as frequent — and the index of its last occurrence, as torch returns them."""
    dim = dim % max(input.ndim, 1)
    if input.ndim == 0:
        return _Mode(input, mint.zeros((), dtype=ms.int64))
    a = mint.permute(input, tuple(i for i in range(input.ndim) if i != dim) + (dim,))   # dim last
    # mint.max / mint.min with a dim: graph mode reads the Tensor method x.min(-1) as a reduction to values only
    counts = (a.unsqueeze(-1) == a.unsqueeze(-2)).sum(-1)
    most = mint.max(counts, -1, keepdim=True)[0]
    if a.dtype == ms.bool_:
        big = ms.Tensor(True)
        values = mint.min(mint.where(counts == most, a, big), -1)[0]
    else:
        values = mint.min(mint.where(counts == most, a.astype(ms.float64), float("inf")), -1)[0].astype(a.dtype)
    pos = mint.arange(a.shape[-1], dtype=ms.int64)
    hit = a == values.unsqueeze(-1)
    indices = mint.max(mint.where(hit, pos, -1), -1)[0]
    if keepdim:
        values, indices = values.unsqueeze(dim), indices.unsqueeze(dim)
    return _Mode(values, indices)


def view_base(x):
    """``Tensor._base``: the tensor a view was taken of, None for a tensor that owns its storage. MindSpore does not
    expose a view's base to Python (its views share storage inside the framework, on Ascend; the CPU build copies),
    so every tensor answers None, as a non-view does in torch. Megatron reads it to decide whether
    ``make_viewless_tensor`` must re-wrap the data; with None it returns the tensor itself."""
    return getattr(x, "_base", None) if not isinstance(x, ms.Tensor) else None


def numel(self) -> int:
    """``torch.Size.numel()`` (and ``Tensor.numel()``): the product of a shape's sizes (1 for ``()``), or a tensor's
    element count. MindSpore shapes are plain tuples, without the method."""
    if isinstance(self, (tuple, list)):
        n = 1
        for d in self:
            n *= int(d)
        return n
    return self.numel()


_TYPE_NAMES = {"Float32": "FloatTensor", "Float16": "HalfTensor", "BFloat16": "BFloat16Tensor",
               "Float64": "DoubleTensor", "Int64": "LongTensor", "Int32": "IntTensor", "Int16": "ShortTensor",
               "Int8": "CharTensor", "UInt8": "ByteTensor", "Bool": "BoolTensor", "Complex64": "ComplexFloatTensor",
               "Complex128": "ComplexDoubleTensor"}
_MS_DTYPE_NAMES = {"Float32": "float32", "Float16": "float16", "BFloat16": "bfloat16", "Float64": "float64",
                   "Int64": "int64", "Int32": "int32", "Int16": "int16", "Int8": "int8", "UInt8": "uint8",
                   "Bool": "bool_", "Complex64": "complex64", "Complex128": "complex128"}


def type(self, dtype=None):   # noqa: A001 - the torch method's name
    """``Tensor.type()``: torch's type name of the tensor on the accelerator, ``'torch.cuda.FloatTensor'`` -- what
    Megatron compares with (``model_param.type() == 'torch.cuda.FloatTensor'``) and what torch_npu reports on NPU
    once MindSpeed's ``type_wrapper`` renames npu to cuda. ``Tensor.type(dtype)`` casts (MindSpore's own method),
    also to a legacy type given as its class (``torch.LongTensor``) or its name (``'torch.FloatTensor'``).
    Not a MindSpore tensor: the object's own ``type``."""
    if not isinstance(self, ms.Tensor):
        return self.type() if dtype is None else self.type(dtype)
    if isinstance(dtype, _TypedTensorMeta):                 # x.type(torch.LongTensor): the class names a dtype
        return self.astype(dtype._ms_dtype)
    if isinstance(dtype, str) and dtype.startswith("torch."):   # x.type('torch.cuda.FloatTensor')
        by_name = {v: k for k, v in _TYPE_NAMES.items()}
        key = by_name.get(dtype.rsplit(".", 1)[-1])
        if key is None:
            raise TypeError(f"invalid type: {dtype!r}")
        return self.astype(getattr(ms, _MS_DTYPE_NAMES[key]))
    if dtype is not None:
        return self.type(dtype)
    name = _TYPE_NAMES.get(str(self.dtype))
    if name is None:
        raise TypeError(f"no torch tensor type for dtype {self.dtype}")
    return f"torch.cuda.{name}"


def repeat_sequences() -> None:
    """Let ``"ab" * t`` / ``t * "ab"`` repeat the string ``t`` times for an integer tensor ``t``, as torch does: its
    ``Tensor.__mul__`` / ``__rmul__`` decline a str or bytes (NotImplemented), so Python repeats the sequence
    through the tensor's ``__index__``. MindSpore's try to multiply and raise TypeError (MindSpeed-MM's Qwen2-VL
    plugin builds the image-token run as ``image_token * image_grid_thw[i].prod() // merge_length``). Installed once
    by the runtime modules that hand converted code tensors where it had torch's (``hf_training``); a float or
    multi-element tensor still raises, as in torch."""
    cls = ms.Tensor
    if getattr(cls, "_mscore_repeat_sequences", False):
        return
    mul, rmul = cls.__mul__, cls.__rmul__

    def _times(seq, t):
        try:
            n = t.__index__()
        except ValueError as exc:   # torch raises TypeError here (MindSpore's __index__: ValueError)
            raise TypeError("only integer tensors of a single element can be converted to an index") from exc
        return seq * n

    def __mul__(self, other):
        if isinstance(other, (str, bytes)):
            return _times(other, self)
        return mul(self, other)

    def __rmul__(self, other):
        if isinstance(other, (str, bytes)):
            return _times(other, self)
        return rmul(self, other)

    cls.__mul__, cls.__rmul__ = __mul__, __rmul__
    cls._mscore_repeat_sequences = True


def is_sparse(self) -> bool:
    """``Tensor.is_sparse``: a ``mindspore.Tensor`` is dense (False); MindSpore's sparse tensors are separate classes
    (``COOTensor``, ``CSRTensor``: True). Not a tensor: the object's own attribute."""
    if isinstance(self, ms.Tensor):
        return False
    if isinstance(self, (ms.COOTensor, ms.CSRTensor)):
        return True
    return self.is_sparse


def _in_place(method: str, python_op, symbol: str):
    def op(target, value):
        if isinstance(target, ms.Tensor):
            getattr(target, method)(value)
            return target
        return python_op(target, value)
    op.__name__ = op.__qualname__ = python_op.__name__
    op.__doc__ = (f"``target {symbol}= value`` as torch computes it: in place on a MindSpore tensor "
                  f"(``target.{method}(value)``; its views see the update), ``operator.{python_op.__name__}`` on "
                  "anything else. Returns the target, which the converted statement assigns back.")
    return op


# what ``x += y`` / ``-=`` / ``*=`` / ``/=`` become when the file makes ``x`` a tensor
# (rewrite/statements/augmented.py): MindSpore's Tensor operators rebind x to a new tensor, torch's write into x
iadd = _in_place("add_", operator.iadd, "+")
isub = _in_place("sub_", operator.isub, "-")
imul = _in_place("mul_", operator.imul, "*")
itruediv = _in_place("div_", operator.itruediv, "/")
