"""The conversion report: a data model built from per-file results, its JSON form, and its rich rendering."""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field

from mscore import __version__
from mscore.rewrite.result import (
    CONVERTED,
    ERROR,
    NOT_PYTHON,
    SKIPPED,
    UNCHANGED,
    UNDECODABLE,
    UNPARSABLE,
    FileResult,
)

SCHEMA_VERSION = 1


def shown_path(path: str) -> str:
    """A file name as text: bytes that are not UTF-8 (kept as surrogate escapes) shown as ``\\xNN``."""
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


@dataclass
class ApiGap:
    api: str
    count: int
    reasons: list[str]
    locations: list[str]       # "path:line"


@dataclass
class Report:
    source: str
    profile: str
    rules_fingerprint: str
    seconds: float
    files: list[FileResult]
    gaps: list[ApiGap] = field(default_factory=list)

    @classmethod
    def build(cls, source: str, files: list[FileResult], *, profile: str = "native", rules_fingerprint: str = "",
              seconds: float = 0.0) -> "Report":
        by_api: dict[str, list] = {}
        for f in files:
            for u in f.unconverted:
                by_api.setdefault(u.api, []).append((f.path, u))
        gaps = []
        for api, items in by_api.items():
            reasons = list(dict.fromkeys(u.reason for _, u in items))
            gaps.append(ApiGap(api, len(items), reasons, [f"{shown_path(p)}:{u.line}" for p, u in items]))
        gaps.sort(key=lambda g: (-g.count, g.api))
        return cls(source, profile, rules_fingerprint, seconds, files, gaps)

    # -- totals ---------------------------------------------------------------------------------------------
    @property
    def references(self) -> int:
        return sum(f.n_seen for f in self.files)

    @property
    def converted(self) -> int:
        return sum(f.n_converted for f in self.files)

    @property
    def unconverted(self) -> int:
        return sum(len(f.unconverted) for f in self.files)

    @property
    def rate(self) -> float:
        return 1.0 if self.references == 0 else self.converted / self.references

    def status_counts(self) -> Counter:
        return Counter(f.status for f in self.files)

    def totals(self) -> dict:
        c = self.status_counts()
        py = sum(n for s, n in c.items() if s not in (NOT_PYTHON, SKIPPED))
        return {
            "files": len(self.files),
            "python_files": py,
            "converted_files": c[CONVERTED],
            "unchanged_files": c[UNCHANGED],
            "copied_files": c[NOT_PYTHON],
            "undecodable_files": c[UNDECODABLE],
            "unparsable_files": c[UNPARSABLE],
            "error_files": c[ERROR],
            "skipped_files": c[SKIPPED],
            "references": self.references,
            "converted": self.converted,
            "unconverted": self.unconverted,
            "rate": round(self.rate, 6),
            # Python files that still run a torch import at import time that could not be guarded (docs/imports.md):
            # the file-level figure beside the reference rate (0 means every file imports without torch)
            "torch_at_import_files": sum(1 for f in self.files if f.import_time_torch),
        }

    def to_dict(self) -> dict:
        return {
            "schema": SCHEMA_VERSION,
            "mscore_version": __version__,
            "source": shown_path(self.source),
            "profile": self.profile,
            "rules_fingerprint": self.rules_fingerprint,
            "seconds": round(self.seconds, 3),
            "totals": self.totals(),
            "unconverted_by_api": [g.__dict__ for g in self.gaps],
            "files": [
                {
                    "path": shown_path(f.path),
                    "status": f.status,
                    "references": f.n_seen,
                    "converted": f.n_converted,
                    "unconverted": [{"api": u.api, "line": u.line, "reason": u.reason} for u in f.unconverted],
                    **({"message": f.message} if f.message else {}),
                    **({"torch_at_import": f.import_time_torch} if f.import_time_torch else {}),
                }
                for f in self.files
                if f.status != NOT_PYTHON
            ],
        }

    def to_json(self) -> bytes:
        # seconds excluded from nothing: the report is for people; outputs that must be byte-stable skip it
        return (json.dumps(self.to_dict(), indent=2, sort_keys=False) + "\n").encode()

    # -- rendering ------------------------------------------------------------------------------------------
    def render(self, console, *, top: int = 15) -> None:
        from rich.markup import escape
        from rich.table import Table

        t = self.totals()
        console.print(
            f"[bold]mscore[/bold] {escape(shown_path(self.source))}: {t['python_files']} Python files "
            f"({t['converted_files']} converted, {t['unchanged_files']} unchanged), {t['copied_files']} other files "
            f"copied, in {self.seconds:.2f} s"
        )
        problems = [(s, t[k]) for s, k in (("undecodable", "undecodable_files"), ("unparsable", "unparsable_files"),
                                           ("mscore errors", "error_files")) if t[k]]
        if problems:
            console.print("copied unchanged: " + ", ".join(f"{n} {s}" for s, n in problems))
            for f in self.files:
                if f.status in (UNDECODABLE, UNPARSABLE, ERROR):
                    console.print(f"  {shown_path(f.path)}: {f.message}", markup=False, highlight=False)
        launch = [f for f in self.files if f.status == CONVERTED and f.path.endswith((".sh", ".bash"))]
        if launch:
            console.print("launch scripts switched from torchrun to msrun: "
                          + ", ".join(shown_path(f.path) for f in launch), markup=False, highlight=False)
            for f in launch:
                if f.message:
                    console.print(f"  {shown_path(f.path)}: {f.message}", markup=False, highlight=False)
        skipped = [f for f in self.files if f.status == SKIPPED]
        if skipped:
            console.print(f"not copied: {len(skipped)} (symbolic links and special files)")
            for f in skipped[:20]:
                console.print(f"  {shown_path(f.path)}: {f.message}", markup=False, highlight=False)
            if len(skipped) > 20:
                console.print(f"  … and {len(skipped) - 20} more (see the JSON report)", markup=False)
        console.print(
            f"torch references: {t['references']}, converted {t['converted']}, unconverted {t['unconverted']} "
            f"— conversion rate [bold]{100 * self.rate:.1f}%[/bold]"
        )
        if self.gaps:
            table = Table(title="Unconverted, by API", show_lines=False)
            table.add_column("API")
            table.add_column("count", justify="right")
            table.add_column("reason")
            table.add_column("first location")
            for g in self.gaps[:top]:
                table.add_row(g.api, str(g.count), g.reasons[0][:80], g.locations[0])
            console.print(table)
            if len(self.gaps) > top:
                console.print(f"… and {len(self.gaps) - top} more APIs (see the JSON report)")
