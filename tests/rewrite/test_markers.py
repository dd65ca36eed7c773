"""Unconverted references are left in place, marked inline, and reported with file:line."""


def test_marker_end_of_line_and_above_headers(assert_converts):
    result = assert_converts(
        """\
        import torch
        with torch.cuda.stream(s):  # keep
            y = torch.cuda.current_device(); z = 1
        for i in range(torch.cuda.device_count()):
            pass
        """,
        """\
        try:
            import torch
        except ImportError:  # mscore: not installed; only the code that uses these names fails (see docs/imports.md)
            from mscore_rt.leftover import missing as _mscore_missing
            torch = _mscore_missing("torch")
        # mscore: unconverted torch.cuda.stream: no MindSpore mapping known
        with torch.cuda.stream(s):  # keep
            # mscore: unconverted torch.cuda.current_device: no device index on MindSpore
            y = torch.cuda.current_device(); z = 1
        # mscore: unconverted torch.cuda.device_count: no MindSpore mapping known
        for i in range(torch.cuda.device_count()):
            pass
        """,
    )
    assert [(u.api, u.line) for u in result.unconverted] == [
        ("torch.cuda.stream", 2), ("torch.cuda.current_device", 3), ("torch.cuda.device_count", 4)
    ]


def test_existing_comment_kept(assert_converts):
    assert_converts(
        """\
        import torch
        d = torch.cuda.current_device()  # which GPU
        """,
        """\
        try:
            import torch
        except ImportError:  # mscore: not installed; only the code that uses these names fails (see docs/imports.md)
            from mscore_rt.leftover import missing as _mscore_missing
            torch = _mscore_missing("torch")
        d = torch.cuda.current_device()  # which GPU  # mscore: unconverted torch.cuda.current_device: no device index on MindSpore
        """,
    )


def test_msadapter_profile_says_so(fixture_rules):
    from tests.conftest import convert_text

    r = convert_text("import torch\nd = torch.cuda.current_device()\n", fixture_rules, profile="msadapter")
    assert r.unconverted[0].reason.endswith("(left for MSAdapter)")
    assert b"import torch\n" in r.output
