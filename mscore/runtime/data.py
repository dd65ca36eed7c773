"""torch.utils.data's loading protocol for converted code: samplers, batch samplers, the DataLoader, dataset
wrappers -- plain Python over map-style or iterable datasets, yielding what ``collate_fn`` makes of each batch.

MindSpore's own pipeline (``mindspore.dataset.GeneratorDataset`` + ``.batch()``) is a different design (a graph of
pipeline operations, samplers that are pipeline objects); code written against torch's protocol (MindSpeed-MM's
samplers derive from ``DistributedSampler`` and hand a ``batch_sampler`` and a ``collate_fn`` to ``DataLoader``)
keeps its samplers and collators with these classes. Differences from torch:

- one process: ``num_workers``, ``prefetch_factor``, ``persistent_workers``, ``pin_memory``, ``timeout`` and
  ``multiprocessing_context`` change only speed in torch and are accepted and ignored (``worker_init_fn`` is not
  called, as torch does not with ``num_workers=0``);
- shuffled orders (``RandomSampler``, ``DistributedSampler(shuffle=True)``) are permutations drawn from MindSpore's
  generator (``generator=`` or one seeded with ``seed + epoch``): reproducible per seed, not torch's numbers;
- ``default_collate`` stacks into MindSpore tensors (numbers and NumPy arrays too), recursing into dicts, tuples
  and lists like torch's.
"""
from __future__ import annotations

import bisect
import math

import mindspore as ms
import numpy as np

__all__ = ["Dataset", "IterableDataset", "Sampler", "SequentialSampler", "RandomSampler", "BatchSampler",
           "DistributedSampler", "DataLoader", "ConcatDataset", "Subset", "TensorDataset", "default_collate"]


class Dataset:
    """torch's map-style base: ``__getitem__`` / ``__len__`` from the subclass; ``a + b`` concatenates."""

    def __getitem__(self, index):
        raise NotImplementedError("Subclasses of Dataset should implement __getitem__.")

    def __add__(self, other):
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """torch's iterable-style base: the subclass defines ``__iter__``."""

    def __iter__(self):
        raise NotImplementedError("Subclasses of IterableDataset should implement __iter__.")


class Sampler:
    def __init__(self, data_source=None):
        pass

    def __iter__(self):
        raise NotImplementedError


class SequentialSampler(Sampler):
    def __init__(self, data_source):
        self.data_source = data_source

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self):
        return len(self.data_source)


def _randperm(n: int, generator=None, seed=None) -> list[int]:
    from mindspore import mint

    if generator is None:
        generator = ms.Generator()
        generator.manual_seed(int(seed) if seed is not None else int(np.random.SeedSequence().entropy % 2**31))
    return [int(i) for i in mint.randperm(n, generator=generator).asnumpy()]


class RandomSampler(Sampler):
    def __init__(self, data_source, replacement=False, num_samples=None, generator=None):
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator

    @property
    def num_samples(self) -> int:
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self):
        n = len(self.data_source)
        if self.replacement:
            rng = np.random.default_rng()
            return iter(int(i) for i in rng.integers(0, n, self.num_samples))
        out = []
        while len(out) < self.num_samples:
            out += _randperm(n, self.generator)
        return iter(out[:self.num_samples])

    def __len__(self):
        return self.num_samples


class BatchSampler(Sampler):
    def __init__(self, sampler, batch_size, drop_last):
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size <= 0:
            raise ValueError(f"batch_size should be a positive integer value, but got batch_size={batch_size}")
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got drop_last={drop_last}")
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def __iter__(self):
        batch = []
        for idx in self.sampler:
            batch.append(idx)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self):
        if self.drop_last:
            return len(self.sampler) // self.batch_size
        return (len(self.sampler) + self.batch_size - 1) // self.batch_size


class DistributedSampler(Sampler):
    """torch's: each rank takes every ``num_replicas``-th index of the (padded or cut) order; ``set_epoch`` reseeds
    the shuffle with ``seed + epoch``. Attributes as torch's (subclasses read them)."""

    def __init__(self, dataset, num_replicas=None, rank=None, shuffle=True, seed=0, drop_last=False):
        from mindspore import mint

        if num_replicas is None:
            num_replicas = mint.distributed.get_world_size()
        if rank is None:
            rank = mint.distributed.get_rank()
        if rank >= num_replicas or rank < 0:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval [0, {num_replicas - 1}]")
        self.dataset = dataset
        self.num_replicas = num_replicas
        self.rank = rank
        self.epoch = 0
        self.drop_last = drop_last
        if self.drop_last and len(self.dataset) % self.num_replicas != 0:
            self.num_samples = math.ceil((len(self.dataset) - self.num_replicas) / self.num_replicas)
        else:
            self.num_samples = math.ceil(len(self.dataset) / self.num_replicas)
        self.total_size = self.num_samples * self.num_replicas
        self.shuffle = shuffle
        self.seed = seed

    def __iter__(self):
        n = len(self.dataset)
        indices = _randperm(n, seed=self.seed + self.epoch) if self.shuffle else list(range(n))
        if not self.drop_last:
            padding = self.total_size - len(indices)
            if padding <= len(indices):
                indices += indices[:padding]
            else:
                indices += (indices * math.ceil(padding / len(indices)))[:padding]
        else:
            indices = indices[:self.total_size]
        return iter(indices[self.rank:self.total_size:self.num_replicas])

    def __len__(self):
        return self.num_samples

    def set_epoch(self, epoch):
        self.epoch = epoch


