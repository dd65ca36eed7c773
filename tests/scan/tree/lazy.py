try:
    import pkg.extra  # noqa: F401
except ImportError:
    pkg = None


def later(x):
    from pkg import util

    return util.helper(x)
