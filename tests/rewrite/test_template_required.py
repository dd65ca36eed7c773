"""Template fields that must be passed ({name!}) and unsupported_args on template rules; safetensors.torch as a
torch root (torch in disguise)."""
import pytest

from mscore.rules import load_rules


@pytest.fixture(scope="module")
def shipped():
    return load_rules()


def test_dataloader_needs_collate_fn_and_in_order_loading(assert_converts, fixture_rules):
    """A template rule (the fixture's in-order DataLoader): a {name!} field not passed and an unsupported argument
    leave the call, marked."""
    result = assert_converts(
        """\
        import torch
        from torch.utils.data import DataLoader

        a = DataLoader(ds, batch_size=4, collate_fn=fn, drop_last=True, num_workers=2, pin_memory=True)
        b = DataLoader(ds, batch_size=4)
        c = DataLoader(ds, 4, sampler=s, collate_fn=fn)
        """,
        """\
        try:
            from torch.utils.data import DataLoader
        except ImportError:  # mscore: not installed; only the code that uses these names fails (see docs/imports.md)
            from mscore_rt.leftover import missing as _mscore_missing
            DataLoader = _mscore_missing("torch.utils.data.DataLoader")

        a = (lambda d, bs, cf, dl: type('DataLoader', (), dict(__len__=lambda s: len(d) // bs if dl else -(-len(d) // bs), __iter__=lambda s: (cf([d[i] for i in range(b * bs, min(b * bs + bs, len(d)))]) for b in range(len(s)))))())(ds, 4, fn, True)
        b = DataLoader(ds, batch_size=4)  # mscore: unconverted torch.utils.data.DataLoader: the MindSpore form needs collate_fn= passed explicitly
        c = DataLoader(ds, 4, sampler=s, collate_fn=fn)  # mscore: unconverted torch.utils.data.DataLoader: sampler= is not supported: only in-order loading maps
        """,
        rules=fixture_rules,
    )
    assert [u.line for u in result.unconverted] == [5, 6]


def test_shipped_dataloader_converts_every_form(assert_converts, shipped):
    """The shipped rule targets mscore_rt.data.DataLoader (torch's protocol in one process): nothing is left."""
    result = assert_converts(
        """\
        import torch
        from torch.utils.data import DataLoader

        a = DataLoader(ds, batch_size=4, collate_fn=fn, drop_last=True, num_workers=2, pin_memory=True)
        c = DataLoader(ds, 4, sampler=s, collate_fn=fn)
        """,
        """\
        from mscore_rt import data

        a = data.DataLoader(ds, batch_size=4, collate_fn=fn, drop_last=True, num_workers=2, pin_memory=True)
        c = data.DataLoader(ds, 4, sampler=s, collate_fn=fn)
        """,
        rules=shipped,
    )
    assert result.unconverted == []


def test_safetensors_torch_is_a_torch_root_but_safetensors_numpy_is_not(assert_converts, shipped):
    result = assert_converts(
        """\
        import safetensors.numpy
        from safetensors.torch import load_file as lf
        import safetensors.torch as st

        sd = lf("a.safetensors")
        st.save_file(sd, "b.safetensors")
        n = safetensors.numpy.load_file("c.safetensors")
        """,
        """\
        import safetensors.numpy
        from mscore_rt import safetensors_io

        sd = safetensors_io.load_file("a.safetensors")
        safetensors_io.save_file(sd, "b.safetensors")
        n = safetensors.numpy.load_file("c.safetensors")
        """,
        rules=shipped,
    )
    assert result.unconverted == [] and result.converted == {
        "safetensors.torch.load_file": 1, "safetensors.torch.save_file": 1}
