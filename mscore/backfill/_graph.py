"""Graph mode (``mindspore.jit``) for the backfilled Tensor methods.

``enable()`` replaces Tensor methods on the class, which is what PyNative calls. The 2.10 graph compiler does not
look at the class: it compiles ``x.name(...)`` on a tensor from tables of its own, in this order:

1. *functional* methods (the ones MindSpore defines in C++ on ``TensorPy``: ``repeat``, ``clone``, ``cumsum``,
   ``log``, ``exp``, ...): a table compiled into the library lists, per name, the primitives and at most one legacy
   ("deprecated") overload; the first whose signature matches the call is used. A primitive is chosen by the
   arguments' types, not by the device, so a call that PyNative on CPU sends to a Python fallback
   (``mindspore.ops.tensor_method``) becomes an Ascend-only primitive in graph mode ("Kernel select failed").
   Nothing in Python changes that choice. The legacy overload is the exception: its implementation is the function
   of ``mindspore.ops.tensor_method`` named by ``deprecated_tensor_method_map[name]`` (module
   ``mindspore.graph._parse.deprecated.deprecated_tensor_method``), looked up at each compile. It receives the
   legacy signature's parameters positionally, defaults filled in.
2. the other methods (defined in Python on ``Tensor``: ``index_fill``, ``nonzero``, ``zero_``, ``clamp_``, ...):
   the function of the same name in ``mindspore.graph._parse.standard_method``, also looked up at each compile and
   called with the call's own arguments.

``routes()`` points those two lookups at the backfill's implementations, for the Tensor methods the backfill
replaces and only where the lookup is what the compiler uses: a method of kind 2 gets its ``standard_method``
function replaced; a method of kind 1 with a legacy overload gets its map entry pointed at the implementation,
registered in ``mindspore.ops.tensor_method`` under a private name, when the implementation takes the legacy
parameters under the same names (or their torch names: ``axis`` is ``dim``, ``y`` is ``other``) in the same
positions (so ``x.log10()``, ``x.roll(s, d)``, ``x.sub_(y)`` -- MindSpore's legacy ``sub_`` is out of place in
graph mode too -- and ``x.scatter(d, i, s)``; not ``sum`` or ``scatter_add``, whose legacy signatures differ from
torch's). PyNative never reads either table for these methods
(their class attributes are the backfill's), so its behaviour and cost are unchanged. Every entry is restored by
``disable()``.
"""
from __future__ import annotations

import inspect
import types

_PRIVATE = "_mscore_backfill_"
_POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
# MindSpore's legacy parameter names for torch's (``Tensor.sub_(y)`` is ``sub_(other)``, ``scatter(axis, ...)`` is
# ``scatter(dim, ...)``): the same argument under another name
_LEGACY_NAMES = {"axis": "dim", "y": "other"}


def _legacy_call(impl, n: int):
    """A function of exactly ``n`` positional parameters calling ``impl`` with them (the compiler passes the legacy
    overload's arguments positionally and checks the count, so ``impl``'s own keyword-only extras must not show)."""
    if n == 1:
        def route(input):
            return impl(input)
    elif n == 2:
        def route(input, a):
            return impl(input, a)
    elif n == 3:
        def route(input, a, b):
            return impl(input, a, b)
    elif n == 4:
        def route(input, a, b, c):
            return impl(input, a, b, c)
    else:
        return None
    route.__mscore_backfill__ = impl
    return route


def _legacy_route(impl, legacy):
    """What to register for the legacy overload ``legacy`` (a function of ``mindspore.ops.tensor_method``): ``impl``
    itself or a fixed-arity call of it, or None when ``impl`` does not take ``legacy``'s parameters by the same
    names in the same positions."""
    try:
        want = list(inspect.signature(legacy).parameters.values())
        have = list(inspect.signature(impl).parameters.values())
    except (TypeError, ValueError):
        return None
    if not want or any(p.kind not in _POSITIONAL for p in want) or len(have) < len(want):
        return None
    for w, h in zip(want[1:], have[1:len(want)]):
        if h.kind not in _POSITIONAL or _LEGACY_NAMES.get(w.name, w.name) != h.name:
            return None
    for h in have[len(want):]:   # impl's extras: optional
        if h.kind not in (h.VAR_POSITIONAL, h.VAR_KEYWORD) and h.default is inspect.Parameter.empty:
            return None
    if len(have) == len(want):
        return impl
    return _legacy_call(impl, len(want))


def routes(methods):
    """``[(owner, key, value)]``: the entries to set so that graph mode compiles the backfill's implementation.

    ``methods``: ``[(name, impl, original)]`` -- a Tensor method the backfill replaces, its implementation, and
    MindSpore's class attribute. ``owner`` is a module (``key`` an attribute) or a dict (``key`` an item)."""
    try:   # MindSpore's internal layout (2.10); another one gets no routes, and graph mode stays MindSpore's
        from mindspore.graph._parse import standard_method
        from mindspore.graph._parse.deprecated import deprecated_tensor_method
        from mindspore.ops import tensor_method

        legacy_map = deprecated_tensor_method.deprecated_tensor_method_map
    except (ImportError, AttributeError):
        return []
    out = []
    for name, impl, original in methods:
        if isinstance(original, types.FunctionType):   # defined in Python on Tensor: kind 2
            if callable(getattr(standard_method, name, None)):
                out.append((standard_method, name, impl))
            continue
        legacy = getattr(tensor_method, legacy_map.get(name, ""), None)   # kind 1 with a legacy overload
        route = _legacy_route(impl, legacy) if callable(legacy) else None
        if route is not None:
            private = _PRIVATE + name
            out.append((tensor_method, private, route))
            out.append((legacy_map, name, private))
    return out


def install(entries):
    """Set ``entries`` (from ``routes``); returns what ``restore`` needs."""
    saved = []
    try:
        for owner, key, value in entries:
            if isinstance(owner, dict):
                saved.append((owner, key, key in owner, owner.get(key)))
                owner[key] = value
            else:
                had = key in vars(owner)
                saved.append((owner, key, had, vars(owner).get(key)))
                setattr(owner, key, value)
    except Exception:
        restore(saved)
        raise
    return saved


def restore(saved):
    for owner, key, had, old in reversed(saved):
        if isinstance(owner, dict):
            if had:
                owner[key] = old
            else:
                owner.pop(key, None)
        elif had:
            setattr(owner, key, old)
        else:
            try:
                delattr(owner, key)
            except AttributeError:  # pragma: no cover
                pass
