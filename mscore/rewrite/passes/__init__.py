"""Post-passes: what runs over a whole file once its units are rewritten, in the order of :data:`POST_PASSES`.

Each pass is ``run(fe: FileEdits)``: it reads what the units and the earlier passes left in the accumulator
(:class:`mscore.rewrite.edits.FileEdits`) and adds edits or counts. The order matters: imports need every unit's
unconverted references (which torch imports stay) and emitted aliases; markers need the final leftovers; the
statement-level wraps fold every other edit inside their spans, so they go last.
"""
from __future__ import annotations

from mscore.rewrite.passes import imports, markers, wraps

POST_PASSES = (
    ("imports", imports.run),   # drop / guard torch imports, redirect torch-only packages, add the mindspore imports
    ("markers", markers.run),   # "# mscore: unconverted <api>: <reason>" on each statement with leftovers
    ("wraps", wraps.run),       # statement-level rewrites (training step) re-shape their converted spans
)
