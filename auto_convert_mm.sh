# Convert MindSpeed-MM (with MindSpeed and Megatron-LM) to MindSpore and put the result on PYTHONPATH.
#
#   source auto_convert_mm.sh [mscore convert options, e.g. --out DIR --mirror DIR --source NAME=PATH --force]
#
# Runs `mscore convert --repo MindSpeed-MM "$@"` (or `python -m mscore ...` from this checkout when mscore is not
# installed). On success it sources <out>/env.sh, so PYTHONPATH holds the converted repositories. On failure it
# prints the error and returns non-zero; it never exits your shell and leaves your shell options alone.
# (Under `set -e`, a non-zero return from `source` is still yours to handle: `source auto_convert_mm.sh || ...`.)

_mscore_auto_convert() {
    local here out prev arg rc py
    if [ -n "${BASH_SOURCE:-}" ]; then
        here="${BASH_SOURCE[0]}"
    elif [ -n "${ZSH_VERSION:-}" ]; then
        here="${(%):-%x}"
    else
        here="$0"
    fi
    here="$(cd "$(dirname "$here")" && pwd)" || return 1
    out="mscore-out"
    prev=""
    for arg in "$@"; do
        case "$prev" in --out|-o) out="$arg" ;; esac
        case "$arg" in --out=*) out="${arg#--out=}" ;; esac
        prev="$arg"
    done
    rc=0
    if command -v mscore >/dev/null 2>&1; then
        mscore convert --repo MindSpeed-MM "$@" || rc=$?
    else
        py="${PYTHON:-python3}"
        command -v "$py" >/dev/null 2>&1 || py=python
        PYTHONPATH="$here${PYTHONPATH:+:$PYTHONPATH}" "$py" -m mscore convert --repo MindSpeed-MM "$@" || rc=$?
    fi
    if [ "$rc" -ne 0 ]; then
        echo "auto_convert_mm.sh: conversion failed (exit $rc); PYTHONPATH unchanged" >&2
        return "$rc"
    fi
    case "$*" in *--dry-run*) return 0 ;; esac
    if [ ! -f "$out/env.sh" ]; then
        echo "auto_convert_mm.sh: $out/env.sh not found after conversion; PYTHONPATH unchanged" >&2
        return 1
    fi
    . "$out/env.sh" || return 1
    echo "auto_convert_mm.sh: PYTHONPATH now starts with the converted repositories in $out"
    return 0
}

if (return 0 2>/dev/null); then
    _mscore_auto_convert "$@" && _mscore_rc=0 || _mscore_rc=$?
    unset -f _mscore_auto_convert
    eval "unset _mscore_rc; return $_mscore_rc"
else
    echo "auto_convert_mm.sh: source this script (\`source auto_convert_mm.sh\`) so PYTHONPATH reaches your shell" >&2
    _mscore_auto_convert "$@"
    exit $?
fi
