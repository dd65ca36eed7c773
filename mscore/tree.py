"""Converting a whole directory (or one file): walk, convert in parallel, and write atomically. STUB in part."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from mscore.rewrite.result import FileResult
from mscore.rules import RuleSet


@dataclass
class TreeResult:
    root: Path                                   # the source root that was converted
    files: list[FileResult] = field(default_factory=list)   # sorted by path; every file under root, .py or not
    seconds: float = 0.0


def convert_tree(
    src: Path,
    *,
    rules: RuleSet | None = None,
    jobs: int = 0,
    cache_dir: Path | None = None,
    profile: str = "native",
    progress: bool = False,
) -> TreeResult:
    """Convert every file under ``src`` (a directory or one file). Reads only; writes nothing.

    ``jobs=0`` uses every core. ``cache_dir`` enables the content-addressed cache (keyed by file bytes, rule-set
    fingerprint, mscore version and profile). Output is identical whatever ``jobs`` is.
    """
    raise NotImplementedError


def write_tree(result: TreeResult, dst: Path, *, report_json: bytes | None = None) -> None:
    """Write ``result`` into ``dst`` atomically: build beside it, then move into place (``dst`` is replaced whole)."""
    raise NotImplementedError
