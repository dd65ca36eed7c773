"""Per-file conversion: bytes in, :class:`FileResult` out.

decode → (no torch? done) → ast parse → locate units → libcst rewrite of each unit → the post-passes
(:data:`mscore.rewrite.passes.POST_PASSES`: imports fix-up, markers, statement-level wraps) over one
:class:`~mscore.rewrite.edits.FileEdits` → splice the edits into the original text → encode as the file was
encoded. Text outside the edited units is never touched, so comments, formatting, encodings and line endings
survive byte for byte.
"""
from __future__ import annotations

import ast
import io
import re
import sys
import threading
import tokenize
import warnings
from bisect import bisect_right
from dataclasses import replace

import libcst as cst

from mscore.rewrite.classify import names_no_array_library
from mscore.rewrite.context import PLACEHOLDER, Ctx
from mscore.rewrite.edits import FileEdits, apply_edits
from mscore.rewrite.locate import Analysis, TreeIndex, analyze
from mscore.rewrite.names import mindspore_bindings
from mscore.rewrite.passes import POST_PASSES, markers
from mscore.rewrite.result import CONVERTED, ERROR, UNCHANGED, UNDECODABLE, UNPARSABLE, FileResult, Unconverted
from mscore.rewrite.rewriter import UnitRewriter
from mscore.rewrite.syntax import NEWLINE as _NEWLINE
from mscore.rules import RuleSet


def decode(data: bytes) -> tuple[str, str, str]:
    """(text, parse_text, encoding) honouring a BOM or a PEP 263 cookie, as CPython's import system reads a source.

    Bytes that are not valid in the file's encoding are accepted where ``import`` accepts them: CPython compiles
    source bytes with invalid UTF-8 inside comments (MindSpeed ships GBK comments without a cookie), although
    ``python file.py`` refuses them. Then ``text`` holds them as surrogate escapes (written back byte for byte) and
    ``parse_text`` has ``?`` in their place, same length, for the parsers. Anything the compiler refuses raises
    UnicodeDecodeError / SyntaxError / LookupError: the file is copied unchanged and listed, never rewritten."""
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    try:
        text = data.decode(encoding)
        return text, text, encoding
    except UnicodeDecodeError:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                compile(data, "<source>", "exec", ast.PyCF_ONLY_AST)
            except (SyntaxError, ValueError) as exc:
                raise UnicodeDecodeError(encoding, data, 0, len(data), f"not valid {encoding}: {exc}") from None
    text = data.decode(encoding, "surrogateescape")
    return text, _SURROGATE.sub("?", text), encoding


_SURROGATE = re.compile("[\udc80-\udcff]")


def _first_newline(segment: str) -> str:
    m = _NEWLINE.search(segment)
    return m.group(0) if m else "\n"


_CONFIGS: dict[str, cst.PartialParserConfig] = {}


def parse_unit(segment: str, newline: str = "\n") -> tuple[cst.BaseExpression, bool]:
    """Parse an expression's source; one that spans lines outside brackets parses once parenthesised.

    ``newline`` is the segment's first line end: libcst keeps a line break that differs from the first one it met
    as written, and writes the others as the module default, so parsing and rendering (:func:`render`) with it keeps
    CRLF, CR and mixed line ends byte for byte (with the default ``\\n`` every CRLF in an expression became LF)."""
    config = _CONFIGS.get(newline)
    if config is None:   # building one picks a grammar version each time: ~10% of a small unit's cost
        config = _CONFIGS[newline] = cst.PartialParserConfig(default_newline=newline)
    first = "\n" in segment or "\r" in segment   # likely to need the brackets: try that first
    for wrapped in (first, not first):
        try:
            return cst.parse_expression(f"({segment})" if wrapped else segment, config), wrapped
        except cst.ParserSyntaxError:
            if wrapped != first:
                raise
    raise AssertionError("unreachable")


def render(node: cst.BaseExpression, wrapped: bool, newline: str = "\n") -> str:
    if wrapped and node.lpar and node.rpar:
        node = node.with_changes(lpar=node.lpar[1:], rpar=node.rpar[:-1])
    return cst.Module(body=[], default_newline=newline).code_for_node(node)


