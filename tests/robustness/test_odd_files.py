"""Encodings, line ends and odd or new syntax: kept exactly where unconverted, converted without damage.

Every case runs under three rule sets (fixture, wide synthetic, shipped) through the contract of
:mod:`tests.robustness.checks`; lines holding ``KEEP`` must come out byte for byte. A few goldens pin exact
output with the fixture rules.
"""
from __future__ import annotations

import pytest

from mscore.rewrite.engine import convert_source
from tests.robustness.checks import check, compiles, lines

GBK_COMMENT = "# 中文注释 KEEP\n".encode("gbk")   # not valid UTF-8

CASES: dict[str, bytes] = {
    "gbk_bytes_in_utf8_comment": b"import torch\n" + GBK_COMMENT + b"x = torch.cat([a], 0)  # KEEP? no\ny = 1  # KEEP\n",
    "gbk_bytes_in_string": b"import torch\ns = '\xc4\xe3\xba\xc3'  # KEEP\nx = torch.cat([a])\n",
    "gbk_bytes_inside_converted_call": b"import torch\nx = torch.cat([a, '\xc4\xe3'])\ny = 2  # KEEP\n",
    "latin1_cookie": "# -*- coding: latin-1 -*-\nimport torch\ns = 'café'  # KEEP\nx = torch.cat([a, 'é'])\n".encode("latin-1"),
    "gbk_cookie": "# -*- coding: gbk -*-\nimport torch\n# 中文 KEEP\ns = '中文'; x = torch.cat([a, '中'])\n".encode("gbk"),
    "utf8_bom": "\ufeffimport torch\nx = torch.cat([a])\ns = 'ü'  # KEEP\n".encode("utf-8"),
    "utf8_bom_and_cookie": "\ufeff# -*- coding: utf-8 -*-\nimport torch\nx = torch.float32\n# KEEP\n".encode("utf-8"),
    "bom_contradicts_cookie": b"\xef\xbb\xbf# -*- coding: latin-1 -*-\nimport torch\nx = torch.cat([a])\n",
    "unknown_codec": b"# -*- coding: no-such-codec -*-\nimport torch\nx = torch.cat([a])\n",
    "utf16": "import torch\nx = torch.cat([a])\n".encode("utf-16"),
    "crlf": b"import torch\r\n\r\nx = torch.cat([a,\r\n    b], 0)\r\ny = 1  # KEEP\r\n",
    "lone_cr": b"import torch\rx = torch.cat([a,\r    b])\ry = 1  # KEEP\r",
    "mixed_line_ends": b"import torch\r\nx = torch.cat([a,\n    b])\ry = 1  # KEEP\r\nz = 2  # KEEP\n",
    "no_final_newline": b"import torch\ny = 1  # KEEP\nx = torch.cat([a])",
    "no_final_newline_import_last": b"y = 1  # KEEP\nimport torch",
    "tabs": b"import torch\nif a:\n\tx = torch.cat([a,\n\t\tb])\n\ty = 1  # KEEP\n",
    "form_feeds": b"import torch\n\x0c\nclass M(torch.nn.Module):\n\x0c    def forward(self, x):\n        return x.view(2)  # KEEP\n",
    "form_feed_in_expression": b"import torch\nx = torch.cat([a,\n\x0c b])\n",
    "docstring_future_before_imports": (
        b'#!/usr/bin/env python\n# -*- coding: utf-8 -*-\n"""Module docstring. KEEP"""\n'
        b"from __future__ import annotations  # KEEP\n\nimport os  # KEEP\nimport torch\n\nx = torch.cat([a])\n"
    ),
    "future_then_torch_in_function_only": (
        b'"""Doc KEEP"""\nfrom __future__ import annotations  # KEEP\n\n\ndef f(a):\n    import torch\n'
        b"    return torch.cat([a])\n"
    ),
    "empty": b"",
    "only_newlines": b"\n\n\r\n",
    "only_comments": b"# torch.cat([a]) in a comment KEEP\n# import torch KEEP\n",
    "torch_only_in_strings": b"s = 'torch.cat([a])'  # KEEP\nt = \"import torch\"  # KEEP\n",
    "only_import": b"import torch\n",
    "null_byte": b"import torch\nx = torch.cat([a])\x00\n",
    "syntax_error": b"import torch\ndef f(:\n    return torch.cat([a])\n",
    "deep_nested_calls": ("import torch\nx = " + "torch.cat([" * 40 + "a" + "])" * 40 + "\n").encode(),
    "deep_parentheses": ("import torch\nx = " + "(" * 150 + "torch.cat([a])" + ")" * 150 + "\n").encode(),
    "match": (
        b"import torch\nmatch torch.cat([a]):\n    case [x, *rest] if x.size(0) > 1:\n        y = torch.cat(rest)\n"
        b"    case {'k': v}:\n        pass  # KEEP\n    case _:\n        z = 1  # KEEP\n"
    ),
    "walrus": b"import torch\nif (n := torch.cat([a]).size(0)) > 1:\n    pass  # KEEP\n",
    "fstrings": (
        b"import torch\nx = f\"{torch.cat([a])!r:>10} {'q'} {d['k']}\"\ny = f'{torch.float32=}'\n"
        b"z = f\"{'KEEP'}\"  # KEEP\n"
    ),
    "py312_fstring_nested_same_quotes": b"import torch\nx = f\"{d[\"k\"]}\" + torch.cat([a])\n",
    "py312_type_params": b"import torch\ntype T = torch.Tensor\ndef f[T](x: T) -> T:\n    return torch.cat([x])\n",
    "async": (
        b"import torch\nasync def f(x):\n    async with torch.no_grad():\n        async for y in g(torch.cat([x])):\n"
        b"            await h(y.cuda())\n    return [await g(t) async for t in x]  # KEEP\n"
    ),
    "decorators_and_hints": (
        b"import torch\n@torch.no_grad()\n@deco(torch.float32)\ndef f(x: torch.Tensor = torch.zeros(1), *a, **k)"
        b" -> torch.Tensor:\n    return x  # KEEP\n"
    ),
    "star_expressions": b"import torch\nx = torch.cat([*a, *b], *rest)\nz = torch.zeros(*shape, **kw)\nh, *t = a  # KEEP\n",
    "except_star": b"import torch\ntry:\n    x = torch.cat([a])\nexcept* ValueError as e:\n    pass  # KEEP\n",
    "semicolons": b"import torch; x = torch.cat([a]); y = 1\nz = 2  # KEEP\n",
    "inline_block": b"if x: import torch\nif y: z = torch.cat([a])\nelse: z = None  # KEEP\n",
    "guarded_imports": (
        b"import os  # KEEP\n\nif is_torch_available():\n    import torch\n    import torch.nn as nn\n\n"
        b"try:\n    import torch_npu\nexcept ImportError:\n    torch_npu = None  # KEEP\n\nx = torch.cat([a])\n"
    ),
    "backslash_continuations": b"import torch\ny = torch.cat([a]) + \\\n    torch.cat([b])\nz = 1  # KEEP\n",
    "unicode_identifiers_and_astral_chars": "import torch\né = '😀'; x = torch.cat([a, '😀']); ü = é\nz = '😀'  # KEEP\n".encode(),
    "comments_inside_call": b"import torch\nx = torch.cat(  # c1\n    [a],  # c2\n    0,  # c3\n)\n",
    "shadowed_torch": (
        b"import torch\nf = lambda torch: torch.cat([a])  # KEEP\ng = (torch.cat([t]) for torch in ts)  # KEEP\n"
        b"def h(torch):\n    return torch.cat([a])  # KEEP\n"
    ),
    "class_body_and_nested_scopes": (
        b"from torch import nn\nimport torch as th\nclass M(nn.Module):\n    import torch\n    dtype = torch.float32\n"
        b"    def forward(self, x):\n        def inner(y):\n            return th.cat([y])\n        return inner(x).size(0)\n"
    ),
}


