"""enable()/disable() mechanics: restores originals, idempotent, signatures equal to mint's, CPU-only guard (enable-time
refusal; the device is resolved once), environment autoload, the ``python -m mscore.backfill`` runner, and a check that the
comparison helpers can fail."""
from __future__ import annotations

import inspect

import numpy as np
import pytest

import mscore.backfill as backfill
from tests.backfill.conftest import ms, parity, randn, torch

from mindspore import mint
import mindspore.mint.nn.functional as F


def _targets():
    return [(owner, attr, impl) for owner, attr, impl, _label in backfill._plan()]


def test_enable_disable_restore_every_original(bf):
    bf.disable()
    before = {(id(o), a): (a in vars(o), vars(o).get(a)) for o, a, _ in _targets()}
    assert bf.enable() is True
    for o, a, _ in _targets():
        assert getattr(getattr(o, a), "__mscore_backfill__", None) is not None, f"{o}.{a} not replaced"
    assert bf.enable() is False  # idempotent: no double wrapping
    for o, a, _ in _targets():
        assert not hasattr(getattr(o, a).__mscore_original__, "__mscore_backfill__"), f"{o}.{a} wrapped twice"
    assert bf.disable() is True
    assert bf.disable() is False
    after = {(id(o), a): (a in vars(o), vars(o).get(a)) for o, a, _ in _targets()}
    assert before == after
    assert not bf.is_enabled()
    bf.enable()


def test_disabled_mint_fails_and_enabled_works(bf):
    a = ms.Tensor(randn(2, 3))
    b = ms.Tensor(randn(3, 2, seed=1))
    bf.disable()
    with pytest.raises(RuntimeError):
        mint.mm(a, b).asnumpy()
    x = ms.Tensor(randn(2, 3))
    with pytest.raises(RuntimeError):
        x.zero_()
    bf.enable()
    np.testing.assert_allclose(mint.mm(a, b).asnumpy(), a.asnumpy() @ b.asnumpy(), atol=1e-6)
    x.zero_()
    assert not x.asnumpy().any()


def _is_varargs_only(sig):
    kinds = [p.kind for p in sig.parameters.values()]
    return kinds == [inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD]


def test_signatures_equal_mint(bf):
    bf.disable()
    originals = {}
    for o, a, impl in _targets():
        try:
            originals[(id(o), a)] = inspect.signature(getattr(o, a))
        except (TypeError, ValueError):
            originals[(id(o), a)] = None  # Tensor methods are C++ builtins without a signature
    bf.enable()
    checked = 0
    for o, a, impl in _targets():
        orig = originals[(id(o), a)]
        new = inspect.signature(getattr(o, a))
        if orig is None:
            assert new == inspect.signature(impl)
            continue
        assert new == orig, f"{getattr(o, '__name__', o)}.{a}: {new} != mint {orig}"
        if not _is_varargs_only(orig):
            # the implementation itself must accept exactly the mint signature
            assert inspect.signature(impl) == orig, f"{a}: implementation {inspect.signature(impl)} != {orig}"
        checked += 1
    assert checked > 150


# documented signatures of the mint ops that report (*args, **kwargs) (overloaded in C++)
DOCUMENTED = {
    "gelu": "(input, *, approximate='none')",
    "conv1d": "(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1)",
    "conv3d": "(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1)",
    "index_add": "(input, dim, index, source, *, alpha=1)",
    "repeat_interleave": "(input, repeats=None, dim=None, *, output_size=None)",
    "addcdiv": "(input, tensor1, tensor2, *, value=1)",
    "bitwise_not": "(input)",
    "kthvalue": "(input, k, dim=-1, keepdim=False)",
    "where": "(condition, input=None, other=None)",
    "randint": "(*args, generator=None, dtype=None, device=None)",
}


def test_varargs_mint_ops_implement_documented_signature():
    for o, a, impl in _targets():
        if a in DOCUMENTED and o.__name__ != "Tensor":
            assert str(inspect.signature(impl)) == DOCUMENTED[a], a


# deliberate supersets of the documented Tensor signature, with the reason
TENSOR_SIG_EXCEPTIONS = {
    "roll": "keeps torch's dims=None default (flattened roll); the MindSpore doc line lists dims without a default",
    "index_add": "the doc's first line is the deprecated (indices, y, axis) overload; the backfill implements the "
                 "documented successor (dim, index, source, *, alpha=1) and still accepts the old positional form",
    "scatter": "the doc's first line is the (dim, index, src) overload; MindSpore's other overloads take value= and "
               "reduce= ('add', 'multiply'), which the backfill implements too",
    "scatter_": "as scatter: the (dim, index, src) line is one overload of several (value=, reduce=)",
}


