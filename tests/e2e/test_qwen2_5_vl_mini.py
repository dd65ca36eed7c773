"""The converter's exam: the bundled mini Qwen2.5-VL training project converts with no edits and trains
identically on MindSpore.

torch trains 20 AdamW steps (fp32, dropout off) from a seeded safetensors checkpoint; `mscore convert` turns the
project into MindSpore code; the converted training runs in a subprocess where `import torch` raises, with the
CPU backfill on; both runs dump step-0 logits, step-0 gradients and every step's loss to .npz and are compared:
logits and gradients within 1e-5 absolute, losses within 1e-4 relative.
"""
import os

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("mindspore")

from ._example import REPO_ROOT, load_run_parity  # noqa: E402

STEPS = 20


@pytest.fixture(scope="module")
def rp():
    return load_run_parity()


@pytest.fixture(scope="module")
def prepared(rp, tmp_path_factory):
    d = tmp_path_factory.mktemp("qwen_mini_exam")
    data_json, ckpt_dir = rp.prepare(str(d))
    return {"dir": str(d), "data": data_json, "ckpt": ckpt_dir}


@pytest.fixture(scope="module")
def torch_run(rp, prepared):
    return rp.run_torch(prepared["data"], prepared["ckpt"], STEPS, os.path.join(prepared["dir"], "torch.npz"))


@pytest.fixture(scope="module")
def converted(rp, prepared):
    # a fresh conversion cache: the cache key holds the rules and mscore's version, not the engine's code, so a
    # shared cache can hand back what an older engine produced
    saved = os.environ.get("MSCORE_CACHE_DIR")
    os.environ["MSCORE_CACHE_DIR"] = os.path.join(prepared["dir"], "mscore-cache")
    try:
        return rp.convert(os.path.join(prepared["dir"], "converted"), repo_root=REPO_ROOT)
    finally:
        if saved is None:
            del os.environ["MSCORE_CACHE_DIR"]
        else:
            os.environ["MSCORE_CACHE_DIR"] = saved


@pytest.fixture(scope="module")
def ms_run(rp, prepared, converted):
    return rp.run_mindspore(converted, prepared["data"], prepared["ckpt"], STEPS,
                            os.path.join(prepared["dir"], "mindspore.npz"))


def test_torch_reference_trains(torch_run):
    losses = torch_run["losses"]
    assert losses.shape == (STEPS,) and np.all(np.isfinite(losses))
    assert losses[-1] < losses[0]


def test_converted_project_has_no_torch_import(rp, converted):
    assert os.path.isfile(os.path.join(converted, "train.py"))
    assert rp.torch_imports(converted) == []


def test_converted_training_matches_torch(rp, torch_run, ms_run):
    result = rp.compare(torch_run, ms_run)
    table = rp.format_table(torch_run, ms_run, result)
    assert not result["missing"], table
    assert result["logits"] <= rp.LOGITS_ATOL, table
    assert result["grads"] <= rp.GRAD_ATOL, table
    assert np.all(result["loss_rel"] <= rp.LOSS_RTOL), table
    assert result["ok"], table


def test_compare_catches_a_difference(rp, torch_run):
    """The comparison itself can fail: a perturbed copy of the torch dump is rejected on each criterion."""
    assert rp.compare(torch_run, torch_run)["ok"]
    for key, bump in (("logits0", 1e-3), ("losses", 1e-3)):
        bad = dict(torch_run)
        bad[key] = torch_run[key] * (1 + bump) + bump
        assert not rp.compare(torch_run, bad)["ok"], key
    bad = dict(torch_run)
    gkey = sorted(k for k in torch_run if k.startswith("grad."))[0]
    bad[gkey] = torch_run[gkey] + 1e-4
    res = rp.compare(torch_run, bad)
    assert not res["ok"] and res["grad_worst"] == gkey
    bad = {k: v for k, v in torch_run.items() if k != gkey}
    assert not rp.compare(torch_run, bad)["ok"]