def _keep(data: bytes) -> list[bytes]:
    return [ln for ln in lines(data) if b"KEEP" in ln and b"KEEP?" not in ln]


def test_long_file(any_rules):
    body = []
    for i in range(20_000):
        body.append(f"x{i} = torch.cat([a{i}, b], 0).size(0)\n" if i % 50 == 0 else f"y{i} = {i}  # KEEP {i}\n")
    data = ("import torch\n" + "".join(body)).encode()
    assert data.count(b"\n") > 20_000
    check(data, any_rules, keep=_keep(data))


@pytest.mark.parametrize("name", sorted(CASES))
def test_odd_file(name, any_rules):
    data = CASES[name]
    check(data, any_rules, keep=_keep(data))


# -- goldens (fixture rules) --------------------------------------------------------------------------------------

def _out(data: bytes, rules) -> bytes:
    return convert_source(data, "t.py", rules).output


@pytest.mark.parametrize("name, encoding", [("latin1_cookie", "latin-1"), ("gbk_cookie", "gbk")])
def test_cookie_encoding_kept(name, encoding, fixture_rules):
    data = CASES[name]
    out = _out(data, fixture_rules)
    assert out == data.replace(b"import torch\n", b"from mindspore import mint\n").replace(b"torch.cat", b"mint.cat")
    out.decode(encoding)   # still in its declared encoding


