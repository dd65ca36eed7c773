"""Load and validate ``rules/*.toml`` into a :class:`RuleSet`.

Every problem is reported as :class:`RuleFileError` naming the file and line, so a rule author sees at once what
to fix. The loader reads only the rule files; it knows nothing of the rewriter beyond the set of transform names it
is given to check ``transform =`` references against.
"""
from __future__ import annotations

import ast
import builtins
import hashlib
import keyword
import os
import re
import sys
from pathlib import Path
from typing import Any, Iterable

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from mscore.rules.imports import load_import_policy
from mscore.rules.model import (
    ATTRIBUTE,
    FUNCTION,
    MODULE_METHOD,
    RUNTIME_PREFIX,
    STATUSES,
    TENSOR_METHOD,
    Rule,
    RuleSet,
)
from mscore.rules.signature import SignatureError, parse_signature

KEYS = {
    "target", "sig", "target_sig", "rename", "drop", "unsupported_args", "defaults", "transform", "status", "note",
    "pack", "template", "receivers", "native", "positional", "decorator", "setter", "fields", "fallback",
}
DECORATOR_ACTIONS = ("drop",)
_RUNTIME_DIR = Path(__file__).resolve().parent.parent / "runtime"
_FIELD = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)!?\}")   # {name}, or {name!}: must be passed
KEY_PREFIXES = ("torch.", "torch_npu.", "safetensors.torch.", "Tensor.", "Module.")
_HEADER = re.compile(r'^\s*\[\s*(?:"([^"]+)"|([A-Za-z0-9_.\-]+))\s*\]\s*(?:#.*)?$')
_KEYLINE = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=")
_TOML_LINE = re.compile(r"line (\d+)")
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_PLACEHOLDER = re.compile(r"^__mscore_[a-z]+__$")   # a MindSpore module alias written out by the rewriter
# control characters (NUL, ESC, DEL...) and the Unicode line/paragraph separators: text that becomes a comment
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\x85]")
_DOTTED = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")


class RuleFileError(ValueError):
    """A rule file problem, with the file and line it is at."""

    def __init__(self, file: str, line: int, message: str):
        self.file, self.line, self.message = file, line, message
        super().__init__(f"{file}:{line}: {message}" if line else f"{file}: {message}")


def default_rules_dir() -> Path:
    """The rules shipped with mscore (``rules/`` of a source checkout, or the copy inside an installed wheel)."""
    from mscore.resources import PACKAGE, data_dir

    found = data_dir("rules")
    if found is None:
        raise FileNotFoundError(f"mscore rule directory not found (neither shipped in {PACKAGE} nor beside it)")
    return found


def _line_index(text: str) -> dict[str, tuple[int, dict[str, int]]]:
    """Table name -> (header line, {key: line}) by a light scan of the text (tomllib keeps no positions)."""
    index: dict[str, tuple[int, dict[str, int]]] = {}
    current: dict[str, int] | None = None
    for no, line in enumerate(text.splitlines(), start=1):
        m = _HEADER.match(line)
        if m:
            name = m.group(1) or m.group(2)
            current = {}
            index.setdefault(name, (no, current))
            continue
        k = _KEYLINE.match(line)
        if k and current is not None:
            current.setdefault(k.group(1), no)
    return index


def _str_table(value: Any, what: str, err) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        err(what, f"{what} must be a table of strings")
    return dict(value)


def _free_names(expression: str) -> list[str]:
    """Names an expression reads that it does not bind itself (lambda parameters, comprehension targets, walrus)."""
    tree = ast.parse(expression, mode="eval")
    bound = {"_x"}
    for n in ast.walk(tree):
        if isinstance(n, ast.arguments):
            bound |= {a.arg for a in (*n.posonlyargs, *n.args, *n.kwonlyargs, n.vararg, n.kwarg) if a is not None}
        elif isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store):
            bound.add(n.id)
    return sorted({n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)} - bound)


