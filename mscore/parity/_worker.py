"""The MindSpore worker: a script run as ``python _worker.py <read fd> <write fd>`` by :mod:`mscore.parity.worker`.

It is a script (not ``-m``) so that the torch blocker below is the very first thing installed, before any package
(mscore included) is imported. Requests and replies are length-prefixed pickles on the two pipe fds; stdout and
stderr go to a log file the client shows when this process dies.
"""
import sys

BLOCKED = ("torch", "torch_npu")


class TorchBlocker:
    """A meta-path finder that makes every ``torch`` / ``torch_npu`` import fail like a missing package would."""

    def find_spec(self, name, path=None, target=None):
        if name.split(".", 1)[0] in BLOCKED:
            raise ModuleNotFoundError(
                f"import of {name!r} is blocked in the mscore parity worker: converted code must not use torch",
                name=name)
        return None

    def find_module(self, name, path=None):  # pragma: no cover - legacy protocol
        return None


sys.meta_path.insert(0, TorchBlocker())
for _name in list(sys.modules):
    if _name.split(".", 1)[0] in BLOCKED:  # cannot happen in a fresh interpreter; be sure anyway
        del sys.modules[_name]

import faulthandler  # noqa: E402
import os  # noqa: E402
import pickle  # noqa: E402
import struct  # noqa: E402
import traceback  # noqa: E402

_HDR = struct.Struct("<Q")


def _read_exact(fd: int, n: int) -> bytes:
    chunks, got = [], 0
    while got < n:
        b = os.read(fd, min(n - got, 1 << 20))
        if not b:
            raise EOFError
        chunks.append(b)
        got += len(b)
    return b"".join(chunks)


def recv(fd: int):
    (n,) = _HDR.unpack(_read_exact(fd, _HDR.size))
    return pickle.loads(_read_exact(fd, n))


def send(fd: int, obj) -> None:
    send_bytes(fd, pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL))


def send_bytes(fd: int, data: bytes) -> None:
    view = memoryview(_HDR.pack(len(data)) + data)
    while view:
        view = view[os.write(fd, view):]


def _startup(device: str) -> dict:
    os.environ.setdefault("GLOG_v", "4")
    import mindspore as ms

    if device == "CPU":
        ms.set_device(device)
    else:
        ms.set_device(device, int(os.environ.get("MSCORE_PARITY_DEVICE_ID", "0")))
    ms.runtime.launch_blocking()
    info = {"device": device, "mindspore": ms.__version__, "pid": os.getpid(), "backfill": "off"}
    # converted code imports the runtime helpers as ``mscore_rt`` (the package an output carries): here they are
    # mscore/runtime itself
    import mscore.runtime
    sys.modules.setdefault("mscore_rt", mscore.runtime)
    if device == "CPU":
        try:
            import mscore.backfill as backfill
        except ModuleNotFoundError as exc:
            if exc.name not in ("mscore.backfill",):
                raise
            info["backfill"] = "absent (mscore.backfill is not installed: Ascend-only mint kernels will fail on CPU)"
        else:
            if not hasattr(backfill, "enable"):
                raise RuntimeError("mscore.backfill has no enable(): cannot switch the CPU backfill on")
            backfill.enable()
            info["backfill"] = "on"
    return info


def main() -> int:
    rfd, wfd = int(sys.argv[1]), int(sys.argv[2])
    faulthandler.enable()   # a segfault / abort leaves the Python traceback in the log the client reports
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    if root not in sys.path:
        sys.path.insert(0, root)
    device = os.environ.get("MSCORE_PARITY_DEVICE", "CPU")
    try:
        info = _startup(device)
        from mscore.parity import ms_side
    except BaseException:  # noqa: BLE001
        send(wfd, {"ready": False, "error": traceback.format_exc()})
        return 1
    send(wfd, {"ready": True, "info": info})
    handlers = {"case": ms_side.run_snippet, "module": ms_side.run_module,
                "ping": lambda msg: {"ok": True, "torch_loaded": sorted(k for k in sys.modules
                                                                         if k.split(".")[0] in BLOCKED)}}
    while True:
        try:
            msg = recv(rfd)
        except EOFError:
            return 0
        op = msg.get("op")
        if op == "exit":
            return 0
        handler = handlers.get(op)
        reply = handler(msg) if handler else {"ok": False, "error": f"unknown op {op!r}"}
        sys.stdout.flush()
        sys.stderr.flush()
        try:
            data = pickle.dumps(reply, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:  # noqa: BLE001
            data = pickle.dumps({"ok": False, "error": "the worker could not pickle its reply:\n"
                                 + traceback.format_exc()})
        send_bytes(wfd, data)


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)   # skip MindSpore's slow interpreter teardown: the worker holds no state worth saving
