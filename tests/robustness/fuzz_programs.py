"""A hypothesis strategy for Python programs full of torch code, built from fragments.

The torch names come from the rule set under test (so rules fire: functions, nn classes, functional ops, dtypes,
Tensor and Module methods), reached through the aliases real code uses (``import torch as th``, ``from torch import
nn``, ``from torch.nn import functional as F``, function-local imports). Expressions nest calls, method chains,
starred and ``**`` arguments, lambdas, comprehensions, f-strings, walrus, subscripts and operators; statements add
in-place methods, ``.size``/``.to``/``.cuda`` chains, decorators, type hints, ``with``, ``for``, ``if``, ``match``,
``async`` and ``nn.Module`` subclasses. Lines holding ``# KEEP`` are torch-free filler that must come out byte
for byte. Programs are valid Python by construction (the tests also check that the input compiles).
"""
from __future__ import annotations

from dataclasses import dataclass

from hypothesis import strategies as st

from mscore.rules.model import RuleSet

IMPORT_STYLES = [
    "import torch",
    "import torch as th",
    "from torch import nn",
    "import torch.nn as nn",
    "from torch.nn import functional as F",
    "import torch.nn.functional as F",
    "import torch_npu",
    "import numpy as np",
]
KWARG_NAMES = ["dim", "keepdim", "dtype", "device", "out", "eps", "bias", "inplace", "non_blocking", "p", "value",
               "alpha", "requires_grad", "approximate", "memory_format", "group", "axis"]
VARS = ["x", "y", "h", "mask", "weight", "out_", "hidden_states", "a", "b"]
DEVICE_EXPRS = ["'cuda'", "device", "x.device", "torch.cuda.current_device()", "'npu:0'", "0"]


@dataclass(frozen=True)
class Names:
    functions: tuple[str, ...]       # qualified torch names with rules (torch.cat, torch.nn.functional.gelu, ...)
    classes: tuple[str, ...]         # torch.nn.<Class>
    dtypes: tuple[str, ...]          # torch.float32, ...
    methods: tuple[str, ...]         # Tensor / Module method names with rules
    unknown: tuple[str, ...] = ("torch.some_unmapped_op", "torch.cuda.synchronize", "torch.nn.functional.no_such")

    @classmethod
    def from_rules(cls, rules: RuleSet) -> "Names":
        funcs, classes, dtypes = [], [], []
        for api, rule in rules.apis.items():
            if not api.startswith("torch.") or any(not p.isidentifier() for p in api.split(".")):
                continue
            last = api.rsplit(".", 1)[-1]
            if rule.sig is None and last[:1].islower() and "float" in last or last in (
                    "bool", "long", "half", "double", "int", "int8", "int16", "int32", "int64", "uint8"):
                dtypes.append(api)
            elif api.startswith("torch.nn.") and last[:1].isupper() and api.count(".") == 2:
                classes.append(api)
            else:
                funcs.append(api)
        methods = sorted({*rules.tensor_methods, *rules.module_methods})
        return cls(tuple(sorted(funcs)) or ("torch.cat",), tuple(sorted(classes)) or ("torch.nn.Linear",),
                   tuple(sorted(dtypes)) or ("torch.float32",), tuple(m for m in methods if m.isidentifier()))


class Program:
    """Collects lines while a program is drawn."""

    def __init__(self, imports: list[str]):
        self.imports = imports
        self.lines: list[str] = []
        self.keep = 0

    def alias(self, qualified: str) -> str:
        """How the program spells a torch name with the imports it has."""
        imps = self.imports
        if qualified.startswith("torch.nn.functional.") and any(i.endswith(" F") for i in imps):
            return "F." + qualified[len("torch.nn.functional."):]
        if qualified.startswith("torch.nn.") and ("from torch import nn" in imps or "import torch.nn as nn" in imps):
            return "nn." + qualified[len("torch.nn."):]
        if qualified.startswith("torch_npu.") and "import torch_npu" not in imps:
            qualified = "torch.npu_missing"
        if "import torch as th" in imps and "import torch" not in imps:
            return "th" + qualified[len("torch"):] if qualified.startswith("torch.") else qualified
        return qualified


def _ident(draw) -> str:
    return draw(st.sampled_from(VARS))