class ConcatDataset(Dataset):
    def __init__(self, datasets):
        self.datasets = list(datasets)
        if not self.datasets:
            raise AssertionError("datasets should not be an empty iterable")
        self.cumulative_sizes = []
        total = 0
        for d in self.datasets:
            total += len(d)
            self.cumulative_sizes.append(total)

    def __len__(self):
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx):
        if idx < 0:
            if -idx > len(self):
                raise ValueError("absolute value of index should not exceed dataset length")
            idx = len(self) + idx
        which = bisect.bisect_right(self.cumulative_sizes, idx)
        start = 0 if which == 0 else self.cumulative_sizes[which - 1]
        return self.datasets[which][idx - start]


class Subset(Dataset):
    def __init__(self, dataset, indices):
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, idx):
        if isinstance(idx, list):
            return self.dataset[[self.indices[i] for i in idx]]
        return self.dataset[self.indices[idx]]

    def __len__(self):
        return len(self.indices)


class TensorDataset(Dataset):
    """torch's TensorDataset: sample ``i`` is the tuple of every tensor's row ``i`` (all share the first size)."""

    def __init__(self, *tensors):
        if any(t.shape[0] != tensors[0].shape[0] for t in tensors):
            raise ValueError("Size mismatch between tensors")
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __len__(self):
        return self.tensors[0].shape[0]


def default_collate(batch):
    """torch's default_collate into MindSpore tensors: tensors, NumPy arrays and numbers stacked along a new first
    axis; dicts, tuples and lists collated per field; strings and other objects kept as a list."""
    from mindspore import mint

    elem = batch[0]
    if isinstance(elem, ms.Tensor):
        return mint.stack(list(batch), 0)
    if isinstance(elem, np.ndarray):
        return ms.Tensor(np.stack(batch))
    if isinstance(elem, bool):
        return ms.tensor(batch, dtype=ms.bool_)
    if isinstance(elem, int):
        return ms.tensor(batch, dtype=ms.int64)
    if isinstance(elem, float):
        return ms.tensor(batch, dtype=ms.float64)
    if isinstance(elem, (str, bytes)):
        return list(batch)
    if isinstance(elem, dict):
        return {k: default_collate([d[k] for d in batch]) for k in elem}
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):
        return type(elem)(*(default_collate(list(s)) for s in zip(*batch)))
    if isinstance(elem, (tuple, list)):
        return [default_collate(list(s)) for s in zip(*batch)]
    return list(batch)


class DataLoader:
    """torch's DataLoader in one process: indices from ``batch_sampler`` (or ``sampler`` / ``shuffle`` batched by
    ``batch_size`` / ``drop_last``), each batch ``collate_fn([dataset[i] for i in batch])``; an IterableDataset is
    iterated and cut into batches. ``len()`` as torch's."""

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None, num_workers=0,
                 collate_fn=None, pin_memory=False, drop_last=False, timeout=0, worker_init_fn=None,
                 multiprocessing_context=None, generator=None, *, prefetch_factor=None, persistent_workers=False,
                 pin_memory_device="", in_order=True):
        self.dataset = dataset
        self.num_workers = num_workers
        self.pin_memory = pin_memory
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.prefetch_factor = prefetch_factor
        self.persistent_workers = persistent_workers
        self.generator = generator
        self._iterable = isinstance(dataset, IterableDataset) or (
            hasattr(dataset, "__iter__") and not hasattr(dataset, "__getitem__"))
        if self._iterable:
            if shuffle not in (None, False):
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified shuffle option, but got "
                                 f"shuffle={shuffle}")
            if sampler is not None or batch_sampler is not None:
                raise ValueError("DataLoader with IterableDataset: expected unspecified sampler / batch_sampler")
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, "
                                 "and drop_last")
            batch_size = None
            drop_last = False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually exclusive with "
                             "drop_last")
        if sampler is None and not self._iterable:
            sampler = RandomSampler(dataset, generator=generator) if shuffle else SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None and not self._iterable:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        if collate_fn is None:
            collate_fn = default_collate if (batch_size is not None or batch_sampler is not None) else (lambda x: x)
        self.collate_fn = collate_fn

    def __iter__(self):
        if self._iterable:
            if self.batch_size is None:
                yield from (self.collate_fn(x) for x in self.dataset)
                return
            batch = []
            for item in self.dataset:
                batch.append(item)
                if len(batch) == self.batch_size:
                    yield self.collate_fn(batch)
                    batch = []
            if batch and not self.drop_last:
                yield self.collate_fn(batch)
            return
        if self.batch_sampler is None:
            for i in self.sampler:
                yield self.collate_fn(self.dataset[i])
            return
        for indices in self.batch_sampler:
            yield self.collate_fn([self.dataset[i] for i in indices])

    def __len__(self):
        if self._iterable:
            n = len(self.dataset)
            if self.batch_size is None:
                return n
            return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)
        return len(self.batch_sampler) if self.batch_sampler is not None else len(self.sampler)
