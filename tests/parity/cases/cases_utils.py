"""Parity cases for rules/utils.toml (activation checkpointing, hook handles; data loading is reported)."""
from mscore.parity.case import Case, ModuleCase, randn

DATASET = """
import torch.utils.data


class DS(torch.utils.data.Dataset):
    def __init__(self, x):
        self.x = x

    def __len__(self):
        return self.x.shape[0]

    def __getitem__(self, i):
        return self.x[i] * 2


def stack(items):
    return torch.stack(items, 0)


def pair(items):
    return {"sum": torch.stack(items).sum(0), "n": len(items)}


ds = DS(x)
"""

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
    Case("torch.utils.data.Dataset", DATASET + "out = [ds[i] for i in range(len(ds))]", x=randn(5, 3)),
    Case("torch.utils.data.IterableDataset",
         "import torch.utils.data\nclass DS(torch.utils.data.IterableDataset):\n    pass\n", expect="unsupported"),
    Case("torch.utils.data.DataLoader", DATASET + "dl = torch.utils.data.DataLoader(ds, batch_size=2, collate_fn=stack)\n"
         "out = (len(dl), [b for b in dl], [b for b in dl])", x=randn(5, 3)),
    Case("torch.utils.data.DataLoader", DATASET + "dl = torch.utils.data.DataLoader(ds, 2, False, collate_fn=stack, "
         "drop_last=True, num_workers=0)\nout = (len(dl), list(dl))", x=randn(5, 3)),
    Case("torch.utils.data.DataLoader", DATASET + "dl = torch.utils.data.DataLoader(collate_fn=pair, drop_last=False, "
         "dataset=ds, batch_size=3)\nout = (len(dl), list(dl))", x=randn(7, 2)),
    Case("torch.utils.data.DataLoader", "import torch.utils.data\nout = torch.utils.data.DataLoader([1, 2, 3], batch_size=2)",
         expect="unsupported"),
    Case("torch.utils.data.DataLoader",
         "import torch.utils.data\nout = torch.utils.data.DataLoader([1, 2], batch_size=2, shuffle=True, collate_fn=list)",
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
