"""Make ``mscore_rt`` (the runtime package a conversion writes into its output) importable in mscore's own
processes, as the same module objects as ``mscore.runtime``: converted snippets run by the parity worker and the
tests import ``mscore_rt.autograd`` exactly as a converted tree does."""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys

ALIAS, REAL = "mscore_rt", "mscore.runtime"


class _Alias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, name, path=None, target=None):
        if name == ALIAS or name.startswith(ALIAS + "."):
            real = REAL + name[len(ALIAS):]
            if importlib.util.find_spec(real) is None:
                return None
            return importlib.util.spec_from_loader(name, self, is_package=name == ALIAS)
        return None

    def create_module(self, spec):
        return importlib.import_module(REAL + spec.name[len(ALIAS):])

    def exec_module(self, module):
        pass   # already executed under its mscore.runtime name


def install() -> None:
    """Idempotent. A real ``mscore_rt`` on sys.path (a converted output's copy) would be shadowed: not for outputs."""
    if not any(isinstance(f, _Alias) for f in sys.meta_path):
        sys.meta_path.insert(0, _Alias())
