"""Helpers that converted code imports at run time, shipped *inside* the converted output as ``mscore_rt``.

The converted tree imports neither torch nor mscore. Where MindSpore lacks a torch behaviour that converted code
needs (a leftover torch reference that must not break the module's import, imperative autograd, checkpoint
files, ...), the converter emits ``from mscore_rt.<module> import ...`` and writes this package, as ``mscore_rt/``,
at the root of the output (each repository of a ``--repo`` output carries its own copy).

Rules for modules in this package:
- import only the standard library and ``mindspore`` (never torch, never ``mscore``): they run in the user's tree;
- import each other relatively (``from . import x``): the package is imported as ``mscore_rt`` in an output and as
  ``mscore.runtime`` in mscore's own tests;
- every behaviour is proven by a test against torch (``tests/runtime/``), like a rule.
"""
import importlib.util

# mscore's own install need not have MindSpore (this package is then only data, written into outputs); a converted
# tree imports it with MindSpore present, and gets torch's defaults installed.
if importlib.util.find_spec("mindspore") is not None:
    from .modes import install_tensor_format, install_train_default

    install_train_default()
    install_tensor_format()
