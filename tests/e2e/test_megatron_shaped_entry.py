"""A Megatron-shaped entry point, converted, launched the way its converted launch script launches it (issue 17).

The fixture project (tests/e2e/fixtures/megatron_shaped, written for this test) has what Megatron's
``pretrain_gpt.py`` path uses: Megatron's flags, ``init_process_group`` from the launcher's environment,
``new_group`` parallel state, an RNG-state tracker (fork / restore, checked by a dropout drawn twice from one state),
a DDP wrapper whose parameters' ``main_grad`` view one contiguous buffer filled by hooks on the gradient
accumulators (``p.expand_as(p).grad_fn.next_functions[0][0].register_hook``), two micro-batches through
``torch.autograd.backward(out, grad_tensors=[...])``, an fp32 optimizer fed from ``main_grad`` with a hand-written
global-norm clip over AdamW, a warm-up schedule, and ``torch.save`` / ``torch.load`` checkpoints in Megatron's layout
(``iter_0000003/mp_rank_00/model_optim_rng.pt``, ``latest_checkpointed_iteration.txt``). ``run_tiny.sh`` launches it
with ``torchrun $DISTRIBUTED_ARGS pretrain_tiny.py ...``.

torch runs the original script (torchrun, one process, 6 iterations, checkpoints at 3 and 6); ``mscore convert``
converts the folder (the script becomes an ``msrun`` launch); the converted script runs under msrun (a scheduler and
one worker, on CPU) with torch unimportable and the CPU backfill on (a ``sitecustomize`` on PYTHONPATH, as a user
would switch it on). Checked: every loss finite and the last below the first; each iteration's loss and gradient norm
within 1e-5 relative of torch's; the checkpoints written in the converted tree's format; a second msrun launch with
``--load`` from iteration 3 gives iterations 4-6 exactly the uninterrupted run's values (loss, gradient norm and the
RNG tracker's draw, as printed to 10 digits); the msrun scheduler process did not train.
"""
import ast
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import zipfile

import pytest

pytest.importorskip("torch")
pytest.importorskip("mindspore")

from ._example import REPO_ROOT  # noqa: E402

FIXTURE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "megatron_shaped")
ITERS, SAVE_AT = 6, 3
LOSS_RTOL = 1e-5

# what a user puts on PYTHONPATH to run a converted tree on a CPU machine: torch is blocked (the run must not need it)
# and MSCORE_CPU_BACKFILL=1 switches the backfill on when it is imported
SITECUSTOMIZE = """\
import importlib.abc
import sys


class _TorchBlocker(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("torch", "torch_npu", "torchvision"):
            raise ImportError(f"import of {name!r} is blocked: the converted project must not use torch")
        return None


sys.meta_path.insert(0, _TorchBlocker())
import mscore.backfill  # noqa: E402,F401
"""

LINE = re.compile(r"iteration\s+(\d+)/\s*\d+ \| learning rate: (\S+) \| lm loss: (\S+) \| grad norm: (\S+) \| "
                  r"rng draw: (\d+) \|")


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _iterations(text):
    """{iteration: (lr, loss, grad norm, rng draw)} as printed (strings: 'exact' compares the printed digits)."""
    return {int(m.group(1)): m.group(2, 3, 4, 5) for m in LINE.finditer(text)}


def _launch(tree, env_extra, log_dir=None, timeout=300):
    """bash run_tiny.sh in ``tree``; returns (the launcher's output, the worker's log or None)."""
    env = dict(os.environ, GLOG_v="4", MASTER_PORT=str(_free_port()), TRAIN_ITERS=str(ITERS),
               SAVE_INTERVAL=str(SAVE_AT), PATH=os.pathsep.join([os.path.dirname(sys.executable),
                                                                 os.environ.get("PATH", "")]), **env_extra)
    if log_dir:
        shutil.rmtree(os.path.join(tree, log_dir), ignore_errors=True)
    # its own session: on a timeout the launcher's whole tree goes (msrun's scheduler and worker included)
    with subprocess.Popen(["bash", "run_tiny.sh"], cwd=tree, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, start_new_session=True) as proc:
        try:
            out, _ = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, _ = proc.communicate()
            pytest.fail(f"run_tiny.sh did not finish in {timeout} s:\n{out[-3000:]}")
    worker = None
    if log_dir and os.path.isfile(os.path.join(tree, log_dir, "worker_0.log")):
        with open(os.path.join(tree, log_dir, "worker_0.log"), errors="replace") as f:
            worker = f.read()
    assert proc.returncode == 0, f"run_tiny.sh failed ({proc.returncode}):\n{out[-3000:]}\n{(worker or '')[-3000:]}"
    return out, worker


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    return tmp_path_factory.mktemp("megatron_shaped")


@pytest.fixture(scope="module")
def torch_run(work):
    tree = str(work / "torch")
    shutil.copytree(FIXTURE, tree, ignore=shutil.ignore_patterns("__pycache__"))
    out, _ = _launch(tree, {"CKPT_SAVE_DIR": "./ckpt"})
    return _iterations(out)


