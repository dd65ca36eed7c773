"""Issue 12's families over the api_probe results: per family, passes before / after (two --json files of
bench/api_probe.py). A snippet belongs to every family whose pattern its API or source matches.

    python bench/api_probe.py --mscore OLD --json /tmp/before.json
    python bench/api_probe.py --json /tmp/after.json
    python bench/probe_issue_families.py /tmp/before.json /tmp/after.json
"""
from __future__ import annotations

import json
import re
import sys

FAMILIES = [
    ("out=", r"\bout=", "source"),
    ("keyword aliases", r"\b(axis|keepdims|input|other|size|repeats|data|dims|exponent|condition|tensors)=", "source"),
    ("gradients", r"backward\(|autograd|\.grad\b|retain_grad|requires_grad", "source"),
    ("conv_transpose3d", r"conv_transpose3d|ConvTranspose3d", "both"),
    ("prod", r"\bprod\b", "api"),
    ("layout=torch.strided", r"strided|layout", "both"),
    ("complex128", r"complex", "both"),
    ("pad_sequence", r"pad_sequence", "api"),
    ("randint", r"randint", "api"),
    ("torch.device", r"torch\.device", "both"),
    ("save / load", r"torch\.(save|load)\b", "api"),
    ("autocast", r"autocast", "both"),
    ("__version__", r"__version__", "both"),
    ("set_grad_enabled", r"set_grad_enabled", "both"),
    ("nn.modules paths", r"torch\.nn\.modules", "both"),
    ("histc", r"histc", "api"),
    ("Tensor.mode", r"\bmode\b", "api"),
    ("resize_", r"resize", "api"),
    ("legacy constructors", r"(Float|Long|Int|Bool|Double|Byte|Half)Tensor|^torch\.Tensor$", "api"),
    ("full max / min", r"^(torch|Tensor)\.(max|min|amax|amin)$", "api"),
    ("scatter reduce=", r"reduce=", "source"),
    ("math on int tensors", r"^torch\.(log|log2|log10|log1p|exp|sqrt|sin|tanh|sigmoid|rsqrt)$|^Tensor\.(log|tanh)", "api"),
    ("in-place relu", r"relu", "api"),
    ("repeat_interleave", r"repeat_interleave", "api"),
    ("interpolate antialias=", r"antialias", "source"),
    ("embedding sparse=", r"sparse=", "source"),
    ("numpy(force=)", r"numpy", "api"),
    ("cuda.stream", r"cuda\.stream", "api"),
    ("jit / compile decorators", r"torch\.(jit|compile|compiler)", "api"),
]


def _members(results, pattern, where):
    rx = re.compile(pattern)
    out = {}
    for r in results:
        if r["stage"] in ("torch", "case", "probe"):
            continue
        hay = {"api": r["api"], "source": r["source"], "both": r["api"] + "\n" + r["source"]}[where]
        if rx.search(hay):
            out[(r["where"], r["source"])] = r["ok"]
    return out


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    runs = [json.load(open(p)) for p in argv]
    print(f"{'family':26s} " + "  ".join(f"{p[-24:]:>22s}" for p in argv))
    for name, pattern, where in FAMILIES:
        cols = []
        for results in runs:
            m = _members(results, pattern, where)
            n = sum(m.values())
            cols.append(f"{n:4d}/{len(m):<4d} {100.0 * n / max(len(m), 1):5.1f} %")
        print(f"{name:26s} " + "  ".join(f"{c:>22s}" for c in cols))
    totals = []
    for results in runs:
        scored = [r for r in results if r["stage"] not in ("torch", "case", "probe")]
        n = sum(r["ok"] for r in scored)
        totals.append(f"{n:4d}/{len(scored):<4d} {100.0 * n / max(len(scored), 1):5.1f} %")
    print(f"{'total':26s} " + "  ".join(f"{c:>22s}" for c in totals))
    return 0


if __name__ == "__main__":
    sys.exit(main())
