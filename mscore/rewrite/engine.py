"""Per-file conversion: bytes in, :class:`FileResult` out. STUB until the engine lands: returns input unchanged."""
from __future__ import annotations

from mscore.rewrite.result import UNCHANGED, FileResult
from mscore.rules import RuleSet


def convert_source(data: bytes, path: str, rules: RuleSet, *, profile: str = "native") -> FileResult:
    """Convert one Python file's bytes. Never raises for bad input: undecodable / unparsable files come back
    unchanged with their status set. ``profile='msadapter'`` leaves what has no rule for the MSAdapter torch shim."""
    return FileResult(path=path, status=UNCHANGED, output=data)
