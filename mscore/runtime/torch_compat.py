"""Small torch facts and helpers that converted code still asks for, with no MindSpore counterpart.

``TORCH_VERSION`` answers ``torch.__version__``. Converted code keeps its version checks
(``torch.__version__ >= "2.1"``, ``packaging.version.parse(torch.__version__)``, ``torch.__version__.split(".")``)
and they must take the branches the code was written and tested for: the value is the torch release the reference
stack pins (MindSpeed-MM 2.1.0: ``torch==2.6.0``), the behaviour mscore's rules reproduce on MindSpore. It is a
claim about the converted code, not an installed torch; ``mindspore.__version__`` is MindSpore's own.
"""
from __future__ import annotations

import traceback
import types

__all__ = ["TORCH_VERSION", "TORCH_NPU_VERSION", "p_assert", "npu_config", "cuda_matmul"]

TORCH_VERSION = "2.6.0"
TORCH_NPU_VERSION = "2.6.0"


def p_assert(cond, s, raise_assertion_error: bool = True) -> None:
    """torch.distributed.utils._p_assert: when ``cond`` is false, print ``s`` and the stack (an ``assert`` inside
    a backward pass is otherwise swallowed), then raise AssertionError(s) unless told not to."""
    if not cond:
        print(s)
        traceback.print_stack()
        if raise_assertion_error:
            raise AssertionError(s)


# torch.npu.config: torch_npu's switches of private (internal) tensor formats change layouts, never values; MindSpore
# chooses Ascend internal formats itself. Assignments are kept (read back as set), and change nothing.
npu_config = types.SimpleNamespace(allow_internal_format=None)

# torch.backends.cuda.matmul: CUDA's TF32 switch. torch_npu leaves it without effect on NPU (its HF32 switch is
# torch.npu.matmul.allow_hf32) and MindSpore has no TF32: the value is kept as set (False until then, as in torch).
cuda_matmul = types.SimpleNamespace(allow_tf32=False)
