"""Inline markers on what was left unconverted: ``# mscore: unconverted <api>: <reason>``.

A marker goes at the end of the statement's last line; where that line goes on with more code, or for a compound
statement's header (``with``, ``class``, decorators), it goes on its own line above the statement. A line already
carrying the marker is not marked again, so converting twice changes nothing.
"""
from __future__ import annotations

import re

from mscore.rewrite.edits import FileEdits

MARK = "# mscore: unconverted"
_WS = re.compile(r"[ \t]*")


# what may not appear in a comment: line ends (Python's and Unicode's), NUL and the other control characters
_UNSAFE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")


def marker_text(items: list[tuple[str, str]], encoding: str = "utf-8") -> str:
    """The marker comment: one line, and only characters the file's ``encoding`` can hold (others as ``\\uXXXX``)."""
    seen: dict[str, str] = {}
    for api, reason in items:
        seen.setdefault(api, reason)
    body = "; ".join(f"{api}: {reason}" if reason else api for api, reason in seen.items())
    text = _UNSAFE.sub(" ", f"{MARK} {body}")
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        text = text.encode(encoding, "backslashreplace").decode(encoding)
    except LookupError:
        text = text.encode("ascii", "backslashreplace").decode("ascii")
    return text


def line_bounds(text: str, starts: list[int], line: int) -> tuple[int, int]:
    """(start, end) offsets of 1-based ``line``, end before its newline."""
    start = starts[line - 1]
    end = starts[line] if line < len(starts) else len(text)
    while end > start and text[end - 1] in "\r\n":
        end -= 1
    return start, end


def place(text: str, starts: list[int], stmt_end: int, end_line: int, above_line: int, header: bool,
          marker: str, newline: str) -> tuple[int, int, str] | None:
    """The edit that adds ``marker``, or None when the place is already marked."""
    if not header:
        _, eol = line_bounds(text, starts, end_line)
        rest = text[stmt_end:eol]
        if rest.strip() == "" or rest.lstrip().startswith("#"):
            if MARK in text[starts[end_line - 1]:eol]:
                return None
            return (eol, eol, "  " + marker)
    start, eol = line_bounds(text, starts, above_line)
    indent = _WS.match(text, start).group(0)
    if above_line > 1:
        pstart, peol = line_bounds(text, starts, above_line - 1)
        if MARK in text[pstart:peol]:
            return None
    return (start, start, f"{indent}{marker}{newline}")


def run(fe: FileEdits) -> None:
    """One marker per statement holding leftovers (every unit's and the locator's)."""
    for (stmt_end, end_line, above, header), items in sorted(fe.marks.items()):
        edit = place(fe.text, fe.starts, stmt_end, end_line, above, header, marker_text(items, fe.encoding),
                     fe.newline)
        if edit is not None:
            fe.edits.append(edit)