def test_bom_kept(fixture_rules):
    out = _out(CASES["utf8_bom"], fixture_rules)
    assert out == "\ufefffrom mindspore import mint\nx = mint.cat([a])\ns = 'ü'  # KEEP\n".encode()


@pytest.mark.parametrize("name", ["bom_contradicts_cookie", "unknown_codec", "utf16", "null_byte", "syntax_error",
                                  "py312_fstring_nested_same_quotes", "py312_type_params",
                                  "gbk_bytes_in_string", "gbk_bytes_inside_converted_call"])
def test_not_convertible_copied_byte_for_byte(name, fixture_rules):
    # this interpreter (3.11) cannot read these: they are reported and copied, never half converted
    r = convert_source(CASES[name], "t.py", fixture_rules)
    assert r.status in ("undecodable", "unparsable") and r.message
    assert r.output == CASES[name]


def test_gbk_comment_bytes_convert_and_survive(fixture_rules):
    # import (not ``python file.py``) compiles invalid UTF-8 inside comments: the file converts, bytes kept
    data = CASES["gbk_bytes_in_utf8_comment"]
    out = _out(data, fixture_rules)
    assert GBK_COMMENT in out and b"mint.cat([a], 0)" in out and b"torch" not in out
    compile(out, "t.py", "exec")


@pytest.mark.parametrize("name", ["crlf", "lone_cr", "mixed_line_ends"])
def test_line_ends_kept(name, fixture_rules):
    data = CASES[name]
    out = _out(data, fixture_rules)
    first_nl = lines(data)[0][len(b"import torch"):]
    assert out == data.replace(b"import torch" + first_nl, b"from mindspore import mint" + first_nl, 1).replace(
        b"torch.cat", b"mint.cat")


def test_future_import_and_docstring_stay_first(fixture_rules):
    out = _out(CASES["docstring_future_before_imports"], fixture_rules).decode()
    assert out == (
        '#!/usr/bin/env python\n# -*- coding: utf-8 -*-\n"""Module docstring. KEEP"""\n'
        "from __future__ import annotations  # KEEP\n\nimport os  # KEEP\nfrom mindspore import mint\n\n"
        "x = mint.cat([a])\n"
    )
    out = _out(CASES["future_then_torch_in_function_only"], fixture_rules).decode()
    assert out.index("from __future__") < out.index("from mindspore import mint") < out.index("def f")


@pytest.mark.parametrize("name", ["empty", "only_newlines", "only_comments", "torch_only_in_strings"])
def test_nothing_to_convert_is_unchanged(name, fixture_rules):
    r = convert_source(CASES[name], "t.py", fixture_rules)
    assert r.status == "unchanged" and r.output == CASES[name]


def test_guarded_imports_keep_their_blocks(fixture_rules):
    out = _out(CASES["guarded_imports"], fixture_rules)
    assert compiles(out)
    assert b"if is_torch_available():\n    pass\n" in out
    assert out.index(b"from mindspore import mint\n") < out.index(b"if is_torch_available")


def test_deep_nesting_converted_whole(fixture_rules, default_recursion_limit):
    out = _out(CASES["deep_nested_calls"], fixture_rules)
    assert out.count(b"mint.cat(") == 40 and b"torch" not in out
    # deeper than the rewriter's Python recursion allows (it retries on a big stack), yet CPython compiles it
    chain = ("import torch\nx = " + " + ".join(["torch.cat([a])"] * 400) + "\n").encode()
    out = check(chain, fixture_rules).output
    assert out.count(b"mint.cat(") == 400 and b"torch" not in out
    # deeper than CPython's own parser allows: reported and copied, never an exception
    too_deep = ("import torch\nx = " + " + ".join(["torch.cat([a])"] * 5000) + "\n").encode()
    r = convert_source(too_deep, "t.py", fixture_rules)
    assert (r.status, r.output) == ("unparsable", too_deep)
