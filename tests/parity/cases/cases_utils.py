"""Parity cases for rules/utils.toml (activation checkpointing, hook handles, data loading: mscore_rt.data)."""
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
    Case("torch.utils.data.IterableDataset", DATASET + "class It(torch.utils.data.IterableDataset):\n"
         "    def __iter__(self):\n        return iter([x[0], x[1], x[2]])\n"
         "dl = torch.utils.data.DataLoader(It(), batch_size=2, collate_fn=stack)\nout = list(dl)", x=randn(3, 2)),
    Case("torch.utils.data.dataset.IterableDataset", "import torch.utils.data.dataset\n"
         "class It(torch.utils.data.dataset.IterableDataset):\n    def __iter__(self):\n        return iter([1, 2])\n"
         "out = (list(It()), isinstance(It(), torch.utils.data.dataset.IterableDataset), isinstance([], "
         "torch.utils.data.dataset.IterableDataset))"),
    Case("torch.utils.data.DataLoader", DATASET + "dl = torch.utils.data.DataLoader(ds, batch_size=2, collate_fn=stack)\n"
         "out = (len(dl), [b for b in dl], [b for b in dl])", x=randn(5, 3)),
    Case("torch.utils.data.DataLoader", DATASET + "dl = torch.utils.data.DataLoader(ds, 2, False, collate_fn=stack, "
         "drop_last=True, num_workers=0)\nout = (len(dl), list(dl))", x=randn(5, 3)),
    Case("torch.utils.data.DataLoader", DATASET + "dl = torch.utils.data.DataLoader(collate_fn=pair, drop_last=False, "
         "dataset=ds, batch_size=3)\nout = (len(dl), list(dl))", x=randn(7, 2)),
    Case("torch.utils.data.DataLoader", "import torch.utils.data\n"
         "dl = torch.utils.data.DataLoader([1, 2, 3], batch_size=2)\nout = (len(dl), list(dl))"),
    Case("torch.utils.data.DataLoader", "import torch.utils.data\n"
         "dl = torch.utils.data.DataLoader([1, 2, 3, 4, 5], batch_size=2, shuffle=True, collate_fn=list)\n"
         "out = (len(dl), sorted(i for b in dl for i in b), [len(b) for b in dl])"),
    # MindSpeed-MM's form: a batch sampler and a collator, worker options given
    Case("torch.utils.data.DataLoader", DATASET + "bs = torch.utils.data.BatchSampler(range(5), 2, True)\n"
         "dl = torch.utils.data.DataLoader(ds, collate_fn=stack, batch_sampler=bs, num_workers=0, pin_memory=False, "
         "prefetch_factor=None, persistent_workers=False)\nout = (len(dl), list(dl))", x=randn(5, 3)),
    Case("torch.utils.data.DataLoader", DATASET + "sm = torch.utils.data.SequentialSampler(ds)\n"
         "dl = torch.utils.data.DataLoader(ds, batch_size=2, sampler=sm, drop_last=True, collate_fn=pair)\n"
         "out = (len(dl), list(dl))", x=randn(5, 3)),
    Case("torch.utils.data.distributed.DistributedSampler", "import torch.utils.data.distributed\n"
         "s = torch.utils.data.distributed.DistributedSampler([1, 2, 3, 4, 5], num_replicas=2, rank=1, shuffle=False)\n"
         "d = torch.utils.data.distributed.DistributedSampler(list(range(7)), 2, 0, True, 3, True)\n"
         "d.set_epoch(1)\n"
         "out = (list(s), len(s), s.total_size, s.num_samples, len(list(d)), len(d), d.total_size, d.epoch)"),
    # MindSpeed-MM's samplers derive from it and read its attributes
    Case("torch.utils.data.distributed.DistributedSampler", "import torch.utils.data.distributed\n"
         "class Mine(torch.utils.data.distributed.DistributedSampler):\n"
         "    def __init__(self, data, batch_size):\n"
         "        super().__init__(data, 1, 0, False, 0, True)\n"
         "        self.total = len(self.dataset) // batch_size * batch_size\n"
         "    def __iter__(self):\n"
         "        return iter(list(range(self.total)))\n"
         "m = Mine(list(range(7)), 2)\nout = (list(m), m.num_replicas, m.rank, m.shuffle, m.drop_last, m.seed)"),
    Case("torch.utils.data.DistributedSampler", "import torch.utils.data\n"
         "out = list(torch.utils.data.DistributedSampler([1, 2, 3], num_replicas=2, rank=0, shuffle=False))"),
    Case("torch.utils.data.SequentialSampler",
         "import torch.utils.data\ns = torch.utils.data.SequentialSampler([1, 2, 3])\nout = (list(s), len(s))"),
    Case("torch.utils.data.Sampler", "import torch.utils.data\n"
         "class Rev(torch.utils.data.Sampler):\n    def __init__(self, n):\n        self.n = n\n"
         "    def __iter__(self):\n        return iter(range(self.n - 1, -1, -1))\n    def __len__(self):\n"
         "        return self.n\n"
         "out = (list(torch.utils.data.BatchSampler(Rev(5), 2, False)), isinstance(Rev(1), torch.utils.data.Sampler))"),
    Case("torch.utils.data.RandomSampler", "import torch.utils.data\n"
         "r = torch.utils.data.RandomSampler(list(range(6)))\nout = (len(r), sorted(r))"),
    Case("torch.utils.cpp_extension", "import torch.utils.cpp_extension\nout = torch.utils.cpp_extension.load('k', ['k.cpp'])",
         expect="unsupported"),
    Case("torch.utils.data.default_collate", "import torch.utils.data\nout = torch.utils.data.default_collate([x, x])",
         x=randn(2)),
    Case("torch.utils.data.default_collate", "import torch.utils.data\n"
         "out = torch.utils.data.default_collate([{'a': 1, 'b': (x, 2.5)}, {'a': 2, 'b': (x * 2, 0.5)}])", x=randn(3)),
    Case("torch.utils.data.ConcatDataset", "import torch.utils.data\n"
         "c = torch.utils.data.ConcatDataset([[1], [2, 3]])\nout = (len(c), [c[i] for i in range(3)], c.cumulative_sizes, c[-1])"),
    Case("torch.utils.data.Subset", "import torch.utils.data\n"
         "s = torch.utils.data.Subset([1, 2, 3], [0, 2])\nout = (len(s), [s[i] for i in range(len(s))])"),
    Case("torch.utils.data.BatchSampler", "import torch.utils.data\n"
         "out = (list(torch.utils.data.BatchSampler([0, 1, 2], 2, False)), len(torch.utils.data.BatchSampler([0, 1, 2], 2, True)), "
         "list(torch.utils.data.BatchSampler(range(5), batch_size=2, drop_last=True)))"),
]
