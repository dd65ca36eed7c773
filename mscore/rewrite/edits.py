"""One file's conversion in progress: the edits to its text and what was counted, shared by the engine's steps and
the post-passes (:mod:`mscore.rewrite.passes`)."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from mscore.rewrite.locate import Analysis
from mscore.rewrite.result import Unconverted
from mscore.rewrite.syntax import NEWLINE
from mscore.rules import RuleSet

Edit = tuple[int, int, str]   # (start, end, new text): char offsets into the file's text
MarkKey = tuple[int, int, int, bool]   # (statement end, marker line, line above, compound header)


@dataclass
class FileEdits:
    """What the locator found, plus what the unit rewrites and each post-pass add, for one file."""

    text: str
    encoding: str
    analysis: Analysis
    rules: RuleSet
    profile: str
    existing: dict[str, str]            # names the file itself binds to mindspore (``from mindspore import mint``)
    edits: list[Edit] = field(default_factory=list)
    seen: Counter = field(default_factory=Counter)
    converted: Counter = field(default_factory=Counter)
    unconverted: list[Unconverted] = field(default_factory=list)
    used: set[str] = field(default_factory=set)             # target aliases emitted: ms / mint / ... / rt_<module>
    needed_roots: set[str] = field(default_factory=set)     # torch import names unconverted references still use
    marks: dict[MarkKey, list[tuple[str, str]]] = field(default_factory=dict)   # -> (api, reason) to mark there
    chosen: dict[str, str] = field(default_factory=dict)    # placeholder alias -> the name it becomes in the file
    import_time_torch: int = 0          # torch imports still run at import time (no guard was possible)
    newline: str = "\n"                 # the file's first line break: new lines are written with it

    @classmethod
    def start(cls, text: str, encoding: str, analysis: Analysis, rules: RuleSet, profile: str,
              existing: dict[str, str]) -> FileEdits:
        """The locator's own counts and the aliases its statement-level rewrites use (its text edits are the
        engine's to place: some must be carried through a unit's rewrite)."""
        m = NEWLINE.search(text)
        return cls(text, encoding, analysis, rules, profile, existing,
                   seen=Counter(analysis.seen), converted=Counter(analysis.converted), used=set(analysis.used),
                   newline=m.group(0) if m else "\n")

    @property
    def starts(self) -> list[int]:
        return self.analysis.line_starts

    def mark(self, key: MarkKey, api: str, reason: str) -> None:
        self.marks.setdefault(key, []).append((api, reason))


def apply_edits(text: str, edits: list[Edit]) -> str:
    out = []
    pos = 0
    for start, end, new in sorted(edits, key=lambda e: (e[0], e[1])):
        if start < pos:
            raise AssertionError(f"overlapping edits at offset {start}")
        out.append(text[pos:start])
        out.append(new)
        pos = end
    out.append(text[pos:])
    return "".join(out)
