"""The runtime helpers (mscore/runtime/, shipped as mscore_rt) run in-process here. MindSpore's device is set once,
before any test runs a kernel: a later ``set_device`` (a fixture of one test module) then finds it set, whatever
order the modules run in."""
from __future__ import annotations

import os

os.environ.setdefault("GLOG_v", "4")

try:
    import mindspore as ms
except ImportError:  # pragma: no cover - the tests that need it skip themselves
    ms = None
else:
    ms.set_device("CPU")
