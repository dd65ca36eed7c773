#!/usr/bin/env bash
# Install mscore as a user would (a built wheel in a fresh venv, no source tree on the path) and use it:
# rules check, convert one file, and `convert --repo` on a fixture git repository through the shipped manifest.
# Usage: bash .ci/wheel_smoke.sh   (from anywhere; needs python3, git and the package registries for the deps)
set -euo pipefail
SRC="$(cd "$(dirname "$0")/.." && pwd)"
PY="${PYTHON:-python}"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
say() { printf 'wheel smoke: %s\n' "$*"; }
fail() { printf 'wheel smoke: FAILED: %s\n' "$*" >&2; exit 1; }

# 1. build from a clean export of the tree (tracked + new files; no stale build/ or egg-info)
mkdir -p "$TMP/src"
(cd "$SRC" && git ls-files -z --cached --others --exclude-standard \
    | while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done \
    | xargs -0 cp --parents -t "$TMP/src")
"$PY" -m pip wheel -q --no-deps --no-build-isolation -w "$TMP/dist" "$TMP/src"
WHEEL="$(ls "$TMP"/dist/mscore-*.whl)"
say "built $(basename "$WHEEL")"

# 2. a fresh venv that sees nothing of this machine's site-packages; the wheel's deps come from the registry
"$PY" -m venv "$TMP/venv"
"$TMP/venv/bin/python" -m pip install -q "$WHEEL"
MS="$TMP/venv/bin/mscore"
mkdir -p "$TMP/work" && cd "$TMP/work"
unset PYTHONPATH
"$TMP/venv/bin/python" - "$TMP/venv" <<'PY'
import sys
from pathlib import Path

import mscore
from mscore.pipeline.manifest import load_manifest
from mscore.resources import data_dir

venv = Path(sys.argv[1]).resolve()
where = Path(mscore.__file__).resolve()
assert venv in where.parents, f"mscore imported from {where}, not from the venv"
for name in ("rules", "patches", "parity_cases"):
    d = data_dir(name)
    assert d is not None and venv in d.parents, f"{name}: {d}"
import mscore.runtime  # noqa: F401  (helpers written into converted outputs)
m = load_manifest()
checked = 0
for spec in m.repos.values():
    if spec.patches is not None and spec.patches.is_dir():
        assert venv in spec.patches.parents, spec.patches
        for f in (spec.patches / "replace.toml", ):
            if f.is_file():
                import tomllib
                for entry in tomllib.loads(f.read_text())["replace"]:
                    assert (spec.patches / entry["file"]).is_file(), entry["file"]
                    checked += 1
assert checked, "no shipped replacement patch found"
print(f"wheel smoke: data inside the venv; {checked} shipped replacement file(s) present")
PY

# 3. the two first commands a new user runs
"$MS" rules check
printf 'import torch\n\n\ndef f(x):\n    return torch.cat([x, torch.zeros(2)], dim=0).sum()\n' > t.py
"$MS" convert t.py --out o.py --no-cache -q
grep -q "mint.cat" o.py || fail "o.py was not converted: $(cat o.py)"
! grep -q "torch" o.py || fail "o.py still mentions torch: $(cat o.py)"
say "convert t.py --out o.py: ok"

# 4. --repo through the shipped manifest, on a fixture repository standing in for Megatron-LM (no dependencies)
export GIT_AUTHOR_NAME=fixture GIT_AUTHOR_EMAIL=f@x GIT_COMMITTER_NAME=fixture GIT_COMMITTER_EMAIL=f@x
UP="$TMP/upstream/Megatron-LM"
mkdir -p "$UP/megatron/core"
printf '' > "$UP/megatron/__init__.py"
printf 'import torch\n\n\ndef act(x):\n    return torch.cat([x, x]) * 2\n' > "$UP/megatron/core/layer.py"
printf '# fixture\n' > "$UP/README.md"
git -C "$UP" init -q -b main && git -C "$UP" add -A && git -C "$UP" commit -q -m fixture
git -C "$UP" tag core_r0.8.0
"$MS" convert --repo Megatron-LM --source "Megatron-LM=$UP" --out "$TMP/out" --cache-dir "$TMP/cache" --jobs 1
grep -q "mint.cat" "$TMP/out/Megatron-LM/megatron/core/layer.py" \
    || fail "layer.py not converted: $(cat "$TMP/out/Megatron-LM/megatron/core/layer.py")"
[ -f "$TMP/out/mscore.lock" ] && [ -f "$TMP/out/patches/Megatron-LM.patch" ] || fail "--repo output incomplete"
"$MS" convert --repo Megatron-LM --source "Megatron-LM=$UP" --out "$TMP/out" --cache-dir "$TMP/cache" --jobs 1 \
    | grep -q "up to date" || fail "re-run was not a no-op"
say "convert --repo Megatron-LM (fixture): ok"
say "PASSED"