def _replaced_tensor_methods():
    """Tensor methods the backfill has its own implementation of (not only a bf16 / view wrapper of MindSpore's)."""
    prefix = "mindspore.Tensor."
    return {label[len(prefix):]: backfill.implementation(label) for label in backfill.covered()
            if label.startswith(prefix) and backfill.implementation(label) is not None}


def test_tensor_method_signatures_follow_mindspore_docs():
    methods = _replaced_tensor_methods()
    assert {"add_", "zero_", "uniform_", "index_put_", "round"} <= set(methods)
    for name, impl in methods.items():
        if name in TENSOR_SIG_EXCEPTIONS:
            continue
        doc = (getattr(ms.Tensor, name).__mscore_original__.__doc__ or "").strip().splitlines()
        first = doc[0] if doc else ""
        if first.startswith(name + "(") and "->" in first:
            documented = first.split("->")[0].strip()[len(name):]
            ours = str(inspect.signature(impl)).replace("(self, ", "(").replace("(self)", "()")
            assert ours == documented, f"Tensor.{name}: {ours} vs documented {documented}"


def test_enable_refuses_off_cpu(bf, monkeypatch):
    bf.disable()
    monkeypatch.setattr(backfill, "_device_target", lambda: "Ascend")
    with pytest.raises(backfill.BackfillRefused, match="CPU build only.*Ascend"):
        bf.enable()
    assert not bf.is_enabled()
    assert getattr(mint.mm, "__mscore_backfill__", None) is None
    monkeypatch.undo()
    bf.enable()


def test_device_is_resolved_once_at_enable(bf):
    """No per-call work: each installed replacement runs its implementation's own code (no wrapper frame, no device
    read), keeps the original's name and signature, and a shared implementation gets one object per original."""
    for owner, attr, impl, _label in backfill._plan():
        installed = getattr(owner, attr)
        assert installed.__code__ is impl.__code__, f"{owner}.{attr} is wrapped"
        assert installed.__name__ == attr
        assert installed.__mscore_backfill__ is impl
    assert mint.special.log_softmax is not F.log_softmax          # one implementation, two originals
    src = inspect.getsource(backfill._guard)
    assert "device_target" not in src.split('"""', 2)[2]          # nothing reads the device after enable()


def test_env_autoload(bf, monkeypatch):
    bf.disable()
    monkeypatch.delenv(backfill.ENV_VAR, raising=False)
    backfill._autoload()
    assert not bf.is_enabled()
    monkeypatch.setenv(backfill.ENV_VAR, "1")
    backfill._autoload()
    assert bf.is_enabled()
    bf.disable()
    monkeypatch.setattr(backfill, "_device_target", lambda: "Ascend")
    with pytest.warns(RuntimeWarning, match="stays off"):
        backfill._autoload()
    assert not bf.is_enabled()
    monkeypatch.undo()
    bf.enable()


def test_runner_runs_script_with_backfill(bf, tmp_path, capsys):
    from mscore.backfill.__main__ import main

    bf.disable()
    script = tmp_path / "s.py"
    script.write_text(
        "import sys\nimport numpy as np\nimport mindspore as ms\nfrom mindspore import mint\n"
        "x = ms.Tensor(np.ones((2, 2), np.float32))\n"
        "print('OUT', float(mint.mm(x, x).sum()), sys.argv[1:])\n")
    assert main([str(script), "a", "b"]) == 0
    assert "OUT 8.0 ['a', 'b']" in capsys.readouterr().out
    assert bf.is_enabled()
    assert main([]) == 2


def test_runner_refuses_off_cpu(bf, monkeypatch, capsys):
    from mscore.backfill.__main__ import main

    bf.disable()
    monkeypatch.setattr(backfill, "_device_target", lambda: "Ascend")
    assert main(["whatever.py"]) == 2
    assert "CPU build only" in capsys.readouterr().err
    monkeypatch.undo()
    bf.enable()