def _parses(expression: str) -> bool:
    """Is a unit's new text still an expression? The last guard before it goes into the file."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(f"({expression}\n)", mode="eval")
        return True
    except (SyntaxError, ValueError, RecursionError):
        return False


def _split_inner(text_edits, units) -> tuple[list[tuple[int, int, str]], dict[int, list[tuple[int, int, str]]]]:
    """Text edits apart from those inside a unit's span (keyed by the unit), which the unit's rewrite must carry."""
    spans = sorted((u.start, u.end, id(u)) for u in units)
    starts = [sp[0] for sp in spans]
    outer, inner = [], {}
    for edit in text_edits:
        i = bisect_right(starts, edit[0]) - 1
        lo, hi = (spans[i][0], spans[i][1]) if i >= 0 else (0, 0)
        inside = lo <= edit[0] and edit[1] <= hi and (lo < edit[0] < hi or lo < edit[1] < hi or edit[:2] == (lo, hi))
        if i >= 0 and inside:   # an insertion at either end of a unit is outside it
            inner.setdefault(spans[i][2], []).append(edit)
        else:
            outer.append(edit)
    return outer, inner


def _carry_edits(text: str, base: int, segment: str, new: str, edits: list[tuple[int, int, str]]) -> str:
    """Apply edits made against the original text to a unit's rewritten text: each edit's span, widened until its
    context occurs once in the original segment and once in the rewrite, is replaced there (rules do not touch
    string literals, so a literal's text survives the rewrite)."""
    if new == segment:
        return apply_edits(segment, [(s - base, e - base, r) for s, e, r in edits])
    for s, e, rep in sorted(edits, reverse=True):
        for k in range(0, 80, 4):
            lo, hi = max(s - k, base), min(e + k, base + len(segment))
            ctx = text[lo:hi]
            if segment.count(ctx) == 1 and new.count(ctx) == 1:
                at = new.index(ctx)
                new = new[:at] + text[lo:s] + rep + text[e:hi] + new[at + len(ctx):]
                break
    return new


def _still_there(events, new_code: str):
    """An unconverted reference inside an argument that a rule dropped (``Stream(device=torch.npu.current_device())``)
    is gone from the output: it counts as converted, with no marker."""
    for ev in events:
        if not ev.converted and ev.root and not re.search(rf"\b{re.escape(ev.root)}\b", new_code):
            yield replace(ev, converted=True, reason="")
        else:
            yield ev


def _marked_here(text: str, starts: list[int], unit, events) -> bool:
    """Whether the unit's marker line already carries an ``unconverted`` marker naming an API converted now."""
    line = unit.marker_above - 1 if unit.header else unit.marker_line
    if line < 1:
        return False
    start, end = markers.line_bounds(text, starts, line)
    where = text.find(markers.MARK, start, end)
    if where < 0:
        return False
    body = text[where + len(markers.MARK):end]
    return any(ev.converted and (f" {ev.api}:" in body or f"; {ev.api}:" in body) for ev in events)


def convert_source(
    data: bytes, path: str, rules: RuleSet, *, profile: str = "native", index: TreeIndex | None = None
) -> FileResult:
    """Convert one Python file's bytes. Never raises for bad input: undecodable / unparsable files come back
    unchanged with their status set. ``profile='msadapter'`` leaves what has no rule for the MSAdapter torch shim."""
    try:
        text, parse_text, encoding = decode(data)
    except (UnicodeDecodeError, SyntaxError, LookupError) as exc:
        return _copied(path, UNDECODABLE, data, f"cannot decode: {exc}")
    if "torch" not in text and not (index and index.cells and "forward" in text) and \
            not rules.imports.may_guard(text):
        return FileResult(path, UNCHANGED, data)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(parse_text, filename=path)
    except (SyntaxError, ValueError) as exc:
        return _copied(path, UNPARSABLE, data, f"does not parse: {exc}")
    except RecursionError:   # CPython's own parser gives up too ("during ast construction")
        return _copied(path, UNPARSABLE, data, "does not parse: nested too deeply for the Python parser")
    args = (data, text, parse_text, encoding, tree, path, rules, profile, index)
    try:
        try:
            return _convert(*args)
        except RecursionError:
            return _with_deep_stack(_convert, *args)
    except Exception as exc:  # a bug in mscore must not lose the file: copy it, report it
        return _copied(path, ERROR, data, f"{type(exc).__name__}: {exc}")


WHOLE_FILE = "(whole file)"
_TORCH_WORD = re.compile(rb"\btorch(?:_npu)?\b")


def _copied(path: str, status: str, data: bytes, message: str) -> FileResult:
    """A Python file copied unchanged (undecodable, unparsable, or an mscore error). If it mentions torch, nothing
    of it was converted: it counts as one unconverted reference (api ``(whole file)``), so totals never claim 100 %."""
    if not _TORCH_WORD.search(data):
        return FileResult(path, status, data, message=message)
    reason = f"{status}, copied unchanged: {message}"
    return FileResult(path, status, data, {WHOLE_FILE: 1}, {}, [Unconverted(WHOLE_FILE, 1, reason)], message)


_DEEP_STACK = 512 * 1024 * 1024
_DEEP_LIMIT = 200_000


def _with_deep_stack(fn, *args):
    """Run ``fn`` again in a thread with a large stack and a raised recursion limit: an expression that CPython
    compiles (a 1,000-term ``a + b + ...``) can still be deeper than the visitors' Python recursion allows."""
    out: dict = {}

    def run():
        try:
            out["value"] = fn(*args)
        except BaseException as exc:  # handed back to the caller's thread
            out["error"] = exc

    limit, stack = sys.getrecursionlimit(), threading.stack_size()
    with _DEEP_LOCK:
        try:
            threading.stack_size(_DEEP_STACK)
            sys.setrecursionlimit(max(limit, _DEEP_LIMIT))
            worker = threading.Thread(target=run, name="mscore-deep")
            worker.start()
            worker.join()
        finally:
            sys.setrecursionlimit(limit)
            threading.stack_size(stack)
    if "error" in out:
        raise out["error"]
    return out["value"]


_DEEP_LOCK = threading.Lock()


def _convert(data, text, parse_text, encoding, tree, path, rules, profile, index) -> FileResult:
    """locate -> rewrite each unit -> count what the locator left -> the post-passes, in order -> the result."""
    an: Analysis = analyze(parse_text, tree, rules, index, path)
    fe = FileEdits.start(text, encoding, an, rules, profile, mindspore_bindings(tree))
    fe.edits, inner = _split_inner(an.text_edits, an.units)
    _rewrite_units(fe, parse_text, inner)
    _count_left(fe)
    for _name, run in POST_PASSES:
        run(fe)
    return _result(fe, path, data)


def _rewrite_units(fe: FileEdits, parse_text: str, inner: dict[int, list[tuple[int, int, str]]]) -> None:
    """Each unit through libcst (:class:`UnitRewriter`): its edit (carrying the locator's text edits ``inner`` to
    it), its counts, and a marker for what it leaves."""
    text, an, starts, profile = fe.text, fe.analysis, fe.starts, fe.profile
    scope_aliases: dict[int, dict[str, str]] = {}
    ms_names = frozenset(fe.existing) | {"mindspore"}
    tensor_receivers = names_no_array_library(text)
    for unit in an.units:
        segment = parse_text[unit.start:unit.end]
        aliases = scope_aliases.get(id(unit.scope))
        if aliases is None:   # one walk per scope, not per unit: a module scope can bind thousands of names
            aliases = scope_aliases[id(unit.scope)] = unit.scope.aliases()
        ctx = Ctx(fe.rules, dict(aliases), profile, annotation=unit.annotation, ms_names=ms_names,
                  training=unit.training, tensor_receivers=tensor_receivers, discarded=unit.discarded)
        nl = _first_newline(segment)
        node, wrapped = parse_unit(segment, nl)
        new = render(node.visit(UnitRewriter(ctx)), wrapped, nl)
        reason = None
        if segment != text[unit.start:unit.end]:   # undecodable bytes inside: leave the expression whole
            reason = "expression holds undecodable bytes"
        elif new != segment and not _parses(new):
            # e.g. a template with 'quotes' emitted inside an f-string delimited by the same quote (< 3.12)
            reason = "its rewrite would not parse here (quotes inside an f-string?)"
        elif new != segment and _marked_here(text, starts, unit, ctx.events):
            # a converted file converted again: what the first pass left and marked on this statement stays as it
            # is, though the context that made it unconvertible (a training step) may be gone from the new text
            reason = "left unconverted by the conversion that marked it"
        if reason is not None:
            ctx.events = [ev if not ev.converted else replace(ev, converted=False, reason=reason)
                          for ev in ctx.events]
            ctx.used = set()
            new = segment   # what stays in the output (so _still_there finds its torch references)
        if id(unit) in inner:   # text edits inside the unit (a patch-target string in a call the unit rewrites)
            new = _carry_edits(text, unit.start, segment, new, inner[id(unit)])
        if new != segment:
            fe.edits.append((unit.start, unit.end, new))
        # only what the unit's text still names: an argument a rule dropped (layout=torch.strided) imports nothing
        fe.used |= {alias for alias in ctx.used if PLACEHOLDER.format(alias) in new}
        line = bisect_right(starts, unit.start)
        for ev in _still_there(ctx.events, new):
            fe.seen[ev.api] += 1
            if ev.converted:
                fe.converted[ev.api] += 1
                continue
            reason = ev.reason + (" (left for MSAdapter)" if profile == "msadapter" else "")
            fe.unconverted.append(Unconverted(ev.api, line, reason))
            if ev.root:
                fe.needed_roots.add(ev.root)
            fe.mark((unit.stmt_end, unit.marker_line, unit.marker_above, unit.header), ev.api, reason)


def _count_left(fe: FileEdits) -> None:
    """What the locator leaves (match patterns, star imports): counted, marked, its import kept."""
    for left in fe.analysis.left:
        fe.seen[left.api] += 1
        fe.unconverted.append(Unconverted(left.api, left.line, left.reason))
        if left.root:
            fe.needed_roots.add(left.root)
        fe.mark((left.stmt_end, left.marker_line, left.marker_above, left.header), left.api, left.reason)


def _result(fe: FileEdits, path: str, data: bytes) -> FileResult:
    """Splice the edits into the text, give the placeholder aliases their names, encode as the file was."""
    counts = (dict(fe.seen), dict(fe.converted), fe.unconverted)
    if not fe.edits:
        return FileResult(path, UNCHANGED, data, *counts, import_time_torch=fe.import_time_torch)
    out = apply_edits(fe.text, fe.edits)
    for alias, name in fe.chosen.items():
        out = out.replace(PLACEHOLDER.format(alias), name)
    if out == fe.text:
        return FileResult(path, UNCHANGED, data, *counts, import_time_torch=fe.import_time_torch)
    return FileResult(path, CONVERTED, out.encode(fe.encoding, "surrogateescape"), *counts,
                      import_time_torch=fe.import_time_torch)
