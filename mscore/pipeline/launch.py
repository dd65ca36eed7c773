"""Launch scripts: ``torchrun`` (and ``python -m torch.distributed.run|launch``) -> MindSpore's ``msrun``.

Handles options written on the command itself and options kept in a variable (``DISTRIBUTED_ARGS="--nproc_per_node
$N --nnodes $M ..."`` then ``torchrun $DISTRIBUTED_ARGS script.py``). The mapping is in docs/pipeline.md.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

# torchrun option (both spellings) -> msrun option
RENAME = {
    "nproc_per_node": "local_worker_num",
    "node_rank": "node_rank",
    "master_addr": "master_addr",
    "master_port": "master_port",
    "log_dir": "log_dir",
}
NNODES = "nnodes"
# torchrun options without a value
FLAGS = {"standalone", "no_python", "module", "run_path", "use_env", "m"}
# dropped without a note: msrun's behaviour already matches
SILENT = {"standalone", "use_env"}
DEFAULT_LOG_DIR = "msrun_log"

_LAUNCHER = re.compile(
    r"(?<![\w./$-])(?:torchrun|python[0-9.]*\s+-m\s+torch\.distributed\.(?:run|launch))(?![\w.-])")
# $X, ${X}, "$X", "${X}", and arrays ${X[@]}, "${X[@]}", ${X[*]}
_VARREF = re.compile(r'^("?)(?:\$([A-Za-z_]\w*)|\$\{([A-Za-z_]\w*)(?:\[[@*]\])?\})\1$')
_INT = re.compile(r"^\d+$")


@dataclass
class LaunchResult:
    text: str
    changed: bool = False
    notes: list[str] = field(default_factory=list)


def _tokens(s: str, start: int = 0, stop_at_newline: bool = False) -> list[tuple[int, int]]:
    """Shell words in s[start:] as (begin, end) spans; backslash-newline is blank. With ``stop_at_newline``, stop at
    the end of the command (an unescaped newline, ';', '|', '&', ')')."""
    spans = []
    i, n = start, len(s)
    while i < n:
        c = s[i]
        if c == "\\" and i + 1 < n and s[i + 1] == "\n":
            i += 2
            continue
        if c in " \t":
            i += 1
            continue
        if c == "\n":
            if stop_at_newline:
                break
            i += 1
            continue
        if stop_at_newline and c in ";|&)#":
            break
        b = i
        depth = 0
        while i < n:
            c = s[i]
            if c == "\\" and i + 1 < n:
                if s[i + 1] == "\n" and depth == 0:
                    break
                i += 2
                continue
            if c == "'":
                j = s.find("'", i + 1)
                i = n if j < 0 else j + 1
                continue
            if c == '"':
                j = i + 1
                while j < n and s[j] != '"':
                    j += 2 if s[j] == "\\" else 1
                i = j + 1
                continue
            if c == "$" and i + 1 < n and s[i + 1] in "({":
                depth += 1
                i += 2
                continue
            if c in ")}" and depth:
                depth -= 1
                i += 1
                continue
            if depth == 0 and (c in " \t\n" or (stop_at_newline and c in ";|&)")):
                break
            i += 1
        spans.append((b, i))
    return spans


def _opt(tok: str) -> tuple[str, str | None] | None:
    """'--nproc-per-node=8' -> ('nproc_per_node', '8'); '--standalone' -> ('standalone', None); non-options -> None."""
    if not tok.startswith("-") or tok in ("-", "--"):
        return None
    body = tok.lstrip("-")
    name, eq, value = body.partition("=")
    return name.replace("-", "_"), (value if eq else None)


def _arith(tok: str) -> str:
    m = _VARREF.match(tok)
    if m:
        return "$" + (m.group(2) or m.group(3))
    return tok


def convert_options(words: list[str], *, complete: bool) -> tuple[list[str], list[str], bool]:
    """Map torchrun options to msrun options. Returns (new words, notes, whether it looked like torchrun options).

    ``complete``: these are all the launcher options (add --worker_num, --log_dir and --join=True)."""
    out: list[str] = []
    notes: list[str] = []
    nproc = nnodes = None
    seen_torch = False
    have: set[str] = set()
    i = 0
    while i < len(words):
        w = words[i]
        o = _opt(w)
        if o is None:
            out.append(w)   # not an option (e.g. a variable holding more options): keep
            i += 1
            continue
        name, value = o
        if name not in FLAGS and value is None and i + 1 < len(words):
            value = words[i + 1]
            i += 1
        i += 1
        if name in RENAME or name == NNODES:
            seen_torch = True
        if name == NNODES:
            if value is not None and ":" in value:
                lo, _, hi = value.partition(":")
                notes.append(f"--nnodes {value}: elastic node ranges have no msrun equivalent; used {hi}")
                value = hi
            nnodes = value
            continue
        if name == "nproc_per_node":
            nproc = value
        if name in RENAME:
            new = RENAME[name]
            have.add(new)
            out += [f"--{new}", value] if value is not None else [f"--{new}"]
        elif name in SILENT:
            seen_torch = True
        else:
            seen_torch = seen_torch or name.startswith(("rdzv", "max_restarts", "monitor_interval", "nproc"))
            notes.append(f"torchrun option {w}{'' if value is None or '=' in w else ' ' + value} has no msrun "
                         f"equivalent: dropped")
    if not seen_torch and not (complete and not words):
        return words, [], False
    if complete:
        if nproc is None:
            nproc = "1"
            out[:0] = ["--local_worker_num", "1"]
        if nnodes is None or nnodes == "1":
            total = nproc
        elif _INT.match(nproc) and _INT.match(nnodes):
            total = str(int(nproc) * int(nnodes))
        else:
            total = f"$(({_arith(nproc)}*{_arith(nnodes)}))"
        out[:0] = ["--worker_num", total]
        if "log_dir" not in have:
            out += ["--log_dir", DEFAULT_LOG_DIR]
        out.append("--join=True")
    elif nnodes is not None:
        notes.append("--nnodes is split from --nproc_per_node: set --worker_num (nodes x processes) by hand")
    return out, notes, True


def _layout(words: list[str], original: str, quote: str = '"') -> str:
    """Lay the words out like the original value: one option per line if it was multi-line, else on one line
    (continuation backslashes in a quoted string, none in an array)."""
    if "\n" not in original.strip("\n"):
        return " ".join(words)
    m = re.search(r"\n([ \t]*)\S", original)
    indent = m.group(1) if m else "    "
    groups: list[list[str]] = []
    for w in words:
        if w.startswith("-") or not groups:
            groups.append([w])
        else:
            groups[-1].append(w)
    lead = "\n" if original.startswith("\n") else ""
    tail = "\n" if original.endswith("\n") else ""
    body = (" \\\n" if quote != "(" else "\n").join(indent + " ".join(g) for g in groups)
    return lead + (body if lead else body.lstrip()) + tail


def _assignment(text: str, var: str) -> list[tuple[int, int, str]]:
    """(value start, value end, quote) of every top-level assignment to ``var`` (quoted "...", '...' or (...))."""
    found = []
    for m in re.finditer(rf"(?m)^[ \t]*(?:export[ \t]+|local[ \t]+|declare[ \t]+(?:-\w+[ \t]+)?)?{var}=", text):
        i = m.end()
        if i >= len(text):
            continue
        q = text[i]
        if q in "\"'":
            j = i + 1
            while j < len(text) and text[j] != q:
                j += 2 if (q == '"' and text[j] == "\\") else 1
            found.append((i + 1, j, q))
        elif q == "(":
            j = text.find(")", i)
            if j > 0:
                found.append((i + 1, j, "("))
        else:
            j = i
            while j < len(text) and text[j] not in " \t\n;":
                j += 1
            found.append((i, j, ""))
    return found


def _words(s: str) -> list[str]:
    return [s[b:e] for b, e in _tokens(s)]


def convert_script(text: str, path: str = "") -> LaunchResult:
    """Rewrite every torchrun launch in a shell script into an msrun launch."""
    res = LaunchResult(text)
    if not _LAUNCHER.search(text):
        return res
    edits: list[tuple[int, int, str]] = []
    var_edits: dict[str, list[tuple[int, int, str]]] = {}
    for m in _LAUNCHER.finditer(text):
        line_start = text.rfind("\n", 0, m.start()) + 1
        if "#" in text[line_start:m.start()] and text[line_start:m.start()].lstrip().startswith("#"):
            continue   # a comment
        spans = _tokens(text, m.end(), stop_at_newline=True)
        opts: list[tuple[int, int]] = []
        variables: list[str] = []
        rewritten_var = False
        k = 0
        while k < len(spans):
            w = text[spans[k][0]:spans[k][1]]
            o = _opt(w)
            if o is not None:
                opts.append(spans[k])
                if o[0] not in FLAGS and o[1] is None and k + 1 < len(spans):
                    k += 1
                    opts.append(spans[k])
                k += 1
                continue
            if _VARREF.match(w):
                var = _arith(w)[1:]
                if var not in var_edits:
                    for b, e, q in _assignment(text, var):
                        value = text[b:e]
                        new_words, notes, ok = convert_options(_words(value), complete=True)
                        if ok:
                            var_edits.setdefault(var, []).append((b, e, _layout(new_words, value, q)))
                            res.notes += [f"{path}: ${var}: {n}" for n in notes]
                if var in var_edits:
                    rewritten_var = True
                elif not opts:
                    # the first word after the launcher: options kept elsewhere (not in this file)
                    res.notes.append(f"{path}: ${var} passed to torchrun is not assigned torchrun options in this "
                                     f"file: check it holds msrun options")
                else:
                    break   # a variable after the options: the script (and its arguments)
                variables.append(var)
                opts.append(spans[k])
                k += 1
                continue
            break
        words = [text[b:e] for b, e in opts]
        var_words = {w for w in words if _VARREF.match(w) and _arith(w)[1:] in variables}
        rewritten_var = rewritten_var or any(v not in var_edits for v in variables)
        inline = [w for w in words if w not in var_words]
        new_words, notes, _ = convert_options(words, complete=not rewritten_var)
        if not inline and rewritten_var:
            new_words = words
        res.notes += [f"{path}: {n}" for n in notes]
        end = opts[-1][1] if opts else m.end()
        sep = text[m.end():opts[0][0]] if opts else " "
        joined = " ".join(new_words)
        edits.append((m.start(), end, "msrun" + ((sep if "\n" not in sep else " ") + joined if new_words else "")))
    for v in var_edits.values():
        edits += v
    edits.sort()
    out, last = [], 0
    for b, e, new in edits:
        if b < last:
            continue
        out.append(text[last:b])
        out.append(new)
        last = e
    out.append(text[last:])
    new_text = "".join(out)
    res.text, res.changed = new_text, new_text != text
    return res