def _parse_rule(api: str, body: Any, file: str, lines: tuple[int, dict[str, int]], known_transforms) -> Rule:
    header_line, key_lines = lines

    def err(key: str | None, message: str):
        raise RuleFileError(file, key_lines.get(key, header_line) if key else header_line, f"[{api}] {message}")

    if not isinstance(body, dict):
        err(None, "must be a table")
    if not api.startswith(KEY_PREFIXES) or not _DOTTED.match(api):
        err(None, f"API key must be a dotted name starting with one of {', '.join(KEY_PREFIXES)}")
    for key in body:
        if key not in KEYS:
            err(key, f"unknown key {key!r} (known: {', '.join(sorted(KEYS))})")
    status = body.get("status")
    if status not in STATUSES:
        err("status", f"status must be one of {', '.join(STATUSES)}, got {status!r}")
    note = body.get("note")
    if not isinstance(note, str) or not note.strip() or "\n" in note.strip():
        err("note", "note must be a non-empty one-line string")
    if _CONTROL.search(note.strip()):
        err("note", "note holds a control character (it becomes a comment in converted code)")
    if api.startswith("Tensor."):
        kind = TENSOR_METHOD
    elif api.startswith("Module."):
        kind = MODULE_METHOD
    else:
        kind = FUNCTION if "sig" in body else ATTRIBUTE
    if kind in (TENSOR_METHOD, MODULE_METHOD) and api.count(".") != 1:
        err(None, "a method key is Tensor.<name> or Module.<name>")

    target = body.get("target")
    if status == "unsupported":
        if target is not None:
            err("target", "an unsupported API has no target")
    elif target is None and "template" in body:
        pass   # the template is the target
    else:
        if not isinstance(target, str) or not _DOTTED.match(target):
            err("target", "target must be a dotted name")
        if any(keyword.iskeyword(part) for part in target.split(".")):
            err("target", f"target {target!r} has a Python keyword as a name")
        if kind == FUNCTION or kind == ATTRIBUTE:
            if target.startswith(RUNTIME_PREFIX):
                parts = target.split(".")
                if len(parts) < 3 or not (_RUNTIME_DIR / f"{parts[1]}.py").is_file():
                    err("target", f"{target!r}: a runtime target is mscore_rt.<module>.<name> with a module "
                                  "in mscore/runtime/")
            elif not target.startswith(("mindspore", "builtins.")):
                err("target", "a torch API's target must be a qualified mindspore name, builtins.<name> or "
                              "mscore_rt.<module>.<name>")

    def sig_of(key: str):
        value = body.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            err(key, f"{key} must be a string")
        try:
            return parse_signature(value)
        except SignatureError as exc:
            err(key, str(exc))

    sig = sig_of("sig")
    target_sig = sig_of("target_sig")
    rename = _str_table(body.get("rename", {}), "rename", err)
    drop = body.get("drop", [])
    if not isinstance(drop, list) or not all(isinstance(d, str) for d in drop):
        err("drop", "drop must be an array of parameter names")
    unsupported_args = _str_table(body.get("unsupported_args", {}), "unsupported_args", err)
    defaults = _str_table(body.get("defaults", {}), "defaults", err)
    for key, names in (("rename", rename), ("drop", drop), ("unsupported_args", unsupported_args)):
        for name in names:
            if sig is None:
                err(key, f"{key} needs sig")
            if not sig.has(name):
                err(key, f"{key} names {name!r}, which is not a parameter of sig {sig.text}")
    for name, value in defaults.items():
        if not _IDENT.match(name):
            err("defaults", f"defaults key {name!r} is not a parameter name")
        try:
            compile(value, "<default>", "eval")
        except SyntaxError:
            err("defaults", f"defaults[{name!r}] = {value!r} is not a Python expression")
        if not value.isascii():
            err("defaults", f"defaults[{name!r}] must be ASCII (it is written into files of any encoding)")
        for free in _free_names(value):
            if free != "mindspore" and not hasattr(builtins, free) and not _PLACEHOLDER.match(free):
                err("defaults", f"defaults[{name!r}] refers to {free!r}, which the converted file does not import "
                                f"(only mindspore.* and builtins are available)")
    for name, new in rename.items():
        if not _IDENT.match(new) or keyword.iskeyword(new):
            err("rename", f"rename target {new!r} is not an identifier (or is a Python keyword)")
    for name, reason in unsupported_args.items():
        if not reason.strip() or "\n" in reason.strip() or _CONTROL.search(reason.strip()):
            err("unsupported_args", f"unsupported_args[{name!r}] must be a one-line reason without control "
                                    "characters (it becomes a comment in converted code)")
    pack = body.get("pack")
    if pack is not None:
        if not isinstance(pack, str) or sig is None or sig.var_positional is None or sig.var_positional.name != pack:
            err("pack", "pack must name the *varargs parameter of sig (e.g. pack = \"size\" for \"(*size, ...)\")")
    template = body.get("template")
    if template is not None:
        if not isinstance(template, str) or sig is None:
            err("template", "template must be a string and needs sig")
        allowed = set(sig.names()) | ({"self"} if kind in (TENSOR_METHOD, MODULE_METHOD) else set())
        for name in _FIELD.findall(template):
            if name not in allowed:
                err("template", f"template field {{{name}}} is not a parameter of sig {sig.text}")
        try:
            compile(_FIELD.sub("_x", template), "<template>", "eval")
        except SyntaxError:
            err("template", f"template {template!r} is not a Python expression")
        if not template.isascii():
            err("template", "template must be ASCII (it is written into files of any encoding)")
        for name in _free_names(_FIELD.sub("_x", template)):
            if name in ("torch", "torch_npu"):
                err("template", f"template refers to {name}: the converted file no longer imports it (write the "
                                f"MindSpore form)")
            if name != "mindspore" and not hasattr(builtins, name) and not _PLACEHOLDER.match(name):
                err("template", f"template refers to {name!r}, which the converted file does not import (only "
                                f"mindspore.* and builtins are available)")
        if body.get("transform", "template") != "template":
            err("template", "a rule with a template has transform = \"template\" (or none)")
    positional = body.get("positional", [])
    if not isinstance(positional, list) or not all(isinstance(n, str) for n in positional):
        err("positional", "positional must be an array of parameter names")
    for name in positional:
        if sig is None or not sig.has(name):
            err("positional", f"positional names {name!r}, which is not a parameter of sig")
    receivers = body.get("receivers", [])
    if not isinstance(receivers, list) or not all(r in ("self", "super()", "class", "other") for r in receivers):
        err("receivers", 'receivers must be a list of "self", "super()", "class", "other"')
    if receivers and kind not in (TENSOR_METHOD, MODULE_METHOD):
        err("receivers", "receivers applies to Tensor.* / Module.* rules only")
    decorator = body.get("decorator")
    if decorator is not None:
        if decorator not in DECORATOR_ACTIONS:
            err("decorator", f"decorator must be one of {', '.join(DECORATOR_ACTIONS)}")
        if kind not in (FUNCTION, ATTRIBUTE) or status == "unsupported":
            err("decorator", "decorator applies to a supported torch.* function or attribute")
    setter = body.get("setter")
    if setter is not None:
        if kind != TENSOR_METHOD or sig is not None or not isinstance(setter, str) or not _DOTTED.match(setter) \
                or not setter.startswith(RUNTIME_PREFIX) or setter.count(".") < 2:
            err("setter", "setter is a runtime function (mscore_rt.<module>.<name>) on a Tensor property rule")
        elif not (_RUNTIME_DIR / f"{setter.split('.')[1]}.py").is_file():
            err("setter", f"{setter!r}: no module mscore/runtime/{setter.split('.')[1]}.py")
    fallback = body.get("fallback")
    if fallback is not None:
        if kind != FUNCTION or sig is None or not isinstance(fallback, str) or not _DOTTED.match(fallback) \
                or not fallback.startswith((RUNTIME_PREFIX, "mindspore.")) or fallback.count(".") < 2:
            err("fallback", "fallback is a MindSpore or runtime function (mindspore.<...>.<name>, "
                "mscore_rt.<module>.<name>) on a torch.* call rule")
        elif fallback.startswith(RUNTIME_PREFIX) and not (_RUNTIME_DIR / f"{fallback.split('.')[1]}.py").is_file():
            err("fallback", f"{fallback!r}: no module mscore/runtime/{fallback.split('.')[1]}.py")
        elif body.get("transform") != "method_fallback":
            err("fallback", 'fallback applies to rules with transform = "method_fallback"')
    fields = body.get("fields", [])
    if not isinstance(fields, list) or not all(isinstance(n, str) and _IDENT.match(n) for n in fields) \
            or len(set(fields)) != len(fields):
        err("fields", "fields must be an array of distinct attribute names")
    if fields and (sig is None or status == "unsupported"):
        err("fields", "fields applies to a supported rule of a call")
    transform = body.get("transform", "template" if template is not None else None)
    native = body.get("native")
    if native is not None:
        if not isinstance(native, str) or not _IDENT.match(native):
            err("native", "native must be a method name")
        if kind != TENSOR_METHOD or transform != "inplace":
            err("native", 'native applies to Tensor.* rules with transform = "inplace"')
    if transform is not None:
        if not isinstance(transform, str):
            err("transform", "transform must be a string")
        if known_transforms is not None and transform not in known_transforms:
            err("transform", f"unknown transform {transform!r} (known: {', '.join(sorted(known_transforms))})")
    return Rule(
        api=api, kind=kind, status=status, note=note.strip(), target=target, sig=sig, target_sig=target_sig,
        rename=rename, drop=tuple(drop), unsupported_args=unsupported_args, defaults=defaults, transform=transform,
        pack=pack, template=template, receivers=tuple(receivers), native=native, positional=tuple(positional),
        decorator=decorator, setter=setter, fields=tuple(fields), fallback=fallback, file=file,
        line=header_line,
    )


