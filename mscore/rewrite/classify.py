"""One answer, shared by the ast locator and the libcst rewriter, to "which rule covers this reference?"."""
from __future__ import annotations

from dataclasses import dataclass

from mscore.rules import Rule, RuleSet
from mscore.rules.signature import ALIASES

# Methods NumPy's ndarray has too: on an unknown receiver, ``a.sum(axis=0)`` / ``a.std(axis=0, keepdims=True)`` is
# taken for NumPy's (the keyword aliases of signature.ALIASES do not apply to them), so it is left as it is.
NUMPY_METHODS = frozenset({
    "all", "any", "argmax", "argmin", "argpartition", "argsort", "choose", "clip", "compress", "cumprod", "cumsum",
    "diagonal", "flatten", "max", "mean", "min", "nonzero", "partition", "prod", "ptp", "put", "ravel", "repeat",
    "reshape", "resize", "round", "searchsorted", "sort", "squeeze", "std", "sum", "swapaxes", "take", "trace",
    "transpose", "var", "view",
})


# Array libraries whose objects share those method names. A file that names none of them (no import, no attribute
# path, not even a comment) builds no ndarray itself, so there a NumPy-style keyword on one of those methods is
# torch's alias: x.std(axis=0) is x.std(dim=0) (torch's unbiased std, not NumPy's ddof=0 one).
ARRAY_LIBRARIES = ("numpy", "pandas", "cupy", "jax", "scipy", "xarray", "dask", "tensorflow", "mindspore")


def names_no_array_library(text: str) -> bool:
    """Whether a source text mentions none of :data:`ARRAY_LIBRARIES` (``np.`` counts too)."""
    return not any(lib in text for lib in ARRAY_LIBRARIES) and "np." not in text


@dataclass(frozen=True)
class Match:
    api: str              # what the report counts: "torch.cat", "Tensor.view", "torch.nn.Module"
    rule: Rule | None     # None: a torch name with no rule (unconverted)
    suffix: str = ""      # attribute path after a prefix rule: torch.distributed.ReduceOp + ".SUM"
    respell: bool = False  # an identity method called with torch's other spelling (x.view(size=s) -> x.view(s))

    @property
    def active(self) -> bool:
        """True when the source text must change (or be marked)."""
        return self.rule is None or not self.rule.is_identity or self.respell


def match_qualified(rules: RuleSet, qualified: str, *, called: bool) -> Match:
    """A dotted torch name (aliases resolved). An exact rule wins; a bare reference (or a call of a deeper
    attribute) falls back to the longest prefix that has a rule, keeping the rest of the path."""
    rule = rules.apis.get(qualified)
    if rule is not None:
        return Match(qualified, rule)
    public = reexported(rules, qualified)
    if public is not None:
        return Match(public, rules.apis[public])
    parts = qualified.split(".")
    for cut in range(len(parts) - 1, 1, -1):
        prefix = ".".join(parts[:cut])
        rule = rules.apis.get(prefix)
        if rule is not None and rule.sig is None:
            return Match(prefix, rule, "." + ".".join(parts[cut:]))
    return Match(qualified, None)


# Packages whose public names are defined in submodules and re-exported: torch.nn.modules.normalization.GroupNorm,
# torch.nn.modules.GroupNorm and torch.nn.GroupNorm are one class, so one rule (keyed by the public name) serves all.
REEXPORTS = (
    ("torch.nn.modules", "torch.nn"),
    ("torch.nn.parameter", "torch.nn"),
    ("torch.optim", "torch.optim"),
    ("torch.optim.lr_scheduler", "torch.optim.lr_scheduler"),
    ("torch.utils.data", "torch.utils.data"),
    ("torch.autograd.function", "torch.autograd"),
    ("torch.autograd.grad_mode", "torch"),
    ("torch.functional", "torch"),
    ("torch._tensor", "torch"),
    ("torch.nn.utils.clip_grad", "torch.nn.utils"),
    ("torch.distributed.distributed_c10d", "torch.distributed"),
)


def reexported(rules: RuleSet, qualified: str) -> str | None:
    """The public name with a rule for a name reached through a defining submodule (``torch.nn.modules.linear.Linear``
    → ``torch.nn.Linear``), or None."""
    for package, public in REEXPORTS:
        if qualified.startswith(package + "."):
            rest = qualified[len(package) + 1:].split(".")
            for cand in (f"{public}.{rest[-1]}", f"{public}.{'.'.join(rest)}"):
                if cand != qualified and cand in rules.apis:
                    return cand
    return None


def match_method(rules: RuleSet, name: str, *, called: bool, receiver: str = "other") -> Match | None:
    """``<expr>.name(...)`` (called) or ``<expr>.name`` (a property rule: no sig). None when no rule names it.

    ``receiver`` is the receiver's kind (``self``, ``super()``, ``class``, ``other``): a method called on ``self`` is
    a Module method (``self.norm(h)`` calls a submodule, not ``Tensor.norm``), and a rule with ``receivers``
    applies only to those kinds."""
    rule = rules.module_methods.get(name) if receiver == "self" else rules.method(name)
    if rule is None:
        return None
    if rule.receivers and receiver not in rule.receivers:
        return None
    if called != (rule.sig is not None or rule.transform is not None) and not rule.unsupported:
        return None
    if rule.unsupported and not called and rule.sig is not None:
        return None
    return Match(rule.api, rule)


def needs_respelling(rule: Rule, keywords: list[str], tensor_receivers: bool = False) -> bool:
    """Whether a call of ``rule`` with these keyword names must be re-spelled before MindSpore sees it: its
    ``*varargs`` parameter passed by keyword (``x.view(size=s)``) or a keyword alias (``axis=``, see
    ``signature.ALIASES``) where the method is not one NumPy's ndarray has too, or the file names no array library
    (``tensor_receivers``)."""
    sig = rule.sig
    if sig is None or sig.var_keyword is not None:
        return False
    vp = sig.var_positional
    if vp is not None and vp.name in keywords:
        return True
    if rule.is_method and rule.method_name in NUMPY_METHODS and not tensor_receivers:
        return False
    return any(k in ALIASES and not sig.has(k) and sig.has(ALIASES[k]) for k in keywords)