@st.composite
def expressions(draw, names: Names, prog: Program, depth: int = 0):
    """A torch-heavy expression; ``depth`` bounds the nesting."""
    leaf = depth >= 3
    kind = draw(st.integers(0, 4 if leaf else 16))
    if kind == 0:
        return _ident(draw)
    if kind == 1:
        return draw(st.sampled_from(["0", "1", "-1", "2.5", "None", "True", "'s'", "(2, 3)", "[1, 2]"]))
    if kind == 2:
        return prog.alias(draw(st.sampled_from(names.dtypes)))
    if kind == 3:
        return f"{_ident(draw)}.shape[{draw(st.integers(-1, 2))}]"
    if kind == 4:
        return f"{_ident(draw)}.{draw(st.sampled_from(['dtype', 'device', 'is_cuda', 'T', 'data', 'grad']))}"
    sub = lambda: draw(expressions(names, prog, depth + 1))  # noqa: E731
    if kind in (5, 6, 7):   # torch function call
        fn = prog.alias(draw(st.sampled_from(names.functions + names.unknown[:1])))
        return f"{fn}({draw(arguments(names, prog, depth))})"
    if kind == 8:   # nn class instantiation
        return f"{prog.alias(draw(st.sampled_from(names.classes)))}({draw(arguments(names, prog, depth))})"
    if kind in (9, 10):   # method chain
        recv = draw(st.sampled_from([_ident(draw), f"({sub()})", f"{_ident(draw)}[0]", f"self.{_ident(draw)}"]))
        for _ in range(draw(st.integers(1, 3))):
            m = draw(st.sampled_from(names.methods + ("size", "to", "cuda", "view", "float")))
            args = draw(st.sampled_from(["", "0", "-1", "dim=1", "2, 3", "*shape", "**kw", prog.alias("torch.float32"),
                                         "device", "'cuda'", "non_blocking=True", sub()]))
            recv = f"{recv}.{m}({args})"
        return recv
    if kind == 11:
        op = draw(st.sampled_from(["+", "-", "*", "/", "@", "**", "==", "<", "and", "or", "if"]))
        if op == "if":
            return f"({sub()} if {sub()} else {sub()})"
        return f"({sub()} {op} {sub()})"
    if kind == 12:
        return f"(lambda {_ident(draw)}, *args, **kw: {sub()})"
    if kind == 13:
        v = draw(st.sampled_from(["t", "torch", "i"]))
        form = draw(st.sampled_from(["[{e} for {v} in {it}]", "{{{e} for {v} in {it} if {c}}}", "({e} for {v} in {it})",
                                     "{{{v}: {e} for {v} in {it}}}"]))
        return form.format(e=sub(), v=v, it=_ident(draw), c=sub())
    if kind == 14:
        q = draw(st.sampled_from(["'", '"']))
        inner = sub().replace(q, "'" if q == '"' else '"')
        if "\\" in inner or "'" in inner and '"' in inner:
            inner = _ident(draw)
        return f"f{q}{{{inner}!r}} {{{_ident(draw)}:>4}}{q}"
    if kind == 15:
        return f"({_ident(draw)}_w := {sub()})"
    return f"{_ident(draw)}[{sub()}, ..., None]"


@st.composite
def arguments(draw, names: Names, prog: Program, depth: int):
    parts = []
    for _ in range(draw(st.integers(0, 3))):
        parts.append(draw(expressions(names, prog, depth + 1)))
    if draw(st.booleans()):
        parts.append("*" + draw(st.sampled_from(["args", "shape", "[x, y]"])))
    used = set()
    for _ in range(draw(st.integers(0, 2))):
        k = draw(st.sampled_from(KWARG_NAMES))
        if k in used:
            continue
        used.add(k)
        value = draw(st.sampled_from(DEVICE_EXPRS)) if k == "device" else draw(expressions(names, prog, depth + 1))
        parts.append(f"{k}={prog.alias(value) if value.startswith('torch.') else value}")
    if draw(st.integers(0, 5)) == 0:
        parts.append("**kw")
    return ", ".join(parts)


