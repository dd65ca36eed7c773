"""The robustness contract, checked the same way for odd files, fuzzed programs and real corpora.

For any input: the rewriter never fails (status is never "error"); an input that compiles gives an output that
compiles (also when undecodable bytes are read as placeholders, see :func:`compiles_as_read`); an input that does
not parse (or cannot be decoded) is copied byte for byte; converting the output
again changes nothing; and (where the caller names them) lines that hold no torch code come out byte for byte.
"""
from __future__ import annotations

import ast
import re
import warnings
from collections import Counter

from mscore.rewrite.engine import convert_source, decode
from mscore.rewrite.result import ERROR, FileResult
from mscore.rules.model import RuleSet

_LINE = re.compile(rb"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


def compiles(data: bytes | str, path: str = "t.py") -> bool:
    """Does CPython accept these bytes as a module? (Encoding cookies and BOMs honoured as the interpreter does.)"""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            compile(data, path, "exec", dont_inherit=True)
            return True
        except (SyntaxError, ValueError):
            return False


def compiles_as_read(data: bytes, path: str = "t.py") -> bool:
    """Does it compile once decoded as mscore reads it? Bytes invalid in the file's encoding (GBK in a UTF-8
    comment) make the file undecodable, for mscore as for ``python file.py``."""
    try:
        _, parse_text, _ = decode(data)
    except (UnicodeDecodeError, SyntaxError, LookupError):
        return False
    return compiles(parse_text.removeprefix("\ufeff"), path)


def parses_as_read(data: bytes) -> bool:
    """Does :mod:`ast` accept it as mscore reads it (CPython's compile() checks more, e.g. walrus placement)?"""
    try:
        _, parse_text, _ = decode(data)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(parse_text)
        return True
    except (UnicodeDecodeError, SyntaxError, LookupError, ValueError, RecursionError):
        return False


def lines(data: bytes) -> list[bytes]:
    """Lines with their own line ends (LF, CRLF or lone CR)."""
    return _LINE.findall(data)


def contract_problems(data: bytes, rules: RuleSet, path: str = "t.py", keep: list[bytes] = ()) -> list[str]:
    """Everything wrong with converting ``data`` (empty when the contract holds)."""
    problems = []
    r = convert_source(data, path, rules)
    if r.status == ERROR:
        return [f"rewriter error: {r.message}"]
    if compiles(data, path) and not compiles(r.output, path):
        problems.append(f"output does not compile ({r.status})")
    if compiles_as_read(data, path) and not compiles_as_read(r.output, path):
        problems.append(f"output does not compile as read ({r.status})")
    if parses_as_read(data):
        if not parses_as_read(r.output):
            problems.append(f"output does not parse ({r.status})")
    elif r.output != data:
        problems.append(f"input does not parse but the output differs from it ({r.status})")
    again = convert_source(r.output, path, rules)
    if again.status == ERROR:
        problems.append(f"rewriter error on its own output: {again.message}")
    elif again.output != r.output:
        problems.append("converting the output again changed it")
    out_lines = Counter(lines(r.output))
    for line, n in Counter(keep).items():
        if out_lines[line] < n:
            problems.append(f"line not kept byte for byte: {line!r}")
    return problems


def check(data: bytes, rules: RuleSet, path: str = "t.py", keep: list[bytes] = ()) -> FileResult:
    """Assert the contract; return the first pass's result for further checks."""
    problems = contract_problems(data, rules, path, keep)
    assert not problems, f"{path}: " + "; ".join(problems) + f"\n--- input ---\n{data[:2000]!r}"
    return convert_source(data, path, rules)
