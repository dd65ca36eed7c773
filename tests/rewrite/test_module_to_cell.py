"""nn.Module subclasses become nn.Cell with construct; subclasses of converted classes follow."""
from mscore.rewrite.locate import TreeIndex
from tests.conftest import convert_text


def test_module_subclass(assert_converts):
    assert_converts(
        """\
        import torch
        from torch import nn


        class Block(nn.Module):
            \"\"\"A block.\"\"\"

            def __init__(self, d):
                super().__init__()
                self.proj = nn.Linear(d, d)

            def forward(self, x):  # the forward pass
                return self.proj(x)


        class Deeper(Block):
            def forward(self, x):
                return super().forward(x) + self.forward(x)


        class NotAModule:
            def forward(self, x):
                return x
        """,
        """\
        from mindspore import mint, nn


        class Block(nn.Cell):
            \"\"\"A block.\"\"\"

            def __init__(self, d):
                super().__init__()
                self.proj = mint.nn.Linear(d, d)

            def construct(self, x):  # the forward pass
                return self.proj(x)


        class Deeper(Block):
            def construct(self, x):
                return super().construct(x) + self.construct(x)


        class NotAModule:
            def forward(self, x):
                return x
        """,
    )


def test_unknown_base_in_torch_file_is_a_module(fixture_rules):
    src = """\
    import torch
    from megatron.core.transformer.module import MegatronModule

    class Attention(MegatronModule):
        def forward(self, x):
            return x
    """
    out = convert_text(src, fixture_rules).output.decode()
    assert "def construct(self, x)" in out


def test_tree_index_decides_for_files_without_torch(fixture_rules):
    src = """\
    from .base import MyModule, MyConfig

    class Head(MyModule):
        def forward(self, x):
            return x

    class Cfg(MyConfig):
        def forward(self, x):
            return x
    """
    index = TreeIndex(classes=frozenset({"MyModule", "MyConfig"}), cells=frozenset({"MyModule"}))
    out = convert_text(src, fixture_rules, index=index).output.decode()
    assert out.count("def construct(self, x)") == 1
    assert "class Cfg(MyConfig):\n    def forward" in out
    assert convert_text(src, fixture_rules).output.decode() == __import__("textwrap").dedent(src)


def test_autograd_function_forward_stays(fixture_rules):
    src = """\
    import torch

    class Fn(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x
    """
    out = convert_text(src, fixture_rules).output.decode()
    assert "def forward(ctx, x)" in out
    assert "mscore: unconverted torch.autograd.Function" in out


def test_methods_on_self_are_module_methods(assert_converts):
    # self.norm(h) calls a submodule: never Tensor.norm; Function.forward(ctx, x) is not renamed
    assert_converts(
        """\
        import torch


        class Block(torch.nn.Module):
            def forward(self, h):
                return self.norm(h) + h.norm(2) + Fn.forward(None, h)
        """,
        """\
        from mindspore import mint, nn


        class Block(nn.Cell):
            def construct(self, h):
                return self.norm(h) + mint.norm(h, 2) + Fn.forward(None, h)
        """,
    )
