"""Every rule in rules/torch_npu.toml is proven: unsupported ones (and unsupported arguments) by expect="unsupported"
parity cases, mapped ones by the tests/npu tests listed in cases_torch_npu.COVERED_ELSEWHERE (torch_npu cannot run
on the torch side of the parity harness)."""
import ast
import importlib.util
from pathlib import Path

from mscore.rules import load_rule_file

ROOT = Path(__file__).resolve().parents[2]


def _cases_module():
    path = ROOT / "tests" / "parity" / "cases" / "cases_torch_npu.py"
    spec = importlib.util.spec_from_file_location("cases_torch_npu_for_coverage", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_every_torch_npu_rule_is_covered():
    rules = load_rule_file(ROOT / "rules" / "torch_npu.toml")
    mod = _cases_module()
    unsupported_cases = {c.api for c in mod.CASES if c.expect == "unsupported"}
    mapped = {r.api for r in rules if not r.unsupported}
    unsupported = {r.api for r in rules if r.unsupported}
    assert not unsupported - unsupported_cases, f"unsupported rules without a case: {unsupported - unsupported_cases}"
    assert set(mod.COVERED_ELSEWHERE) == mapped, (
        f"mapped rules without tests: {mapped - set(mod.COVERED_ELSEWHERE)}; "
        f"listed but not mapped: {set(mod.COVERED_ELSEWHERE) - mapped}")
    with_unsupported_args = {r.api for r in rules if r.unsupported_args}
    assert not with_unsupported_args - unsupported_cases, "a rule's unsupported_args need an unsupported case"


def test_listed_tests_exist():
    mod = _cases_module()
    defined = {}
    for node_id in {n for ids in mod.COVERED_ELSEWHERE.values() for n in ids}:
        file, func = node_id.split("::")
        if file not in defined:
            tree = ast.parse((ROOT / file).read_text())
            defined[file] = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
        assert func in defined[file], f"{node_id} does not exist"


def _resolve(dotted):
    import importlib

    if dotted.startswith("mscore_rt."):   # a runtime helper: mscore/runtime/<module>.py
        _, module, rest = dotted.split(".", 2)
        obj = importlib.import_module(f"mscore.runtime.{module}")
        for part in rest.split("."):
            obj = getattr(obj, part)
        return obj
    import mindspore

    obj = mindspore
    for part in dotted.split(".")[1:]:
        obj = getattr(obj, part)
    return obj


def test_targets_exist_and_accept_every_mapped_parameter():
    """Against the installed MindSpore: each target exists, and every torch parameter the rule keeps (after
    rename / drop / unsupported_args) is a parameter of the target (or its target_sig, which must match it)."""
    import inspect

    problems = []
    for rule in load_rule_file(ROOT / "rules" / "torch_npu.toml"):
        if rule.unsupported:
            continue
        target = _resolve(rule.target)
        if rule.sig is None:
            continue
        params = inspect.signature(target).parameters
        real = {n for n, p in params.items() if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)} - {"self"}
        takes_kwargs = any(p.kind == p.VAR_KEYWORD for p in params.values())
        if rule.target_sig is not None:
            declared = {p.name for p in rule.target_sig.params if p.kind not in ("var_positional", "var_keyword")}
            extra = declared - real
            if extra:
                problems.append(f"{rule.api}: target_sig names {sorted(extra)} that {rule.target} lacks")
        for p in rule.sig.params:
            if p.name in rule.drop or p.name in rule.unsupported_args or p.kind in ("var_positional", "var_keyword"):
                continue
            name = rule.rename.get(p.name, p.name)
            if name not in real and not takes_kwargs:
                problems.append(f"{rule.api}: {p.name} -> {name} is not a parameter of {rule.target}")
    assert not problems, "\n".join(problems)
