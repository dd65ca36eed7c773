"""The import policy (``rules/imports/packages.toml``): which non-torch imports need torch to import.

Kept apart from the per-API rules: it is about *packages* a converted module imports, not torch references.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    import tomli as tomllib

POLICY_FILE = Path("imports") / "packages.toml"
_IMPORT_PATTERNS: dict[tuple[str, ...], re.Pattern] = {}


class ImportPolicyError(ValueError):
    """The policy file is malformed: a one-line message naming the file."""


@dataclass(frozen=True)
class ImportPolicy:
    packages: frozenset[str] = frozenset()        # the package and every submodule
    submodules_of: frozenset[str] = frozenset()   # submodules only
    fingerprint: str = ""
    redirect: tuple[tuple[str, str], ...] = ()     # (qualified third-party name, mscore_rt replacement)

    def redirected(self, qualified: str) -> str | None:
        return dict(self.redirect).get(qualified)

    def may_guard(self, text: str) -> bool:
        """Cheap pre-check: whether ``text`` may import one of the guarded packages (a file without torch in it
        still needs its ``from transformers... import`` guarded)."""
        names = (*self.packages, *self.submodules_of)
        if not names:
            return False
        pattern = _IMPORT_PATTERNS.get(names)
        if pattern is None:
            alternatives = "|".join(re.escape(n.split(".", 1)[0]) for n in sorted(set(names)))
            pattern = _IMPORT_PATTERNS[names] = re.compile(rf"^[ \t]*(?:from|import)[ \t]+(?:{alternatives})\b", re.M)
        return pattern.search(text) is not None

    def guards(self, module: str) -> bool:
        """Does importing ``module`` (dotted) need torch, by this policy?"""
        parts = module.split(".")
        prefixes = {".".join(parts[:i]) for i in range(1, len(parts) + 1)}
        if prefixes & self.packages:
            return True
        return any(p in self.submodules_of for p in prefixes if p != module)


def load_import_policy(rule_dir: Path) -> ImportPolicy:
    path = Path(rule_dir) / POLICY_FILE
    if not path.is_file():
        return ImportPolicy()
    raw = path.read_bytes()
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ImportPolicyError(f"{path}: {exc}") from None
    guard = data.get("guard", {})
    out = {}
    for key in ("packages", "submodules_of"):
        names = guard.get(key, [])
        if not isinstance(names, list) or not all(isinstance(n, str) and n and all(
                p.isidentifier() for p in n.split(".")) for n in names):
            raise ImportPolicyError(f"{path}: guard.{key} must be a list of dotted module names")
        out[key] = frozenset(names)
    redirect = data.get("redirect", {})
    for src, dst in redirect.items():
        if not isinstance(dst, str) or not dst.startswith("mscore_rt.") or dst.count(".") < 2 or "." not in src:
            raise ImportPolicyError(f"{path}: redirect {src!r} must name 'mscore_rt.<module>.<name>'")
    return ImportPolicy(out["packages"], out["submodules_of"], hashlib.sha256(raw).hexdigest(),
                        tuple(sorted(redirect.items())))
