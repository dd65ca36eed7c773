"""Parity cases for torch names that were mapped wrongly or silently (issue 11 item 4): torch.device objects and
``isinstance(d, torch.device)`` (a type position never becomes a function), ``torch.finfo`` / ``torch.iinfo`` of
every dtype (bfloat16 included), and torch-only attributes that are either converted or marked.
"""
from mscore.parity.case import Case, randint, randn

CASES = [
    # --- torch.device objects ---------------------------------------------------------------------------------
    Case("torch.device", "d = torch.device('cuda', 1)\nout = (d.type, d.index, str(d), repr(d))"),
    Case("torch.device", "d = torch.device('cuda:2')\nout = (d.type, d.index, str(d))"),
    Case("torch.device", "d = torch.device('cpu')\nout = (d.type, d.index is None, str(d), d == torch.device('cpu'))"),
    Case("torch.device", "d = torch.device(type='cuda', index=0)\nout = (str(d), d == torch.device('cuda:0'), "
         "d != torch.device('cuda', 1))"),
    Case("torch.device", "d = torch.device('cuda', 0)\nout = isinstance(d, torch.device)"),
    Case("torch.device", "out = (isinstance('cpu', torch.device), isinstance(torch.device('cpu'), (torch.device, str)))"),
    Case("torch.device", "d = torch.device(torch.device('cuda:3'))\nout = (d.index, len({d, torch.device('cuda', 3)}))"),
    Case("torch.device", "x.to(torch.device('cpu')) * 2", x=randn(3)),
    Case("torch.device", "torch.zeros(2, device=torch.device('cpu', 0))"),
    Case("torch.device", "def f(dev: torch.device) -> str:\n    return dev.type\nout = f(torch.device('cuda:0'))"),
    # --- finfo / iinfo ------------------------------------------------------------------------------------------
    Case("torch.finfo", "f = torch.finfo(torch.bfloat16)\nout = (f.bits, f.eps, f.max, f.min, f.tiny, f.resolution, "
         "f.dtype)"),
    Case("torch.finfo", "f = torch.finfo(torch.float16)\nout = (f.bits, f.eps, f.max, f.min, f.tiny, "
         "f.smallest_normal, f.resolution, f.dtype)"),
    Case("torch.finfo", "f = torch.finfo(torch.float64)\nout = (f.bits, f.eps, f.max, f.min, f.tiny, f.dtype)"),
    Case("torch.finfo", "f = torch.finfo()\nout = (f.bits, f.eps, f.max, f.dtype)"),
    Case("torch.finfo", "torch.finfo(x.dtype).min", x=randn(2, dtype="bfloat16")),
    Case("torch.finfo", "x.masked_fill(x > 0, torch.finfo(torch.bfloat16).min)", x=randn(4)),
    Case("torch.finfo", "isinstance(torch.finfo(torch.float32), torch.finfo)"),
    Case("torch.iinfo", "i = torch.iinfo(torch.int32)\nout = (i.bits, i.min, i.max, i.dtype)"),
    Case("torch.iinfo", "i = torch.iinfo(torch.int64)\nout = (i.bits, i.min, i.max)"),
    Case("torch.iinfo", "(torch.iinfo(torch.uint8).max, torch.iinfo(torch.int8).min, torch.iinfo(x.dtype).max)",
         x=randint(0, 3, 2, dtype="int16")),
]