def _read(path: Path, display: str) -> bytes:
    """A rule file's bytes; a directory, a dangling link or an unreadable file is a RuleFileError, not a traceback."""
    if path.is_dir():
        raise RuleFileError(display, 0, "is a directory, not a rule file")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise RuleFileError(display, 0, f"cannot read: {exc.strerror or exc}") from None


def load_rule_file(path: Path, known_transforms: Iterable[str] | None = None, display: str | None = None) -> list[Rule]:
    file = display or str(path)
    raw = _read(path, file)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RuleFileError(file, raw[: exc.start].count(b"\n") + 1, "not UTF-8") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = _TOML_LINE.search(str(exc))
        raise RuleFileError(file, int(m.group(1)) if m else 1, f"malformed TOML: {exc}") from None
    index = _line_index(text)
    known = set(known_transforms) if known_transforms is not None else None
    rules = []
    for api, body in data.items():
        rules.append(_parse_rule(api, body, file, index.get(api, (1, {})), known))
    return rules


def load_rules(
    rule_dir: Path | None = None, known_transforms: Iterable[str] | None = None, extra_files: Iterable[Path] = ()
) -> RuleSet:
    """Load every ``*.toml`` in ``rule_dir`` (sorted) plus ``extra_files``; a duplicate API anywhere is an error."""
    rule_dir = rule_dir or default_rules_dir()
    try:
        names = os.listdir(rule_dir)
    except OSError as exc:
        raise RuleFileError(str(rule_dir), 0, f"cannot read the rule directory: {exc.strerror or exc}") from None
    files = sorted(rule_dir / n for n in names if n.endswith(".toml") and not n.startswith(".")) + [
        Path(p) for p in extra_files]
    digest = hashlib.sha256()
    seen: dict[str, Rule] = {}
    rules: list[Rule] = []
    for path in files:
        display = path.name if path.parent == rule_dir else str(path)
        digest.update(display.encode("utf-8", "surrogateescape") + b"\0" + _read(path, display) + b"\0")
        for rule in load_rule_file(path, known_transforms, display):
            if rule.api in seen:
                first = seen[rule.api]
                raise RuleFileError(rule.file, rule.line,
                                    f"duplicate API {rule.api!r} (first defined at {first.where})")
            seen[rule.api] = rule
            rules.append(rule)
    policy = load_import_policy(rule_dir)
    digest.update(b"imports\0" + policy.fingerprint.encode())
    return RuleSet.build(rules, digest.hexdigest(), policy)
