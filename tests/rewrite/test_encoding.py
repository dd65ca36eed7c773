"""Encodings, BOMs, line endings and undecodable bytes survive conversion."""
from mscore.rewrite.engine import convert_source


def test_crlf_bom_and_non_ascii_comment(fixture_rules):
    src = "\ufeff# -*- coding: utf-8 -*-\r\nimport torch\r\n# 注释\r\n".encode("utf-8") + \
        b"x = torch.cat([a], 0)\r\ny = 1\r\n"
    r = convert_source(src, "t.py", fixture_rules)
    assert r.status == "converted"
    assert r.output.startswith(b"\xef\xbb\xbf# -*- coding: utf-8 -*-\r\n")
    assert "# 注释\r\n".encode("utf-8") in r.output
    assert b"x = mint.cat([a], 0)\r\ny = 1\r\n" in r.output
    assert b"from mindspore import mint\r\n" in r.output
    assert convert_source(r.output, "t.py", fixture_rules).output == r.output


def test_gbk_comment_in_a_utf8_file_converts_as_import_reads_it(fixture_rules):
    """``python t.py`` refuses such a file ("Non-UTF-8 code"), but ``import t`` compiles it: a module people import
    converts, its comment bytes, BOM and CRLFs kept."""
    src = "\ufeff# -*- coding: utf-8 -*-\r\nimport torch\r\n".encode("utf-8") + "# 注释\r\n".encode("gbk") + \
        b"x = torch.cat([a], 0)\r\ny = 1\r\n"
    r = convert_source(src, "t.py", fixture_rules)
    assert r.status == "converted"
    assert r.output == src.replace(b"import torch", b"from mindspore import mint").replace(b"torch.cat", b"mint.cat")
    gbk_string = b"import torch\r\ns = '" + "注释".encode("gbk") + b"'\r\n"   # in a literal import refuses it too
    assert convert_source(gbk_string, "t.py", fixture_rules).status == "undecodable"


def test_latin1_cookie(fixture_rules):
    src = "# -*- coding: latin-1 -*-\nimport torch\ns = 'caf\xe9'\nx = torch.cat([a])\n".encode("latin-1")
    r = convert_source(src, "t.py", fixture_rules)
    assert r.output == "# -*- coding: latin-1 -*-\nfrom mindspore import mint\ns = 'caf\xe9'\nx = mint.cat([a])\n".encode("latin-1")


def test_unparsable_and_undecodable_copied(fixture_rules):
    bad = b"import torch\ndef f(:\n"
    r = convert_source(bad, "t.py", fixture_rules)
    assert (r.status, r.output) == ("unparsable", bad)
    weird = b"# -*- coding: no-such-codec -*-\nimport torch\n"
    r = convert_source(weird, "t.py", fixture_rules)
    assert (r.status, r.output) == ("undecodable", weird)


def test_non_ascii_columns(fixture_rules):
    src = "import torch\nname = 'ü' ; x = torch.cat([a, 'é'])\n".encode()
    r = convert_source(src, "t.py", fixture_rules)
    assert r.output.decode().endswith("name = 'ü' ; x = mint.cat([a, 'é'])\n")
