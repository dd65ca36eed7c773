"""Parity cases for rules/utils.toml (activation checkpointing, hook handles; data loading is reported)."""
from mscore.parity.case import Case, ModuleCase, randn

CHECKPOINTED = """
import torch.utils.checkpoint


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.inner = nn.Sequential(nn.Linear(4, 8), nn.SiLU(), nn.Linear(8, 4))

    def forward(self, x):
        return torch.utils.checkpoint.checkpoint(self.inner, x, use_reentrant=False) + x

m = Block()
"""

CHECKPOINT_FN = """
from torch.utils.checkpoint import checkpoint


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Linear(4, 4)
        self.b = nn.Linear(4, 4)

    def forward(self, x):
        return checkpoint(self.b, self.a(x), use_reentrant=True, preserve_rng_state=False)

m = Block()
"""

CASES = [
    ModuleCase("torch.utils.checkpoint.checkpoint", CHECKPOINTED, inputs=dict(x=randn(2, 4))),
    ModuleCase("torch.utils.checkpoint.checkpoint", CHECKPOINT_FN, inputs=dict(x=randn(3, 4))),
    Case("torch.utils.checkpoint.detach_variable",
         "import torch.utils.checkpoint\nout = torch.utils.checkpoint.detach_variable((x,))", x=randn(2),
         expect="unsupported"),
    Case("torch.utils.hooks.RemovableHandle",
         "import torch.utils.hooks\nm = nn.Linear(2, 2)\nh = m.register_forward_hook(lambda *a: None)\n"
         "out = (isinstance(h, torch.utils.hooks.RemovableHandle), isinstance(m, torch.utils.hooks.RemovableHandle))"),
    Case("torch.utils.data.Dataset", "import torch.utils.data\nclass DS(torch.utils.data.Dataset):\n    pass\n",
         expect="unsupported"),
    Case("torch.utils.data.IterableDataset",
         "import torch.utils.data\nclass DS(torch.utils.data.IterableDataset):\n    pass\n", expect="unsupported"),
    Case("torch.utils.data.DataLoader", "import torch.utils.data\nout = torch.utils.data.DataLoader([1, 2, 3], batch_size=2)",
         expect="unsupported"),
    Case("torch.utils.data.distributed.DistributedSampler",
         "import torch.utils.data.distributed\n"
         "out = torch.utils.data.distributed.DistributedSampler([1, 2], num_replicas=1, rank=0)", expect="unsupported"),
    Case("torch.utils.data.SequentialSampler",
         "import torch.utils.data\nout = torch.utils.data.SequentialSampler([1, 2, 3])", expect="unsupported"),
    Case("torch.utils.cpp_extension", "import torch.utils.cpp_extension\nout = torch.utils.cpp_extension.load('k', ['k.cpp'])",
         expect="unsupported"),
    Case("torch.utils.data.default_collate", "import torch.utils.data\nout = torch.utils.data.default_collate([x, x])",
         x=randn(2), expect="unsupported"),
    Case("torch.utils.data.ConcatDataset", "import torch.utils.data\nout = torch.utils.data.ConcatDataset([[1], [2]])",
         expect="unsupported"),
    Case("torch.utils.data.Subset", "import torch.utils.data\nout = torch.utils.data.Subset([1, 2, 3], [0, 2])",
         expect="unsupported"),
    Case("torch.utils.data.BatchSampler", "import torch.utils.data\n"
         "out = torch.utils.data.BatchSampler([0, 1, 2], 2, False)", expect="unsupported"),
]