@st.composite
def blocks(draw, names: Names, prog: Program, indent: int, depth: int, in_def: bool = False):
    out: list[str] = []
    pad = "    " * indent
    for _ in range(draw(st.integers(1, 4))):
        e = lambda: draw(expressions(names, prog))  # noqa: E731
        kind = draw(st.integers(0, 16 if depth < 2 else 7))
        if kind == 0:
            prog.keep += 1
            out.append(f"{pad}_k{prog.keep} = {prog.keep}  # KEEP {prog.keep}")
        elif kind == 1:
            out.append(f"{pad}{_ident(draw)} = {e()}")
        elif kind == 2:
            out.append(f"{pad}{e()}")
        elif kind == 3:
            out.append(f"{pad}{_ident(draw)} += {e()}")
        elif kind == 4:   # in-place methods, .size/.to/.cuda chains
            recv = draw(st.sampled_from(["x", "self.weight", "x[0]", "x[1:]", "y.data", "f(x)"]))
            m = draw(st.sampled_from(["add_", "mul_", "zero_", "fill_", "copy_", "masked_fill_", "clamp_", "div_"]))
            out.append(f"{pad}{recv}.{m}({draw(st.sampled_from(['', '1', 'y', 'mask, 0.0', e()]))})")
        elif kind == 5:
            out.append(f"{pad}n = x.size({draw(st.sampled_from(['', '0', '-1', 'dim=1']))}) + len(x.cuda().to("
                       f"{draw(st.sampled_from(['device', prog.alias('torch.float16'), 'dtype=x.dtype', 'y']))}))")
        elif kind == 6:
            out.append(f"{pad}{'return' if in_def else 'v ='} {e()}, {e()}")
        elif kind == 7:   # a function-local import
            imp = draw(st.sampled_from(["import torch", "from torch.nn import functional as F", "import torch as th"]))
            out.append(f"{pad}{imp}")
            out.append(f"{pad}z = {'F.gelu' if 'F' in imp else imp.split()[-1] + '.cat'}([x])")
        elif kind == 8:
            out.append(f"{pad}if {e()}:")
            out.extend(draw(blocks(names, prog, indent + 1, depth + 1, in_def)))
            if draw(st.booleans()):
                out.append(f"{pad}else:")
                out.extend(draw(blocks(names, prog, indent + 1, depth + 1, in_def)))
        elif kind == 9:
            out.append(f"{pad}for {_ident(draw)} in {e()}:")
            out.extend(draw(blocks(names, prog, indent + 1, depth + 1, in_def)))
        elif kind == 10:
            out.append(f"{pad}with {prog.alias('torch.no_grad')}(), open(p) as fh:")
            out.extend(draw(blocks(names, prog, indent + 1, depth + 1, in_def)))
        elif kind == 11:
            out.append(f"{pad}match {e()}:")
            out.append(f"{pad}    case [a, *rest] if {e()}:")
            out.extend(draw(blocks(names, prog, indent + 2, depth + 1, in_def)))
            out.append(f"{pad}    case _:")
            out.extend(draw(blocks(names, prog, indent + 2, depth + 1, in_def)))
        elif kind == 12:   # decorated function with type hints
            t = prog.alias("torch.Tensor")
            out.append(f"{pad}@{prog.alias('torch.no_grad')}()")
            out.append(f"{pad}@deco({e()})")
            out.append(f"{pad}def fn(x: {t}, *args, k: {t} = {e()}, **kw) -> {t}:")
            out.extend(draw(blocks(names, prog, indent + 1, depth + 1, in_def=True)))
        elif kind == 13:   # an nn.Module subclass
            out.append(f"{pad}class Net{depth}({prog.alias('torch.nn.Module')}):")
            out.append(f"{pad}    scale = {e()}")
            out.append(f"{pad}    def __init__(self, n):")
            out.append(f"{pad}        super().__init__()")
            out.append(f"{pad}        self.layer = {prog.alias(draw(st.sampled_from(names.classes)))}(n, n)")
            out.append(f"{pad}    def forward(self, x, *args, **kwargs):")
            out.extend(draw(blocks(names, prog, indent + 2, depth + 1, in_def=True)))
            out.append(f"{pad}        return self.layer(x).{draw(st.sampled_from(names.methods or ('view',)))}()")
        elif kind == 14:
            out.append(f"{pad}async def afn(x):")
            out.append(f"{pad}    async with {prog.alias('torch.no_grad')}():")
            out.append(f"{pad}        await g({e()})")
            out.append(f"{pad}    return [await h(t) async for t in {e()}]")
        elif kind == 15:
            out.append(f"{pad}try:")
            out.extend(draw(blocks(names, prog, indent + 1, depth + 1, in_def)))
            out.append(f"{pad}except* ValueError as err:")
            out.append(f"{pad}    pass  # KEEP except")
        else:
            out.append(f"{pad}while (m := {e()}) is not None:")
            out.append(f"{pad}    break")
    return out


@st.composite
def programs(draw, names: Names) -> str:
    imports = draw(st.lists(st.sampled_from(IMPORT_STYLES), min_size=1, max_size=4, unique=True))
    if not any(i.startswith("import torch") and "." not in i.split()[1] for i in imports):
        imports.insert(0, draw(st.sampled_from(["import torch", "import torch as th"])))
    prog = Program(imports)
    head = []
    if draw(st.booleans()):
        head.append('"""A module docstring. KEEP"""')
    if draw(st.booleans()):
        head.append("from __future__ import annotations  # KEEP")
    body = draw(blocks(names, prog, 0, 0))
    newline = draw(st.sampled_from(["\n", "\n", "\r\n"]))
    return newline.join([*head, *imports, *body]) + newline
