"""Access to the bundled example project (examples/qwen2_5_vl_mini) from the tests."""
import contextlib
import importlib
import importlib.util
import os
import sys

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLE_DIR = os.path.join(REPO_ROOT, "examples", "qwen2_5_vl_mini")
# top-level module names of the example project (it is a script folder, not a package)
EXAMPLE_MODULES = ("checkpoint", "configuration", "dataset", "image_processor", "model", "tokenizer", "train", "tools")


def load_run_parity():
    spec = importlib.util.spec_from_file_location("qwen_mini_run_parity", os.path.join(EXAMPLE_DIR, "run_parity.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@contextlib.contextmanager
def example_on_path():
    """Import the example's modules by their own names, then forget them so nothing leaks into other tests."""
    saved = {k: v for k, v in sys.modules.items() if k.split(".")[0] in EXAMPLE_MODULES}
    for k in saved:
        del sys.modules[k]
    sys.path.insert(0, EXAMPLE_DIR)
    try:
        yield importlib.import_module
    finally:
        sys.path.remove(EXAMPLE_DIR)
        for k in [k for k in sys.modules if k.split(".")[0] in EXAMPLE_MODULES]:
            del sys.modules[k]
        sys.modules.update(saved)
