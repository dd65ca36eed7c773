"""Call transforms register themselves where they are defined; the names rules may use are derived from that."""
import ast
from pathlib import Path

import pytest

from mscore.rewrite import transforms
from mscore.rewrite.transforms import CALL_TRANSFORMS, KNOWN, STRUCTURAL
from mscore.rewrite.transforms.registry import transform
from mscore.rules import load_rules

PACKAGE = Path(transforms.__file__).parent


def test_every_apply_in_the_package_is_registered_under_its_file_name():
    """A transform file with an ``apply`` that forgot ``@transform`` would be silently unusable by rules."""
    for path in sorted(PACKAGE.glob("*.py")):
        tree = ast.parse(path.read_text())
        applies = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "apply"]
        if not applies or path.stem == "out_arg":   # out_arg: structural, applied to every rule with out=
            continue
        assert CALL_TRANSFORMS.get(path.stem).__module__ == f"mscore.rewrite.transforms.{path.stem}", path.name


def test_known_names_are_derived():
    assert set(CALL_TRANSFORMS) == {"size_to_shape", "receiver_only", "tensor_to", "inplace", "template",
                                    "clip_grad_norm", "numel", "legacy_tensor", "method_fallback", "array_method"}
    assert KNOWN == frozenset(CALL_TRANSFORMS) | STRUCTURAL
    assert STRUCTURAL == {"module_to_cell", "out_arg"}


def test_every_transform_a_shipped_rule_names_is_known():
    named = {r.transform for r in load_rules().all() if r.transform}
    assert named and named <= KNOWN
    assert "clip_grad_norm" in named


def test_a_name_cannot_be_registered_twice():
    with pytest.raises(ValueError, match="registered twice"):
        transform("inplace")(lambda ctx, rule, call, suffix="": call)
    assert CALL_TRANSFORMS["inplace"].__module__ == "mscore.rewrite.transforms.inplace"
