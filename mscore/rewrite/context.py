"""What a transform works with: the rule set, the torch aliases in scope, and where it records what it did."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Mapping

import libcst as cst

from mscore.rules import RuleSet

# Emitted MindSpore names use these aliases; the engine turns the placeholders into the final alias names once it
# knows which names are free in the file (``nn`` may be taken by something that is not torch).
TARGET_PREFIXES = (
    ("mindspore.mint", "mint"),
    ("mindspore.ops", "ops"),
    ("mindspore.nn", "nn"),
    ("mindspore", "ms"),
)
PLACEHOLDER = "__mscore_{}__"
_MS = re.compile(r"\bmindspore(?:\.(mint|ops|nn))?\b|\bmscore_rt\.([A-Za-z_][A-Za-z0-9_]*)\b")
# Runtime helpers (mscore/runtime, shipped in the output as the package ``mscore_rt``): a target
# ``mscore_rt.grad_mode.enable_grad`` is emitted as ``grad_mode.enable_grad`` under the alias ``rt_grad_mode``, and
# the file gets ``from mscore_rt import grad_mode``.
RUNTIME_PACKAGE = "mscore_rt"
RUNTIME_ALIAS = "rt_"


def runtime_module(alias: str) -> str | None:
    """``rt_grad_mode`` -> ``mscore_rt.grad_mode``; None for a mindspore alias."""
    return f"{RUNTIME_PACKAGE}.{alias[len(RUNTIME_ALIAS):]}" if alias.startswith(RUNTIME_ALIAS) else None


def runtime_name(qualified: str) -> tuple[str, str]:
    """``mscore_rt.autograd.set_grad`` -> (``rt_autograd``, ``__mscore_rt_autograd__.set_grad``): the alias and
    the placeholder text of a runtime target, for a statement-level rewrite that writes its text itself."""
    _, sub, rest = qualified.split(".", 2)
    alias = RUNTIME_ALIAS + sub
    return alias, f"{PLACEHOLDER.format(alias)}.{rest}"


@dataclass(frozen=True)
class Event:
    """One torch reference handled in a unit."""

    api: str
    converted: bool
    reason: str = ""
    root: str | None = None     # the import alias it was reached through (keeps that import alive if unconverted)


@dataclass(frozen=True)
class TrainingStep:
    """What a unit inside a recognised training step knows (set per statement by statements/training_step.py)."""

    grads: str | None = None            # the value_and_grad gradient list: clip_grad_norm_ here clips it
    clip_error: str | None = None       # why the clip_grad_norm_ here cannot be converted
    grad_alias: Mapping[str, str] = field(default_factory=dict)   # p -> gradient name, in a for over the parameters
    grad_unmapped: bool = False         # a .grad read here that no gradient maps to: left and reported

    @property
    def reads_grads(self) -> bool:
        """``.grad`` reads here are rewritten or reported."""
        return bool(self.grad_alias) or self.grad_unmapped

    def merged(self, later: TrainingStep) -> TrainingStep:
        """This statement's knowledge with ``later``'s on top (what ``later`` sets wins)."""
        return TrainingStep(later.grads or self.grads, later.clip_error or self.clip_error,
                            later.grad_alias or self.grad_alias, later.grad_unmapped or self.grad_unmapped)


@dataclass
class Ctx:
    rules: RuleSet
    aliases: dict[str, str]                 # torch import aliases visible in the unit's scope
    profile: str = "native"
    events: list[Event] = field(default_factory=list)
    used: set[str] = field(default_factory=set)   # target aliases emitted: ms / mint / ops / nn / rt_<module>
    annotation: bool = False                # the unit is a type annotation
    training: TrainingStep | None = None    # inside a recognised training step
    # the file names no array library (classify.names_no_array_library): a method NumPy's ndarray also has, called
    # with NumPy's axis= / keepdims=, is torch's alias there (x.std(axis=0) is x.std(dim=0))
    tensor_receivers: bool = False
    discarded: bool = False                 # the unit is an expression statement's value (its result is unused)

    def mindspore_source(self, text: str) -> str:
        """Python source written with full ``mindspore.*`` names (templates, defaults) → placeholder aliases."""
        def alias(m: re.Match) -> str:
            if m.group(2):
                sub = RUNTIME_ALIAS + m.group(2)
            else:
                sub = m.group(1) or "ms"
            self.used.add(sub)
            return PLACEHOLDER.format(sub)

        return _MS.sub(alias, text)

    # names the file binds to mindspore (a converted file's own `from mindspore import mint`): `mint.norm(x)` is
    # never the torch method `x.norm()`, so method rules do not apply to a receiver rooted at one of them
    ms_names: frozenset[str] = frozenset()

    def is_ms_receiver(self, node: cst.BaseExpression) -> bool:
        while isinstance(node, cst.Attribute):
            node = node.value
        return isinstance(node, cst.Name) and node.value in self.ms_names

    def ok(self, api: str, root: str | None = None) -> None:
        self.events.append(Event(api, True, "", root))

    def fail(self, api: str, reason: str, root: str | None = None) -> None:
        self.events.append(Event(api, False, reason, root))

    def target(self, qualified: str) -> cst.BaseExpression:
        """``mindspore.mint.nn.functional.gelu`` → ``mint.nn.functional.gelu`` (through a placeholder alias)."""
        alias, node = _target_node(qualified)
        if alias:
            self.used.add(alias)
        return node


@lru_cache(maxsize=4096)
def _target_node(qualified: str) -> tuple[str, cst.BaseExpression]:
    """(alias used, expression) for a target name; parsed once per process (libcst nodes are immutable)."""
    if qualified.startswith("builtins."):
        return "", cst.parse_expression(qualified[len("builtins."):])
    if qualified.startswith(RUNTIME_PACKAGE + ".") and qualified.count(".") >= 2:
        _, sub, rest = qualified.split(".", 2)
        alias = RUNTIME_ALIAS + sub
        return alias, cst.parse_expression(f"{PLACEHOLDER.format(alias)}.{rest}")
    for prefix, alias in TARGET_PREFIXES:
        if qualified == prefix or qualified.startswith(prefix + "."):
            return alias, cst.parse_expression(PLACEHOLDER.format(alias) + qualified[len(prefix):])
    raise ValueError(f"target {qualified!r} is not a mindspore name")


class Unconvertible(Exception):
    """Raised by a transform: leave the call as it is, for this reason."""


class NoMatch(Unconvertible):
    """The call does not fit the rule's torch signature: for a method rule, it is not the torch method at all."""
