"""Rule loading validates everything and names the file and line of each problem."""
import textwrap

import pytest

from mscore.rewrite.transforms import KNOWN
from mscore.rules import RuleFileError, bind, load_rules, parse_signature
from mscore.rules.signature import BindError, SignatureError

GOOD = """\
["torch.cat"]
target = "mindspore.mint.cat"
sig = "(tensors, dim=0, *, out=None)"
status = "consistent"
note = "same"
"""


def write(tmp_path, name, text):
    (tmp_path / name).write_text(textwrap.dedent(text))
    return tmp_path


def load(tmp_path):
    return load_rules(tmp_path, known_transforms=KNOWN)


def test_good_file_loads(tmp_path):
    rules = load(write(tmp_path, "a.toml", GOOD))
    rule = rules.apis["torch.cat"]
    assert (rule.target, rule.line, rule.file) == ("mindspore.mint.cat", 1, "a.toml")


@pytest.mark.parametrize(
    "text, line, needle",
    [
        (GOOD + 'colour = "red"\n', 6, "unknown key 'colour'"),
        (GOOD.replace('"consistent"', '"fine"'), 4, "status must be one of"),
        (GOOD.replace('sig = "(tensors, dim=0, *, out=None)"', 'sig = "(tensors, dim=0"'), 3, "parenthesised"),
        (GOOD.replace('sig = "(tensors, dim=0, *, out=None)"', 'sig = "(a, 1)"'), 3, "invalid signature"),
        (GOOD + 'rename = { axis = "dim" }\n', 6, "not a parameter of sig"),
        (GOOD + 'transform = "teleport"\n', 6, "unknown transform 'teleport'"),
        (GOOD + 'defaults = { x = "1 +" }\n', 6, "not a Python expression"),
        (GOOD.replace('note = "same"', 'note = ""'), 5, "note must be"),
        (GOOD.replace('"torch.cat"', '"numpy.cat"'), 1, "API key must be"),
        (GOOD.replace('target = "mindspore.mint.cat"', 'target = "jax.cat"'), 2, "qualified mindspore name"),
        ("\n\n" + GOOD + "[broken\n", 8, "malformed TOML"),
        (GOOD.replace('"consistent"', '"unsupported"'), 2, "no target"),
        (GOOD + 'fields = ["values", "values"]\n', 6, "distinct attribute names"),
        (GOOD + 'fields = "values"\n', 6, "distinct attribute names"),
        (GOOD + 'fallback = "mscore_rt.resample.interpolate"\n', 6, 'transform = "method_fallback"'),
        (GOOD + 'transform = "method_fallback"\nfallback = "jax.numpy.concatenate"\n', 7, "runtime function"),
        (GOOD + 'transform = "method_fallback"\nfallback = "mscore_rt.nowhere.f"\n', 7, "no module"),
    ],
)
def test_bad_entries_name_file_and_line(tmp_path, text, line, needle):
    write(tmp_path, "bad.toml", text)
    with pytest.raises(RuleFileError) as err:
        load(tmp_path)
    assert err.value.file == "bad.toml"
    assert err.value.line == line, str(err.value)
    assert needle in str(err.value)


def test_duplicate_api_within_and_across_files(tmp_path):
    write(tmp_path, "a.toml", GOOD)
    write(tmp_path, "b.toml", "\n" + GOOD)
    with pytest.raises(RuleFileError) as err:
        load(tmp_path)
    assert (err.value.file, err.value.line) == ("b.toml", 2)
    assert "duplicate API 'torch.cat' (first defined at a.toml:1)" in str(err.value)
    (tmp_path / "b.toml").unlink()
    write(tmp_path, "a.toml", GOOD + "\n" + GOOD)
    with pytest.raises(RuleFileError) as err:
        load(tmp_path)
    assert err.value.file == "a.toml" and "torch.cat" in str(err.value)


def test_fingerprint_changes_with_content(tmp_path):
    a = load(write(tmp_path, "a.toml", GOOD)).fingerprint
    b = load(write(tmp_path, "a.toml", GOOD.replace("same", "same!"))).fingerprint
    assert a != b


def test_signature_binding():
    sig = parse_signature("(input, dim=None, keepdim=False, *, dtype=None)")
    b = bind(sig, ["x"], [("keepdim", True), ("dim", 1)])
    assert b.values == {"input": "x", "dim": 1, "keepdim": True}
    assert b.positional == {"input"}
    with pytest.raises(BindError):
        bind(sig, ["x", 1, True, "f32"], [])
    with pytest.raises(BindError):
        bind(sig, [], [("dim", 1)])
    with pytest.raises(BindError):
        bind(sig, ["x"], [("input", 1)])
    with pytest.raises(SignatureError):
        parse_signature("input, dim")
    star = parse_signature("(*size, dtype=None)")
    assert bind(star, [1, 2], [("dtype", "f")]).var_positional == [1, 2]


def test_shipped_rules_load():
    rules = load_rules(known_transforms=KNOWN)
    for rule in rules.all():
        assert rule.status == "unsupported" or rule.target or rule.template
