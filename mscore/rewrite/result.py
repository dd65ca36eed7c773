"""Typed per-file results of the rewrite engine."""
from __future__ import annotations

from dataclasses import dataclass, field

# FileResult.status values
CONVERTED = "converted"          # a .py file whose text changed
UNCHANGED = "unchanged"          # a .py file with nothing to convert (no torch, or already converted)
NOT_PYTHON = "copied"            # any other file: copied byte-for-byte
UNDECODABLE = "undecodable"      # a .py file that is not valid text in its declared encoding: copied unchanged
UNPARSABLE = "unparsable"        # a .py file that does not parse: copied unchanged
RUNTIME = "runtime"              # a module of mscore_rt (mscore/runtime) written into the output for converted code
ERROR = "error"                  # the rewriter failed on this file (a bug): copied unchanged, reported
SKIPPED = "skipped"              # not a regular file (a symbolic link, FIFO, ...): not followed, not copied, listed


@dataclass(frozen=True)
class Unconverted:
    """A torch reference left in place."""

    api: str
    line: int
    reason: str


@dataclass
class FileResult:
    path: str                                   # path relative to the converted root ('/' separators)
    status: str
    output: bytes                               # what to write (== input unless status is CONVERTED)
    seen: dict[str, int] = field(default_factory=dict)        # api -> references seen
    converted: dict[str, int] = field(default_factory=dict)   # api -> references converted
    unconverted: list[Unconverted] = field(default_factory=list)
    message: str = ""                           # why a file was copied unchanged (parse error text, ...)
    import_time_torch: int = 0                  # torch imports left that run at import and could not be guarded

    @property
    def n_seen(self) -> int:
        return sum(self.seen.values())

    @property
    def n_converted(self) -> int:
        return sum(self.converted.values())
