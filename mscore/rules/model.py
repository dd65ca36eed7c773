"""The immutable rule set the rewriter reads: one :class:`Rule` per torch API."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from mscore.rules.imports import ImportPolicy
from mscore.rules.signature import Signature

STATUSES = ("consistent", "differing_args", "differing_defaults", "unsupported")

# kinds of key
FUNCTION = "function"        # torch.cat, torch.nn.Linear, torch_npu.npu_rms_norm (a call or a bare reference)
ATTRIBUTE = "attribute"      # torch.float32, torch.Tensor (never called with a signature)
TENSOR_METHOD = "tensor_method"
MODULE_METHOD = "module_method"

# Targets under this prefix are functions of mscore's runtime package, written into every output as ``mscore_rt``
# (mscore/runtime/): ``mscore_rt.autograd.backward`` is emitted as ``autograd.backward`` and the file gets
# ``from mscore_rt import autograd`` (rewrite/context.py, passes/imports.py).
RUNTIME_PREFIX = "mscore_rt."


@dataclass(frozen=True)
class Rule:
    api: str                      # the key: "torch.cat", "Tensor.view", "Module.eval"
    kind: str
    status: str
    note: str
    target: str | None = None
    sig: Signature | None = None
    target_sig: Signature | None = None
    rename: Mapping[str, str] = field(default_factory=dict)
    drop: tuple[str, ...] = ()
    unsupported_args: Mapping[str, str] = field(default_factory=dict)
    defaults: Mapping[str, str] = field(default_factory=dict)
    transform: str | None = None
    pack: str | None = None           # torch *varargs packed into one tuple argument for the target
    template: str | None = None       # the whole emitted expression, for the "template" transform
    receivers: tuple[str, ...] = ()   # method rules only: the receivers it applies to ("self", "super()")
    native: str | None = None         # inplace rules: MindSpore's own in-place method, emitted for a plain receiver
    positional: tuple[str, ...] = ()  # torch keywords the target takes positionally only, after the others
    decorator: str | None = None      # "drop": as a decorator (@api, @api(...)) the line is removed
    setter: str | None = None         # property rules: the function a store ``x.attr = v`` becomes (setter(x, v))
    fields: tuple[str, ...] = ()      # torch's named-tuple result fields, in order: ``.values`` -> ``[0]``
    fallback: str | None = None       # method_fallback: the runtime function a call the target refuses goes to
    file: str = ""
    line: int = 0

    @property
    def method_name(self) -> str:
        """For Tensor.* / Module.* rules: the torch method name."""
        return self.api.split(".", 1)[1]

    @property
    def is_method(self) -> bool:
        return self.kind in (TENSOR_METHOD, MODULE_METHOD)

    @property
    def unsupported(self) -> bool:
        return self.status == "unsupported"

    @property
    def is_identity(self) -> bool:
        """A method rule that changes nothing in the source (x.view stays x.view)."""
        return (
            self.is_method
            and not self.unsupported
            and self.target == self.method_name
            and not self.rename
            and not self.drop
            and not self.unsupported_args
            and not self.defaults
            and self.transform is None
            and self.target_sig is None
            and self.pack is None
            and not self.positional
        )

    @property
    def qualified_target(self) -> bool:
        """The target is a function (mindspore.* or mscore_rt.*), not a method name."""
        return bool(self.target) and self.target.startswith(("mindspore.", RUNTIME_PREFIX))

    @property
    def adapts_args(self) -> bool:
        return bool(self.rename or self.drop or self.defaults or self.target_sig or self.unsupported_args or self.pack
                    or self.positional)

    @property
    def needs_call(self) -> bool:
        """Only a call can be converted: the rule adapts arguments in a way a later call of a bare reference would
        not get (a rename, a changed default, a template, ...). Dropping parameters alone is not such a way: the
        bare reference becomes the target, and a later call passing a dropped parameter fails with a TypeError
        there (``device=`` to mint.nn.Linear) instead of computing something else."""
        # module_to_cell / legacy_tensor adapt calls only: a bare reference is the class itself (nn.Cell, ms.Tensor);
        # so does method_fallback, whose refused arguments (unsupported_args) the bare target refuses with a
        # TypeError too (act = nn.ReLU is mint.nn.ReLU; act(inplace=True) raises there)
        fallback = self.transform == "method_fallback"
        if self.template is not None or (self.transform is not None and not fallback
                                         and self.transform not in ("module_to_cell", "legacy_tensor")):
            return True
        return bool(self.rename or self.defaults or self.target_sig or self.pack
                    or (self.unsupported_args and not fallback))

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True)
class RuleSet:
    """Rules indexed for the rewriter (treat as read-only; plain dicts so it pickles to worker processes).
    ``fingerprint`` changes whenever any rule file changes."""

    apis: Mapping[str, Rule]              # qualified torch name -> rule (functions and attributes)
    tensor_methods: Mapping[str, Rule]    # method name -> rule
    module_methods: Mapping[str, Rule]    # method name -> rule
    fingerprint: str
    imports: ImportPolicy = ImportPolicy()   # which non-torch imports need torch (rules/imports/packages.toml)

    @classmethod
    def build(cls, rules: list[Rule], fingerprint: str, imports: ImportPolicy = ImportPolicy()) -> "RuleSet":
        apis: dict[str, Rule] = {}
        tm: dict[str, Rule] = {}
        mm: dict[str, Rule] = {}
        for r in rules:
            if r.kind == TENSOR_METHOD:
                tm[r.method_name] = r
            elif r.kind == MODULE_METHOD:
                mm[r.method_name] = r
            else:
                apis[r.api] = r
        return cls(apis, tm, mm, fingerprint, imports)

    def __len__(self) -> int:
        return len(self.apis) + len(self.tensor_methods) + len(self.module_methods)

    def all(self) -> list[Rule]:
        return [*self.apis.values(), *self.tensor_methods.values(), *self.module_methods.values()]

    def lookup(self, api: str) -> Rule | None:
        """The rule keyed ``api`` as reports spell it: ``torch.cat``, ``Tensor.view``, ``Module.eval``."""
        kind, _, name = api.partition(".")
        if kind == "Tensor":
            return self.tensor_methods.get(name)
        if kind == "Module":
            return self.module_methods.get(name)
        return self.apis.get(api)

    def method(self, name: str) -> Rule | None:
        """The rule for ``<expr>.name(...)``: a Module method rule wins over a Tensor one of the same name."""
        return self.module_methods.get(name) or self.tensor_methods.get(name)
