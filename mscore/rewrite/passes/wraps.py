"""Fold the statement-level rewrites (``Analysis.wraps``, e.g. the training step's closure) over the other edits.

Runs last: each wrap's span is rewritten from the converted text of what it covers, so every unit edit, import and
marker inside it must already be known.
"""
from __future__ import annotations

from mscore.rewrite.edits import Edit, FileEdits, apply_edits


def run(fe: FileEdits) -> None:
    fe.edits = fold_wraps(fe.text, fe.edits, fe.analysis.wraps)


def fold_wraps(text: str, edits: list[Edit], wraps) -> list[Edit]:
    """Each span's edits are applied to its text, the wrap's ``build`` turns (pieces of) that converted text into
    the span's new text, and one edit replaces them all."""
    # innermost first: an outer wrap (a training step) then folds an inner one's result (an attribute store)
    for start, end, build in sorted(wraps, key=lambda w: w[1] - w[0]):
        inner = [e for e in edits if start <= e[0] and e[1] <= end and not (e[0] == e[1] == end)]
        for e in edits:
            if e not in inner and e[0] < end and e[1] > start:
                raise AssertionError(f"an edit straddles a statement-level rewrite at offset {e[0]}")

        def converted(a: int, b: int, inner=inner) -> str:
            mine = [(s - a, t - a, new) for s, t, new in inner if a <= s and t <= b and not (s == t == b)]
            return apply_edits(text[a:b], mine)

        new = build(converted)
        ids = {id(e) for e in inner}
        edits = [e for e in edits if id(e) not in ids] + [(start, end, new)]
    return edits
