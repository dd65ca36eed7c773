"""Leftover imports never take a module down: import-time torch (and torch-only package) imports are guarded.

The stand-ins themselves are proven in tests/runtime/test_leftover.py (the guarded output runs without torch)."""
from __future__ import annotations

import pytest

from tests.conftest import convert_text

from mscore.rules.imports import ImportPolicy
from mscore.rules.model import RuleSet

NOTE = "except ImportError:  # mscore: not installed; only the code that uses these names fails (see docs/imports.md)"
# third-party packages also fail with RuntimeError (transformers' lazy modules)
NOTE_3P = NOTE.replace("except ImportError:", "except (ImportError, RuntimeError):")


@pytest.fixture
def policy_rules(fixture_rules):
    policy = ImportPolicy(frozenset({"torchvision"}), frozenset({"transformers"}))
    return RuleSet(fixture_rules.apis, fixture_rules.tensor_methods, fixture_rules.module_methods, "p", policy)


def test_module_level_leftover_is_guarded_function_level_is_not(assert_converts):
    result = assert_converts(
        """\
        import torch
        from torch.utils.data import Dataset as DS
        y = torch.cat([a], out=o)
        class D(DS): pass

        def f():
            import torch
            return torch.cat([a], out=o)
        """,
        f"""\
        try:
            import torch
        {NOTE}
            from mscore_rt.leftover import missing as _mscore_missing
            torch = _mscore_missing("torch")
        try:
            from torch.utils.data import Dataset as DS
        {NOTE}
            from mscore_rt.leftover import missing as _mscore_missing
            DS = _mscore_missing("torch.utils.data.Dataset")
        y = torch.cat([a], out=o)  # mscore: unconverted torch.cat: out= is not supported: no out=
        # mscore: unconverted torch.utils.data.Dataset: no MindSpore mapping known
        class D(DS): pass

        def f():
            import torch
            return torch.cat([a], out=o)  # mscore: unconverted torch.cat: out= is not supported: no out=
        """,
    )
    assert result.import_time_torch == 0


def test_class_body_and_tab_indented_blocks_are_guarded_with_their_indent(fixture_rules):
    src = "if FLAG:\n\timport torch.nn.functional as F  # keep me\nclass A:\n    import torch\n"
    src += "    y = torch.cat([a], out=o)\nz = F.not_a_known_api(x)\n"
    got = convert_text(src, fixture_rules).output.decode()
    assert got.startswith(
        "if FLAG:\n\ttry:\n\t\timport torch.nn.functional as F\n"
        f"\t{NOTE}\n\t\tfrom mscore_rt.leftover import missing as _mscore_missing\n"
        '\t\tF = _mscore_missing("torch.nn.functional")  # keep me\n'
        "class A:\n    try:\n        import torch\n"
        f"    {NOTE}\n        from mscore_rt.leftover import missing as _mscore_missing\n"
        '        torch = _mscore_missing("torch")\n'), got
    compile(got, "t.py", "exec")   # tab-indented blocks stay consistently indented


def test_import_with_own_fallback_is_left_alone(assert_converts):
    result = assert_converts(
        """\
        try:
            import torch
            HAVE = True
        except ImportError:
            HAVE = False
        y = torch.cat([a], out=o)
        """,
        """\
        try:
            import torch
            HAVE = True
        except ImportError:
            HAVE = False
        y = torch.cat([a], out=o)  # mscore: unconverted torch.cat: out= is not supported: no out=
        """,
    )
    assert result.import_time_torch == 0


def test_import_sharing_its_line_is_left_and_counted(assert_converts):
    result = assert_converts(
        """\
        import torch; import os
        y = torch.cat([a], out=o)
        """,
        """\
        import torch; import os
        y = torch.cat([a], out=o)  # mscore: unconverted torch.cat: out= is not supported: no out=
        """,
    )
    assert result.import_time_torch == 1


def test_mixed_import_redoes_the_other_modules(assert_converts):
    assert_converts(
        """\
        import os, torch
        y = torch.cat([a], out=o)
        """,
        f"""\
        try:
            import os, torch
        {NOTE}
            import os
            from mscore_rt.leftover import missing as _mscore_missing
            torch = _mscore_missing("torch")
        y = torch.cat([a], out=o)  # mscore: unconverted torch.cat: out= is not supported: no out=
        """,
    )


def test_torch_only_packages_by_policy(assert_converts, policy_rules):
    assert_converts(
        """\
        import torch
        import torchvision.transforms as T
        import os, torchvision
        from transformers import AutoConfig
        from transformers.trainer_pt_utils import LabelSmoother
        y = torch.cat([a])
        """,
        f"""\
        from mindspore import mint
        try:
            import torchvision.transforms as T
        {NOTE_3P}
            from mscore_rt.leftover import missing as _mscore_missing
            T = _mscore_missing("torchvision.transforms")
        try:
            import os, torchvision
        {NOTE_3P}
            import os
            from mscore_rt.leftover import missing as _mscore_missing
            torchvision = _mscore_missing("torchvision")
        from transformers import AutoConfig
        try:
            from transformers.trainer_pt_utils import LabelSmoother
        {NOTE_3P}
            from mscore_rt.leftover import missing as _mscore_missing
            LabelSmoother = _mscore_missing("transformers.trainer_pt_utils.LabelSmoother")
        y = mint.cat([a])
        """,
        rules=policy_rules,
    )


def test_name_imported_for_other_modules_is_kept_guarded_and_counted(assert_converts):
    # wrap.py imports torch helpers only so that other modules can import them from it; dropping the import (as
    # "unused") made every importer fail with "cannot import name"
    why = "imported but not used here: kept for modules that may import it from here"
    result = assert_converts(
        """\
        from torch.distributed.fsdp.wrap import (
            _post_order_apply,
            always_wrap_policy,
        )
        import torch
        y = torch.cat([a])
        """,
        f"""\
        from mindspore import mint
        # mscore: unconverted torch.distributed.fsdp.wrap._post_order_apply: {why}; \
torch.distributed.fsdp.wrap.always_wrap_policy: {why}
        try:
            from torch.distributed.fsdp.wrap import (
                _post_order_apply,
                always_wrap_policy,
            )
        {NOTE}
            from mscore_rt.leftover import missing as _mscore_missing
            _post_order_apply = _mscore_missing("torch.distributed.fsdp.wrap._post_order_apply")
            always_wrap_policy = _mscore_missing("torch.distributed.fsdp.wrap.always_wrap_policy")
        y = mint.cat([a])
        """,
    )
    assert result.import_time_torch == 0
    assert sorted(u.api for u in result.unconverted) == ["torch.distributed.fsdp.wrap._post_order_apply",
                                                         "torch.distributed.fsdp.wrap.always_wrap_policy"]


def test_torch_only_package_guarded_in_a_file_that_never_names_torch(assert_converts, policy_rules):
    # MindSpeed-MM's bucket_manager.py imports a transformers image helper and nothing of torch: with torchvision
    # installed and torch absent that import fails, so it is guarded like any other
    assert_converts(
        """\
        from PIL import Image
        from transformers.trainer_pt_utils import LabelSmoother
        x = 1
        """,
        f"""\
        from PIL import Image
        try:
            from transformers.trainer_pt_utils import LabelSmoother
        {NOTE_3P}
            from mscore_rt.leftover import missing as _mscore_missing
            LabelSmoother = _mscore_missing("transformers.trainer_pt_utils.LabelSmoother")
        x = 1
        """,
        rules=policy_rules,
    )