def test_covered_lists_dotted_names():
    names = backfill.covered()
    for expected in ("mindspore.mint.mm", "mindspore.mint.nn.functional.gelu", "mindspore.mint.nn.GELU.construct",
                     "mindspore.Tensor.add_", "mindspore.mint.linalg.vector_norm", "mindspore.mint.special.log_softmax",
                     "mindspore.mint.nn.LayerNorm.construct", "mindspore.mint.nn.Embedding.construct"):
        assert expected in names
    assert len(names) == len(set(names))


def test_parity_helper_can_fail():
    """The comparison must catch a wrong value and a wrong gradient."""
    with pytest.raises(AssertionError):
        parity(lambda a: a * 1.001, lambda a: a, randn(3) + 5)
    with pytest.raises(AssertionError, match="grad"):
        parity(lambda a: ms.ops.stop_gradient(a) * a, lambda a: a.detach() * a.detach() + 0 * a, randn(3) + 5)
    with pytest.raises(AssertionError, match="needs reason"):
        parity(lambda a: a, lambda a: a, randn(3), atol=1e-3)
    with pytest.raises(AssertionError, match="dtype"):
        parity(lambda a: a.astype(ms.int32), lambda a: a.to(torch.int64), np.arange(3, dtype=np.int64), grad=False)


def test_backfill_gelu_is_really_used(bf):
    """A sanity check that the tests exercise the backfill and not a kernel that happens to exist."""
    assert getattr(F.gelu, "__mscore_backfill__", None) is not None
    x = ms.Tensor(randn(4))
    bf.disable()
    with pytest.raises(RuntimeError):
        F.gelu(x).asnumpy()
    bf.enable()
    F.gelu(x).asnumpy()


# mint candidates measured as "exists, does not run on CPU fp32" in the shared 2.10 op table
# (../shared/data/mindspore_2_10_cpu_ops.md, beside the repository); every one must be backfilled.
MEASURED_MISSING = [
    "addmm", "arange", "argmax", "argmin", "argsort", "baddbmm", "bincount", "clone", "cumsum", "einsum", "full",
    "full_like", "index_add", "index_select", "linalg.vector_norm", "linspace", "logsumexp", "mm",
    "nn.AdaptiveAvgPool2d", "nn.AvgPool2d", "nn.BatchNorm2d", "nn.Conv1d", "nn.Conv2d", "nn.Conv3d",
    "nn.ConvTranspose2d", "nn.CrossEntropyLoss", "nn.Embedding", "nn.GELU", "nn.LayerNorm", "nn.MaxPool2d",
    "nn.Upsample", "nn.functional.adaptive_avg_pool2d", "nn.functional.avg_pool2d", "nn.functional.batch_norm",
    "nn.functional.conv1d", "nn.functional.conv2d", "nn.functional.conv3d", "nn.functional.conv_transpose2d",
    "nn.functional.cross_entropy", "nn.functional.dropout", "nn.functional.elu", "nn.functional.embedding",
    "nn.functional.gelu", "nn.functional.interpolate", "nn.functional.kl_div", "nn.functional.l1_loss",
    "nn.functional.layer_norm", "nn.functional.leaky_relu", "nn.functional.log_softmax", "nn.functional.max_pool2d",
    "nn.functional.mish", "nn.functional.mse_loss", "nn.functional.normalize", "nn.functional.one_hot",
    "nn.functional.pad", "nn.functional.unfold", "norm", "ones_like", "outer", "repeat_interleave", "roll",
    "scatter_add", "sort", "stack", "std", "topk", "tril", "unique", "var", "zeros_like",
]


def test_every_measured_missing_mint_op_is_backfilled():
    names = set(backfill.covered())
    missing = []
    for n in MEASURED_MISSING:
        dotted = "mindspore.mint." + n
        is_class = n.startswith("nn.") and n[3:4].isupper()
        if (dotted + ".construct" if is_class else dotted) not in names:
            missing.append(dotted)
    assert not missing


def test_backfill_compiles_under_jit():
    """Functions and layer constructs also run inside ms.jit (the device check is a compile-time constant)."""
    from mindspore import nn

    class Block(nn.Cell):
        def __init__(self):
            super().__init__()
            self.norm = mint.nn.LayerNorm(4)
            self.act = mint.nn.GELU(approximate="tanh")

        def construct(self, x):
            h = self.act(self.norm(x))
            return F.log_softmax(mint.mm(h, h.T), dim=-1) + mint.var(x, 1, keepdim=True)

    block = Block()
    x = ms.Tensor(randn(4, 4))
    eager = block(x).asnumpy()
    np.testing.assert_allclose(ms.jit(block)(x).asnumpy(), eager, atol=1e-6)


