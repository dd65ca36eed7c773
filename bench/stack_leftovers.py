"""Which converted files still import torch at module level, and which leftovers keep them doing so.

    python bench/stack_leftovers.py OUT [--top 40] [--json FILE]

OUT is a ``mscore convert --repo ...`` output (one directory per repository plus ``report.json``). Every ``.py``
file is parsed with :mod:`ast`; a *module-level* import is one executed when the module is imported: a statement
of the module body, or inside a module-level ``if`` / ``try`` / ``with`` / ``for`` / ``while`` block (never inside a
``def`` or ``class``). ``torch`` counts ``torch`` and ``torch_npu`` (which imports torch); ``torchvision`` /
``torchaudio`` are reported beside it.

For the files that keep a module-level torch import the report's per-file leftovers say why: an API ranks by the
number of such files that hold it (``files``) and the number where it is the only API left (``sole``: converting
it alone frees the file). Method leftovers (``Tensor.*`` / ``Module.*``) are reached through a receiver, not an
import: they keep no import alive and are left out of the ranking (and of ``sole``). A file whose torch import
survives with no import-keeping leftover is listed as such.
"""
from __future__ import annotations

import argparse
import ast
import json
import sys
import warnings
from collections import Counter
from pathlib import Path

TORCH_ROOTS = {"torch", "torch_npu"}
OTHER_ROOTS = {"torchvision", "torchaudio"}
METHOD_PREFIXES = ("Tensor.", "Module.")


def module_level_roots(tree: ast.Module) -> set[str]:
    """Top-level package names imported when the module is imported (absolute imports only)."""
    roots: set[str] = set()

    def walk(stmts):
        for st in stmts:
            if isinstance(st, ast.Import):
                roots.update(a.name.split(".", 1)[0] for a in st.names)
            elif isinstance(st, ast.ImportFrom):
                if st.level == 0 and st.module:
                    roots.add(st.module.split(".", 1)[0])
            elif isinstance(st, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                continue
            else:
                for name in ("body", "orelse", "finalbody"):
                    block = getattr(st, name, None)
                    if isinstance(block, list):
                        walk([s for s in block if isinstance(s, ast.stmt)])
                for h in getattr(st, "handlers", ()) or ():
                    walk(h.body)
                for c in getattr(st, "cases", ()) or ():
                    walk(c.body)

    walk(tree.body)
    return roots


def scan(out: Path) -> dict:
    report = json.loads((out / "report.json").read_text())
    result = {"repos": [], "ranking": []}
    per_api_files: Counter = Counter()
    per_api_sole: Counter = Counter()
    per_api_refs: Counter = Counter()
    examples: dict[str, str] = {}
    for repo in report["repos"]:
        name = repo["name"]
        root = out / name
        leftovers = {f["path"]: f.get("unconverted") or [] for f in repo["files"]["files"]}
        py = torch_files = other_files = unparsable = no_leftover = 0
        no_leftover_examples: list[str] = []
        for path in sorted(root.rglob("*.py")):
            rel = path.relative_to(root).as_posix()
            if rel.startswith((".git/", "mscore_rt/")):
                continue
            py += 1
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    tree = ast.parse(path.read_bytes())
            except (SyntaxError, ValueError):
                unparsable += 1
                continue
            roots = module_level_roots(tree)
            if roots & OTHER_ROOTS:
                other_files += 1
            if not roots & TORCH_ROOTS:
                continue
            torch_files += 1
            apis = Counter(u["api"] for u in leftovers.get(rel, []) if not u["api"].startswith(METHOD_PREFIXES))
            if not apis:
                no_leftover += 1
                no_leftover_examples.append(rel)
            for api, n in apis.items():
                per_api_files[api] += 1
                per_api_refs[api] += n
                examples.setdefault(api, rel)
            if len(apis) == 1:
                per_api_sole[next(iter(apis))] += 1
        result["repos"].append({
            "repo": name, "python_files": py, "torch_at_module_level": torch_files,
            "torchvision_or_torchaudio": other_files, "unparsable": unparsable,
            "torch_without_leftover": no_leftover, "torch_without_leftover_examples": no_leftover_examples[:10],
        })
    for api, n in sorted(per_api_files.items(), key=lambda kv: (-kv[1], -per_api_sole[kv[0]], kv[0])):
        result["ranking"].append({"api": api, "files": n, "sole": per_api_sole[api], "references": per_api_refs[api],
                                  "example": examples[api]})
    result["total_python_files"] = sum(r["python_files"] for r in result["repos"])
    result["total_torch_at_module_level"] = sum(r["torch_at_module_level"] for r in result["repos"])
    return result


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--top", type=int, default=40)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    res = scan(args.out)
    for r in res["repos"]:
        print(f"{r['repo']:<14} {r['torch_at_module_level']:>4} / {r['python_files']:<4} .py files import torch at "
              f"module level ({r['torch_without_leftover']} with no leftover); torchvision/torchaudio: "
              f"{r['torchvision_or_torchaudio']}")
    print(f"{'total':<14} {res['total_torch_at_module_level']:>4} / {res['total_python_files']}")
    print(f"\n{'api':<58} {'files':>5} {'sole':>5} {'refs':>5}  example")
    for row in res["ranking"][: args.top]:
        print(f"{row['api']:<58} {row['files']:>5} {row['sole']:>5} {row['references']:>5}  {row['example']}")
    if args.json:
        args.json.write_text(json.dumps(res, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
