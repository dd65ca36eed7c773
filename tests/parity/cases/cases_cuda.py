"""Parity cases for rules/cuda.toml (torch.cuda.* and torch.npu.* device runtime).

CPU torch has no CUDA and no torch.npu, so the torch side runs `reference=` stand-ins that return what the real
call returns on a host with one accelerator (device 0, no memory in use, a uint8 RNG state, stream/event objects
with the torch methods). The converted side runs the real MindSpore runtime calls. Where a value is device-specific
the snippet compares its type or a property that holds on every device (CPU build and Ascend).
"""
from mscore.parity.case import Case, randn


class _Stream:
    """Stand-in for torch.cuda.Stream: the methods the stack calls, with torch's return values."""

    def __init__(self, device=None, priority=0, **kwargs):
        pass

    def synchronize(self):
        return None

    def wait_stream(self, other):
        return None

    def record_event(self, event=None):
        return event

    def query(self):
        return True


class _Event:
    """Stand-in for torch.cuda.Event."""

    def __init__(self, enable_timing=False, blocking=False, interprocess=False):
        pass

    def record(self, stream=None):
        return None

    def wait(self, stream=None):
        return None

    def synchronize(self):
        return None

    def query(self):
        return True


class _StreamCtx:
    def __init__(self, stream):
        self.stream = stream

    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


def _rng_state(device="cuda"):
    import torch
    return torch.get_rng_state()


def _set_rng_state(new_state, device="cuda"):
    return None


def _typed(dtype_name):
    legacy = {"float32": "FloatTensor", "int64": "LongTensor", "int32": "IntTensor", "bool": "BoolTensor"}[dtype_name]

    def make(*args, **kw):   # torch.cuda.XTensor takes what the CPU legacy constructor takes: data or sizes
        import torch
        return getattr(torch, legacy)(*args, **kw)
    return make


def _none(*args, **kwargs):
    return None


def _zero(*args, **kwargs):
    return 0


def _one(*args, **kwargs):
    return 1


def _stats(*args, **kwargs):
    return {}


def _false(*args, **kwargs):
    return False


def _current_stream(device=None):
    return _Stream()


# one stand-in table for both namespaces
_REF = {}
for _ns in ("torch.cuda", "torch.npu"):
    _REF.update({
        f"{_ns}.current_device": _zero, f"{_ns}.device_count": _one, f"{_ns}.is_available": _false,
        f"{_ns}.synchronize": _none, f"{_ns}.empty_cache": _none, f"{_ns}.current_stream": _current_stream,
        f"{_ns}.default_stream": _current_stream, f"{_ns}.Stream": _Stream, f"{_ns}.stream": _StreamCtx,
        f"{_ns}.Event": _Event, f"{_ns}.memory_allocated": _zero, f"{_ns}.max_memory_allocated": _zero,
        f"{_ns}.memory_reserved": _zero, f"{_ns}.reset_max_memory_allocated": _none, f"{_ns}.memory_stats": _stats,
        f"{_ns}.get_rng_state": _rng_state, f"{_ns}.set_rng_state": _set_rng_state, f"{_ns}.manual_seed": _none,
        f"{_ns}.manual_seed_all": _none, f"{_ns}.set_device": _none,
    })
_REF.update({"torch.cuda.BoolTensor": _typed("bool"), "torch.cuda.FloatTensor": _typed("float32"), "torch.cuda.LongTensor": _typed("int64"),
             "torch.cuda.IntTensor": _typed("int32")})


def case(api, snippet, **kw):
    name = api.rsplit(".", 1)[0]
    refs = {k: v for k, v in _REF.items() if k.rsplit(".", 1)[0] == name}
    return Case(api, snippet, reference=refs, **kw)


