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