@pytest.fixture(scope="module")
def converted(work):
    out = str(work / "converted")
    env = dict(os.environ, MSCORE_CACHE_DIR=str(work / "mscore-cache"))
    proc = subprocess.run([sys.executable, "-m", "mscore", "convert", FIXTURE, "--out", out], cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    site = work / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(SITECUSTOMIZE)
    return {"tree": out, "site": str(site)}


def _ms_env(converted, **extra):
    return {"PYTHONPATH": os.pathsep.join([converted["site"], REPO_ROOT]), "MSCORE_CPU_BACKFILL": "1", **extra}


@pytest.fixture(scope="module")
def ms_run(converted):
    tree = converted["tree"]
    _, worker = _launch(tree, _ms_env(converted, CKPT_SAVE_DIR="./ckpt"), log_dir="msrun_log")
    with open(os.path.join(tree, "msrun_log", "scheduler.log"), errors="replace") as f:
        scheduler = f.read()
    return {"iters": _iterations(worker or ""), "worker": worker, "scheduler": scheduler}


@pytest.fixture(scope="module")
def ms_resumed(converted, ms_run):
    tree = converted["tree"]
    with open(os.path.join(tree, "ckpt", "latest_checkpointed_iteration.txt"), "w") as f:
        f.write(str(SAVE_AT))    # resume from iteration 3 (the uninterrupted run went on to save 6)
    _, worker = _launch(tree, _ms_env(converted, CKPT_LOAD_DIR="./ckpt", CKPT_SAVE_DIR="./ckpt-resumed"),
                        log_dir="msrun_log")
    return {"iters": _iterations(worker or ""), "worker": worker}


def test_torch_reference_trains(torch_run):
    assert sorted(torch_run) == list(range(1, ITERS + 1))
    losses = [float(torch_run[i][1]) for i in sorted(torch_run)]
    assert all(x == x and abs(x) != float("inf") for x in losses)
    assert losses[-1] < losses[0]


def test_converted_launch_script_is_msrun(converted):
    with open(os.path.join(converted["tree"], "run_tiny.sh")) as f:
        text = f.read()
    assert "torchrun" not in text
    assert "msrun $DISTRIBUTED_ARGS pretrain_tiny.py" in text
    for opt in ("--worker_num $(($NPUS_PER_NODE*$NNODES))", "--local_worker_num $NPUS_PER_NODE",
                "--master_port $MASTER_PORT", "--log_dir msrun_log", "--join=True"):
        assert opt in text, opt


def test_converted_tree_imports_no_torch(converted):
    left = []
    for root, _dirs, files in os.walk(converted["tree"]):
        for name in files:
            if name.endswith(".py"):
                path = os.path.join(root, name)
                with open(path) as f:
                    tree = ast.parse(f.read())
                for node in ast.walk(tree):
                    mods = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                        [node.module or ""] if isinstance(node, ast.ImportFrom) and node.level == 0 else []
                    left += [(path, m) for m in mods if m.split(".")[0] in ("torch", "torch_npu")]
    assert left == []


def test_converted_entry_matches_torch(torch_run, ms_run):
    got = ms_run["iters"]
    assert sorted(got) == list(range(1, ITERS + 1)), ms_run["worker"][-3000:]
    rows = []
    for i in range(1, ITERS + 1):
        t_loss, m_loss = float(torch_run[i][1]), float(got[i][1])
        t_norm, m_norm = float(torch_run[i][2]), float(got[i][2])
        rows.append((i, t_loss, m_loss, abs(t_loss - m_loss) / abs(t_loss), abs(t_norm - m_norm) / abs(t_norm)))
    table = "\n".join(f"{i}: torch {a:.9f} mindspore {b:.9f} loss rel {r:.1e} grad-norm rel {g:.1e}"
                      for i, a, b, r, g in rows)
    assert all(torch_run[i][0] == got[i][0] for i in got), table       # the learning-rate schedule
    assert all(r <= LOSS_RTOL and g <= LOSS_RTOL for _, _, _, r, g in rows), table
    losses = [m for _, _, m, _, _ in rows]
    assert all(x == x and abs(x) != float("inf") for x in losses) and losses[-1] < losses[0], table


def test_msrun_scheduler_did_not_train(ms_run):
    assert "iteration" not in ms_run["scheduler"]
    assert ms_run["worker"].count("successfully saved checkpoint") == ITERS // SAVE_AT


def test_checkpoints_in_the_converted_format(converted, ms_run):
    ckpt = os.path.join(converted["tree"], "ckpt")
    for it in (SAVE_AT, ITERS):
        path = os.path.join(ckpt, f"iter_{it:07d}", "mp_rank_00", "model_optim_rng.pt")
        with zipfile.ZipFile(path) as z:     # mscore_rt.serialization's zip: pickle + safetensors (not torch's)
            names = z.namelist()
        assert any(n.endswith("tensors.safetensors") for n in names) and any(n.endswith("data.pkl") for n in names)


def test_resume_equals_the_uninterrupted_run(ms_run, ms_resumed):
    got = ms_resumed["iters"]
    assert "successfully loaded checkpoint" in ms_resumed["worker"]
    assert sorted(got) == list(range(SAVE_AT + 1, ITERS + 1)), ms_resumed["worker"][-3000:]
    for i in got:   # exact in fp32: the same printed digits for loss, gradient norm, learning rate and RNG draw
        assert got[i] == ms_run["iters"][i], (i, got[i], ms_run["iters"][i])
