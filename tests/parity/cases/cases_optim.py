"""Parity cases for rules/optim.toml: optimizer hyper-parameters and defaults as the optimizer records them, and
learning-rate schedules stepped on both sides. (A MindSpore optimizer step is optimizer(grads), not
loss.backward(); optimizer.step(): training loops are not part of these rules.)"""
from mscore.parity.case import Case, randn

LIN = "m = nn.Linear(3, 2)\n"
ADAM_KEYS = "('lr', 'betas', 'eps', 'weight_decay', 'amsgrad')"
SGD_KEYS = "('lr', 'momentum', 'dampening', 'weight_decay', 'nesterov')"


def hyper(ctor: str, keys: str) -> str:
    # numbers as floats: torch keeps an int 0 where MindSpore stores 0.0 (the same hyper-parameter)
    return LIN + f"opt = {ctor}\nd = opt.defaults\nout = tuple(d[k] if k == 'betas' else float(d[k]) for k in {keys})"


def sched(ctor: str, steps: int = 3) -> str:
    return (LIN + "opt = torch.optim.SGD(m.parameters(), lr=0.1)\n"
            f"sched = {ctor}\nlrs = []\nfor _ in range({steps}):\n    sched.step()\n"
            "    lrs.append(float(sched.get_last_lr()[0]))\nout = lrs")