def test_every_native_inplace_method_the_rules_emit_is_backfilled():
    """Ascend-first output names MindSpore's in-place methods (rules' ``native``, and templates targeting
    mindspore.Tensor.*_); on the CPU build each must be one the backfill makes write in place."""
    from mscore.rules import load_rules

    rules = load_rules()
    emitted = set()
    for rule in rules.all():
        if getattr(rule, "native", None):
            emitted.add(rule.native)
        if (rule.target or "").startswith("mindspore.Tensor.") and rule.target.endswith("_"):
            emitted.add(rule.target.rsplit(".", 1)[1])
    assert {"add_", "mul_", "zero_", "fill_", "scatter_add_", "addmm_"} <= emitted
    assert sorted(emitted - set(_replaced_tensor_methods())) == []


def test_replacements_register_where_they_are_defined():
    """Each implementation module declares its targets with @replaces; the registry refuses a target claimed by two
    implementations, and every registered target exists in this MindSpore (a typo would silently replace nothing)."""
    from mscore.backfill import _registry

    entries = _registry.entries("mscore.backfill", backfill.__path__)
    assert len(entries) > 250
    assert [t for t, _impl in entries if _registry.resolve(t) is None] == []
    impl = backfill.implementation("mindspore.mint.nn.functional.cross_entropy")
    assert impl.__module__ == "mscore.backfill._losses" and impl.__name__ == "cross_entropy"
    assert backfill.implementation("mindspore.mint.special.log_softmax") is \
        backfill.implementation("mindspore.mint.nn.functional.log_softmax")
    assert backfill.implementation("mindspore.mint.no_such_function") is None
    with pytest.raises(ValueError, match="replaced twice"):
        _registry.replaces("mindspore.mint.mm")(lambda input, mat2: None)
    assert backfill.implementation("mindspore.mint.mm").__module__ == "mscore.backfill._mint"


def test_fused_ops_the_torch_npu_rules_emit_are_backfilled():
    """The Ascend-only fused mindspore.ops functions rules/torch_npu.toml maps to run on CPU through the backfill."""
    from mscore.rules import load_rules

    targets = {r.target for r in load_rules().all() if (r.target or "").startswith("mindspore.ops.")
               and r.api.startswith("torch_npu.")}
    assert {"mindspore.ops.rms_norm", "mindspore.ops.speed_fusion_attention"} <= targets
    assert sorted(targets - set(backfill.covered())) == []


def test_fused_attention_refuses_what_the_kernel_refuses():
    """The composition enforces the documented argument rules instead of computing something the kernel rejects."""
    q = ms.Tensor(randn(2, 3, 8))
    sfa = backfill.implementation("mindspore.ops.speed_fusion_attention")
    out = sfa(q, q, q, 2, "BSH", scale=0.5)[0]
    assert tuple(out.shape) == (2, 3, 8)
    with pytest.raises(ValueError, match="input_layout"):
        sfa(q, q, q, 2, "XYZ")
    with pytest.raises(ValueError, match="atten_mask dtype"):
        sfa(q, q, q, 2, "BSH", atten_mask=ms.Tensor(np.zeros((3, 3), np.float32)))
    with pytest.raises(NotImplementedError):
        sfa(q, q, q, 2, "BSH", keep_prob=0.9)


@pytest.mark.parametrize("async_env, blocking", [("", True), ("1", False)])
def test_enable_launches_cpu_kernels_synchronously(async_env, blocking):
    """enable() switches MindSpore to synchronous kernel launch (the async dispatch threads cost ~10x on a small
    CPU host, docs/performance.md) unless MSCORE_CPU_ASYNC_LAUNCH=1. A fresh process: the setting is process-wide."""
    import os
    import subprocess
    import sys

    code = ("import mindspore as ms\nms.set_device('CPU')\nfrom mindspore._c_expression import RuntimeConf\n"
            "assert not RuntimeConf.get_instance().is_launch_blocking()\n"
            "import mscore.backfill as b\nb.enable()\nprint('BLOCKING', RuntimeConf.get_instance().is_launch_blocking())\n")
    env = dict(os.environ, GLOG_v="4", **{backfill.ASYNC_ENV_VAR: async_env})
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert f"BLOCKING {blocking}" in out.stdout
