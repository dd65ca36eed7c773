"""Packaging files of a converted tree: requirements and ``pyproject.toml`` dependencies stop asking for torch.

A converted project that still lists ``torch==2.6.0`` (or a package that pulls torch in, such as torchvision or
timm) installs torch again. In ``requirements*.txt`` and in the ``dependencies`` / ``optional-dependencies`` arrays of
``pyproject.toml``, each requirement on torch, torch_npu or a torch-only package (the ``packages`` list of
``rules/imports/packages.toml``) is commented out with the reason, and MindSpore is required instead — once, at the
version mscore targets. Everything else, comments and layout included, stays byte for byte. Line-based on purpose:
a TOML writer would reformat the file.
"""
from __future__ import annotations

import re

TARGET = "mindspore==2.10.0"          # the MindSpore release the rules and the backfill are measured on
TORCH = ("torch", "torch_npu", "torchvision", "torchaudio", "torchtext")
REASON = "mscore: needs torch; the converted code runs on MindSpore"

_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
_QUOTED = re.compile(r"""^(\s*)(["'])([^"']+)\2(\s*,?)(.*)$""")


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


def _drops(requirement: str, drop: frozenset[str]) -> bool:
    m = _NAME.match(requirement)
    return bool(m) and _normal(m.group(1)) in drop


def drop_set(torch_only_packages=()) -> frozenset[str]:
    return frozenset(_normal(n) for n in (*TORCH, *(p for p in torch_only_packages if "." not in p)))


def is_packaging_file(path: str) -> bool:
    name = path.rsplit("/", 1)[-1]
    return name == "pyproject.toml" or (name.startswith("requirements") and name.endswith(".txt"))


def convert_requirements(text: str, drop: frozenset[str]) -> str:
    out, changed, has_ms = [], False, False
    for line in text.splitlines(keepends=True):
        body = line.split("#", 1)[0].strip()
        if body and _normal(_NAME.match(body).group(1) if _NAME.match(body) else "") == "mindspore":
            has_ms = True
        if body and not body.startswith("-") and _drops(body, drop):
            eol = line[len(line.rstrip("\r\n")):] or "\n"
            out.append(f"# {line.rstrip(chr(13) + chr(10))}  # {REASON}{eol}")
            changed = True
        else:
            out.append(line)
    if not changed:
        return text
    if not has_ms:
        if out and not out[-1].endswith(("\n", "\r")):
            out[-1] += "\n"
        out.append(f"{TARGET}\n")
    return "".join(out)


def convert_pyproject(text: str, drop: frozenset[str]) -> str:
    lines = text.splitlines(keepends=True)
    out, in_deps, changed, first_deps_at, has_ms, indent = [], False, False, None, False, "    "
    for line in lines:
        stripped = line.strip()
        if not in_deps:
            out.append(line)
            if re.match(r"^(dependencies|[A-Za-z0-9_-]+)\s*=\s*\[", stripped) and (
                    stripped.startswith("dependencies") or _in_optional(out)):
                in_deps = not stripped.endswith("]")
                if stripped.startswith("dependencies") and first_deps_at is None and in_deps:
                    first_deps_at = len(out)
            continue
        if stripped.startswith("]"):
            in_deps = False
            out.append(line)
            continue
        m = _QUOTED.match(line.rstrip("\r\n"))
        if m:
            indent = m.group(1)
            if _normal((_NAME.match(m.group(3)) or _NAME.match("x")).group(1)) == "mindspore":
                has_ms = True
            if _drops(m.group(3), drop):
                eol = line[len(line.rstrip("\r\n")):]
                out.append(f"{m.group(1)}# {line.strip()}  # {REASON}{eol}")
                changed = True
                continue
        out.append(line)
    if changed and not has_ms and first_deps_at is not None:
        out.insert(first_deps_at, f'{indent}"{TARGET}",\n')
    return "".join(out) if changed else text


def _in_optional(out: list[str]) -> bool:
    """Is the array being opened inside a ``[project.optional-dependencies]`` table?"""
    for line in reversed(out[:-1]):
        s = line.strip()
        if s.startswith("["):
            return s == "[project.optional-dependencies]"
    return False


def convert_packaging(path: str, data: bytes, drop: frozenset[str]) -> bytes | None:
    """The converted bytes of a packaging file, or None when nothing changes (or it is not UTF-8 text)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    name = path.rsplit("/", 1)[-1]
    new = convert_pyproject(text, drop) if name == "pyproject.toml" else convert_requirements(text, drop)
    return None if new == text else new.encode("utf-8")