CASES = [
    Case("torch.optim.AdamW", hyper("torch.optim.AdamW(m.parameters())", ADAM_KEYS)),
    Case("torch.optim.AdamW", hyper("torch.optim.AdamW(m.parameters(), lr=0.01, betas=(0.8, 0.95), eps=1e-6, "
                                    "weight_decay=0.1)", ADAM_KEYS)),
    Case("torch.optim.AdamW", hyper("torch.optim.AdamW(m.parameters(), 0.02, (0.9, 0.99), 1e-5, 0.0, foreach=False)",
                                    ADAM_KEYS)),
    Case("torch.optim.AdamW", hyper("torch.optim.AdamW(m.parameters(), capturable=True)", ADAM_KEYS),
         expect="unsupported"),
    Case("torch.optim.adamw.AdamW", "from torch.optim.adamw import AdamW\n" + hyper("AdamW(m.parameters(), lr=0.003)",
                                                                                   ADAM_KEYS)),
    Case("torch.optim.Adam", hyper("torch.optim.Adam(m.parameters())", ADAM_KEYS)),
    Case("torch.optim.Adam", hyper("torch.optim.Adam(params=m.parameters(), weight_decay=0.01, lr=0.1)", ADAM_KEYS)),
    Case("torch.optim.SGD", hyper("torch.optim.SGD(m.parameters())", SGD_KEYS)),
    Case("torch.optim.SGD", hyper("torch.optim.SGD(m.parameters(), 0.1, momentum=0.9, nesterov=True)", SGD_KEYS)),
    Case("torch.optim.Optimizer", LIN + "opt = torch.optim.AdamW(m.parameters())\n"
         "out = isinstance(opt, torch.optim.Optimizer)"),
    # a torch-style optimizer on the base class (MindSpeed's AdamW, Megatron's DistributedOptimizer use state,
    # state_dict / load_state_dict and zero_grad): per-parameter state, torch's state_dict format, the round trip
    Case("torch.optim.Optimizer",
         "class Plain(torch.optim.Optimizer):\n"
         "    def __init__(self, params, lr=0.1, momentum=0.9):\n"
         "        super().__init__(params, dict(lr=lr, momentum=momentum))\n"
         "    @torch.no_grad()\n"
         "    def step(self):\n"
         "        for group in self.param_groups:\n"
         "            for p in group['params']:\n"
         "                if p.grad is None:\n"
         "                    continue\n"
         "                st = self.state[p]\n"
         "                if 'buf' not in st:\n"
         "                    st['buf'] = torch.zeros_like(p)\n"
         "                buf = st['buf']\n"
         "                buf.mul_(group['momentum']).add_(p.grad)\n"
         "                p.sub_(st['buf'] * 0.1)\n"
         "m = nn.Linear(3, 2)\n"
         "opt = Plain(m.parameters())\n"
         "w0 = m.weight * 1\n"
         "def fb():\n"
         "    m(x).sum().backward()\n"
         "for _ in range(2):\n"
         "    opt.zero_grad()\n"
         "    fb()\n"
         "    opt.step()\n"
         "sd = opt.state_dict()\n"
         "opt.load_state_dict(sd)\n"
         "out = (sorted(sd['state']), [g['params'] for g in sd['param_groups']], sd['param_groups'][0]['momentum'],\n"
         "       sd['state'][0]['buf'], sd['state'][1]['buf'], opt.state[m.weight]['buf'], m.weight - w0,\n"
         "       isinstance(opt, torch.optim.Optimizer))", x=randn(4, 3)),
    # Adam / AdamW checkpoint their state in torch's format and resume exactly (a second optimizer, loaded from the
    # first's state_dict, then both stepped once more: the same weights; a different lr in the constructor is
    # replaced by the saved one)
    *[Case(f"torch.optim.{cls}",
           "def steps(m, opt, n):\n"
           "    for _ in range(n):\n"
           "        opt.zero_grad()\n"
           "        m(x).pow(2).sum().backward()\n"
           "        opt.step()\n"
           "m = nn.Linear(3, 2)\n"
           "with torch.no_grad():\n"
           "    m.weight.copy_(w)\n"
           "    m.bias.fill_(0.1)\n"
           f"opt = torch.optim.{cls}([{{'params': [m.weight]}}, {{'params': [m.bias], 'weight_decay': 0.0}}], "
           "lr=0.05, weight_decay=0.1)\n"
           "steps(m, opt, 2)\n"
           "sd = opt.state_dict()\n"
           "st = sd['state']\n"
           "saved = (sorted(st), sorted(st[0]), float(st[0]['step']), st[0]['exp_avg'].clone(),\n"
           "         st[1]['exp_avg_sq'].clone(), [g['params'] for g in sd['param_groups']],\n"
           "         [float(g['lr']) for g in sd['param_groups']])\n"
           "# what torch.save / torch.load hand back: copies (loading a live state_dict shares its tensors)\n"
           "sd = {'state': {k: {n: t.clone() for n, t in v.items()} for k, v in st.items()},\n"
           "      'param_groups': sd['param_groups']}\n"
           "m2 = nn.Linear(3, 2)\n"
           "m2.load_state_dict(m.state_dict())\n"
           f"opt2 = torch.optim.{cls}([{{'params': [m2.weight]}}, {{'params': [m2.bias], 'weight_decay': 0.0}}], "
           "lr=0.5, weight_decay=0.1)\n"
           "opt2.load_state_dict(sd)\n"
           "steps(m, opt, 2)\n"
           "steps(m2, opt2, 2)\n"
           "out = (*saved, [float(g['weight_decay']) for g in opt2.param_groups], m.weight, m2.weight, m2.bias)",
           x=randn(4, 3), w=randn(2, 3)) for cls in ("AdamW", "Adam")],
    # torch's Adam update where gradients are near eps (MindSpore's Adam kernel adds eps to the uncorrected sqrt(v):
    # a 1e-9 gradient moved the weight 6.5x less than torch), with amsgrad (ignored by that kernel) and maximize
    *[Case("torch.optim.Adam",
           "p = nn.Parameter(w.clone())\n"
           "g = torch.tensor([1e-9, 1e-7, 1e-5, 1e-3, 0.1, -2.0])\n"
           f"opt = torch.optim.Adam([p], lr=3e-3, betas=(0.9, 0.98), eps=1e-8{extra})\n"
           "for k in range(3):\n"
           "    opt.zero_grad()\n"
           "    (p * g * (k + 1) * (1 - 1.3 * (k == 1))).sum().backward()\n"
           "    opt.step()\n"
           "out = p - w", w=randn(6))
      for extra in ("", ", amsgrad=True, weight_decay=0.1", ", maximize=True")],
    # the other torch optimizers MindSpore's experimental.optim implements: three steps with changing gradients
    *[Case(f"torch.optim.{ctor.split('(')[0]}",
           "p = nn.Parameter(w.clone())\n"
           "g = torch.tensor([1e-6, 1e-3, 0.1, -2.0, 0.5, -0.02])\n"
           f"opt = torch.optim.{ctor}\n"
           "for k in range(3):\n"
           "    opt.zero_grad()\n"
           "    (p * g * (k + 1) * (1 - 1.3 * (k == 1))).sum().backward()\n"
           "    opt.step()\n"
           "out = p - w", w=randn(6))
      for ctor in ("RMSprop([p])", "RMSprop([p], lr=1e-2, alpha=0.9, momentum=0.5, centered=True, weight_decay=0.1)",
                   "Adagrad([p])", "Adagrad([p], lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1, eps=1e-8)")],
    # the loss scaler on the tape: scaled backward, unscale_ before a clip, a step skipped on an overflow (the
    # scale backed off), growth after growth_interval clean steps; disabled, the identity around optimizer.step()
    *[Case(name,
           "p = nn.Parameter(w.clone())\n"
           f"scaler = {ctor}\n"
           "opt = torch.optim.SGD([p], lr=0.1, momentum=0.9)\n"
           "scales = []\n"
           "for k in range(5):\n"
           "    opt.zero_grad()\n"
           "    loss = (p * p).sum() * (k + 1) * (float('inf') if k == 2 else 1.0)\n"
           "    scaler.scale(loss).backward()\n"
           "    scaler.unscale_(opt)\n"
           "    torch.nn.utils.clip_grad_value_([p], 1.5)\n"
           "    scaler.step(opt)\n"
           "    scaler.update()\n"
           "    scales.append(float(scaler.get_scale()))\n"
           "out = (p - w, scales, scaler.is_enabled())", w=randn(6))
      for name, ctor in (("torch.amp.GradScaler", "torch.amp.GradScaler('cpu', init_scale=8.0, growth_interval=2)"),
                         ("torch.cuda.amp.GradScaler", "torch.cuda.amp.GradScaler(enabled=False)"))],
    Case("torch.nn.utils.clip_grad_value_",
         "p = nn.Parameter(w.clone())\nq = nn.Parameter(w[:3].clone())\n"
         "((p * p).sum() * 3 + q.sum()).backward()\n"
         "torch.nn.utils.clip_grad_value_([p, q], clip_value=2.0)\nout = (p.grad, q.grad)", w=randn(6)),
    Case("torch.optim.optimizer.Optimizer", "from torch.optim.optimizer import Optimizer\n" + LIN +
         "opt = torch.optim.SGD(m.parameters(), lr=0.1)\nout = (isinstance(opt, Optimizer), isinstance(m, Optimizer))"),
    Case("torch.optim.lr_scheduler.StepLR", sched("torch.optim.lr_scheduler.StepLR(opt, 2, gamma=0.5)", 5)),
    Case("torch.optim.lr_scheduler.StepLR", sched("torch.optim.lr_scheduler.StepLR(opt, step_size=1)")),
    Case("torch.optim.lr_scheduler.LambdaLR",
         sched("torch.optim.lr_scheduler.LambdaLR(opt, lambda step: 1.0 / (step + 1))", 4)),
    Case("torch.optim.lr_scheduler.CosineAnnealingLR", sched("torch.optim.lr_scheduler.CosineAnnealingLR(opt, 4)", 5)),
    Case("torch.optim.lr_scheduler.CosineAnnealingLR",
         sched("torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=6, eta_min=0.01)", 4)),
    Case("torch.optim.lr_scheduler.LinearLR", sched("torch.optim.lr_scheduler.LinearLR(opt)", 6)),
    Case("torch.optim.lr_scheduler.LinearLR",
         sched("torch.optim.lr_scheduler.LinearLR(opt, start_factor=0.5, total_iters=2)", 3)),
    Case("torch.optim.lr_scheduler.LRScheduler",
         "out = issubclass(torch.optim.lr_scheduler.StepLR, torch.optim.lr_scheduler.LRScheduler)"),
]
