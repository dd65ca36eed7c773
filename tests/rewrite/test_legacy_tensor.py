"""torch.Tensor called is torch's float32 legacy constructor; referenced bare it is the tensor class."""
from mscore.rewrite.engine import convert_source
from mscore.rules import load_rules


def test_legacy_tensor_calls_and_type_references():
    rules = load_rules()
    src = ("import torch\n"
           "a = torch.Tensor([1, 2, 3])\n"
           "b = torch.Tensor(2, 3)\n"
           "c = torch.Tensor(data, device='cpu')\n"
           "ok = isinstance(a, torch.Tensor)\n"
           "class T(torch.Tensor):\n    pass\n")
    out = convert_source(src.encode(), "f.py", rules).output.decode()
    assert "a = ms.Tensor([1, 2, 3], dtype=ms.float32)\n" in out
    assert "b = tensors.FloatTensor(2, 3)\n" in out
    assert "c = tensors.FloatTensor(data)\n" in out
    assert "ok = isinstance(a, ms.Tensor)\n" in out
    assert "class T(ms.Tensor):\n" in out
    assert convert_source(out.encode(), "f.py", rules).output.decode() == out


def test_legacy_tensor_with_an_unknown_keyword_is_reported_not_a_crash():
    """Found by bench/fuzz.py: a keyword after a positional argument crashed the transform's own error message."""
    rules = load_rules()
    fr = convert_source(b"import torch\nx = torch.Tensor(data, dim=1, **kw)\n", "f.py", rules)
    assert fr.status != "error", fr.message
    assert "x = torch.Tensor(data, dim=1, **kw)" in fr.output.decode()
    assert [u.reason for u in fr.unconverted] == ["torch.Tensor() takes data or sizes (and device=), not dim="]