CASES = []
for ns in ("torch.cuda", "torch.npu"):
    CASES += [
        case(f"{ns}.current_device", f"d = {ns}.current_device()\nout = (isinstance(d, int), d >= 0)"),
        case(f"{ns}.device_count", f"{ns}.device_count() >= 1"),
        case(f"{ns}.is_available", f"isinstance({ns}.is_available(), bool)"),
        case(f"{ns}.synchronize", f"{ns}.synchronize()"),
        case(f"{ns}.synchronize", f"{ns}.synchronize(0)\nout = x * 2", x=randn(3)),
        case(f"{ns}.synchronize", f"{ns}.synchronize(device={ns}.current_device())\nout = x + 1", x=randn(3)),
        case(f"{ns}.empty_cache", f"{ns}.empty_cache()"),
        case(f"{ns}.current_stream", f"s = {ns}.current_stream()\ns2 = {ns}.current_stream()\n"
                                     f"s2.wait_stream(s2)\nout = x * 2", x=randn(3)),
        case(f"{ns}.current_stream", f"s = {ns}.current_stream(device=0)\nout = x * 2", x=randn(3)),
        case(f"{ns}.default_stream", f"s = {ns}.default_stream()\nout = x - 1", x=randn(3)),
        case(f"{ns}.Stream", f"s = {ns}.Stream()\ns.synchronize()\nout = x * 3", x=randn(3)),
        case(f"{ns}.Stream", f"s = {ns}.Stream(device=0, priority=0)\nout = x * 3", x=randn(3)),
        # the CPU build leaves the first StreamCtx of a process uninitialised (fails on enter): one throwaway
        # construction first; on Ascend both constructions are ordinary
        case(f"{ns}.stream", f"{ns}.stream(None)\ns = {ns}.Stream()\nwith {ns}.stream(s):\n    out = x * 2",
             x=randn(3)),
        # the CPU build raises on the first Event of a process (an initialisation quirk): a throwaway first
        case(f"{ns}.Event", f"try:\n    {ns}.Event()\nexcept TypeError:\n    pass\ne = {ns}.Event()\ne.record()\ne.synchronize()\nout = x * 2", x=randn(3)),
        case(f"{ns}.Event", f"try:\n    {ns}.Event()\nexcept TypeError:\n    pass\ne = {ns}.Event(blocking=False)\ne.record({ns}.current_stream())\nout = x", x=randn(3)),
        case(f"{ns}.Event", f"e = {ns}.Event(interprocess=True)", expect="unsupported"),
        case(f"{ns}.memory_allocated", f"isinstance({ns}.memory_allocated(), int)"),
        case(f"{ns}.memory_allocated", f"{ns}.memory_allocated(0) >= 0"),
        case(f"{ns}.max_memory_allocated", f"isinstance({ns}.max_memory_allocated(device=0), int)"),
        case(f"{ns}.memory_reserved", f"{ns}.memory_reserved() >= 0"),
        case(f"{ns}.memory_stats", f"isinstance({ns}.memory_stats(), dict)"),
    ]

CASES += [
    # the worker's device is already set: setting it again to index 0 of the current target is accepted
    case("torch.cuda.set_device", "torch.cuda.set_device(0)\nout = x * 2", x=randn(2)),
    case("torch.npu.set_device", "torch.npu.set_device(device=0)\nout = x + 1", x=randn(2)),
    Case("torch.cuda.cudart", "torch.cuda.cudart().cudaProfilerStart()", expect="unsupported"),
    case("torch.npu.reset_max_memory_allocated", "torch.npu.reset_max_memory_allocated()"),
    case("torch.cuda.get_rng_state", "torch.cuda.get_rng_state().dtype"),
    case("torch.cuda.get_rng_state", "torch.cuda.get_rng_state(device='cuda').dim()"),
    case("torch.cuda.set_rng_state", "torch.cuda.set_rng_state(torch.cuda.get_rng_state())"),
    case("torch.cuda.set_rng_state", "torch.cuda.set_rng_state(new_state=torch.cuda.get_rng_state(), device='cuda')"),
    case("torch.cuda.manual_seed", "torch.cuda.manual_seed(1234)\nout = x * 1", x=randn(2)),
    case("torch.cuda.manual_seed_all", "torch.cuda.manual_seed_all(seed=7)\nout = x * 1", x=randn(2)),
    case("torch.cuda.FloatTensor", "torch.cuda.FloatTensor([1, 2, 3])"),
    case("torch.cuda.FloatTensor", "torch.cuda.FloatTensor([[0.5, 1.5]])"),
    case("torch.cuda.FloatTensor", "torch.cuda.FloatTensor(*x.shape)", x=randn(2), compare="shape",
         reason="sizes: uninitialized memory in torch, zeros here"),
    case("torch.cuda.LongTensor", "torch.cuda.LongTensor([3, 4])"),
    case("torch.cuda.LongTensor", "torch.cuda.LongTensor(size=(2, 3))", compare="shape",
         reason="sizes: uninitialized memory in torch, zeros here"),
    case("torch.cuda.IntTensor", "torch.cuda.IntTensor([1, 2])"),
    # no CUDA here and no accelerator for MindSpore: both raise (the Ascend answer is in tests/runtime)
    Case("torch.cuda.get_device_capability", "try:\n    out = torch.cuda.get_device_capability()\n"
         "except (RuntimeError, AssertionError):\n    out = 'no accelerator'"),
]

CASES += [
    case("torch.cuda.BoolTensor", "torch.cuda.BoolTensor([True, False, True])"),
    Case("torch.cuda.HalfTensor", "def f(a: torch.cuda.HalfTensor):\n    return a * 2\nout = f(x)", x=randn(3)),
    Case("torch.cuda.BFloat16Tensor", "def f(a: torch.cuda.BFloat16Tensor):\n    return a + 1\nout = f(x)", x=randn(3)),
]
