"""The training-step transform (mscore/rewrite/statements/training_step.py): torch's tape step -> value_and_grad."""
import pytest

from mscore.rules import load_rules


@pytest.fixture(scope="module")
def shipped():
    return load_rules()


def test_full_step_with_clip_and_grad_reads(assert_converts, shipped):
    result = assert_converts(
        """\
        import torch


        def train(model, batches, lr):
            opt = torch.optim.AdamW(model.parameters(), lr=lr)
            for x, y in batches:
                opt.zero_grad()
                out = model(x)
                # the loss
                loss = torch.nn.functional.mse_loss(out, y)
                loss.backward()
                norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
                for name, p in model.named_parameters():
                    if p.grad is not None:
                        print(name, p.grad.norm())
                opt.step()
                print(loss.item(), norm.item())
        """,
        """\
        import mindspore as ms
        from mindspore import mint
        from mscore_rt import nn_ops, optim


        def train(model, batches, lr):
            opt = optim.AdamW(nn_ops.parameters(model), lr=lr)
            def _mscore_forward(x, y):
                out = model(x)
                # the loss
                loss = mint.nn.functional.mse_loss(out, y)
                return loss, (out,)
            _mscore_grad_fn = ms.value_and_grad(_mscore_forward, None, opt.parameters, has_aux=True)
            for x, y in batches:
                (loss, (out,)), _mscore_grads = _mscore_grad_fn(x, y)
                _mscore_grads = list(_mscore_grads)
                norm = nn_ops.clip_grads_(_mscore_grads, 1.0)
                for (name, p), _mscore_grad in zip(nn_ops.named_parameters(model), _mscore_grads):
                    if _mscore_grad is not None:
                        print(name, mint.norm(_mscore_grad))
                opt(tuple(_mscore_grads))
                print(loss.item(), norm.item())
        """,
        rules=shipped,
    )
    assert result.unconverted == []
    assert result.converted["Tensor.backward"] == 1 and result.converted["Module.zero_grad"] == 1


def test_minimal_step_reassigned_input_is_a_parameter(assert_converts, shipped):
    """A name the forward reads before assigning becomes the closure's parameter; zero_grad after the step goes."""
    assert_converts(
        """\
        import torch


        def step(model, opt, x):
            x = x * 2
            loss = model(x).sum()
            loss.backward()
            opt.step()
            opt.zero_grad()
            return loss
        """,
        """\
        import mindspore as ms


        def step(model, opt, x):
            def _mscore_forward(x):
                x = x * 2
                loss = model(x).sum()
                return loss, (x,)
            (loss, (x,)), _mscore_grads = ms.value_and_grad(_mscore_forward, None, opt.parameters, has_aux=True)(x)
            _mscore_grads = list(_mscore_grads)
            opt(tuple(_mscore_grads))
            return loss
        """,
        rules=shipped,
    )


def test_unproven_clip_is_reported(assert_converts, shipped):
    result = assert_converts(
        """\
        import torch


        def step(model, x, head):
            opt = torch.optim.SGD(model.parameters(), lr=0.1)
            loss = model(x).sum()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(head.parameters(), 1.0)
            for p in model.parameters():
                print(p.grad)
            opt.step()
        """,
        """\
        import mindspore as ms
        from mscore_rt import nn_ops
        try:
            import torch
        except ImportError:  # mscore: not installed; only the code that uses these names fails (see docs/imports.md)
            from mscore_rt.leftover import missing as _mscore_missing
            torch = _mscore_missing("torch")


        def step(model, x, head):
            opt = ms.experimental.optim.SGD(nn_ops.parameters(model), lr=0.1)
            def _mscore_forward():
                loss = model(x).sum()
                return loss
            loss, _mscore_grads = ms.value_and_grad(_mscore_forward, None, opt.parameters)()
            _mscore_grads = list(_mscore_grads)
            torch.nn.utils.clip_grad_norm_(nn_ops.parameters(head), 1.0)  # mscore: unconverted torch.nn.utils.clip_grad_norm_: cannot prove the clipped parameters are the optimizer's (build the optimizer from the same expression in this function)
            for p, _mscore_grad in zip(nn_ops.parameters(model), _mscore_grads):
                print(_mscore_grad)
            opt(tuple(_mscore_grads))
        """,
        rules=shipped,
    )
    assert sorted(u.api for u in result.unconverted) == ["torch.nn.utils.clip_grad_norm_"]


def test_other_grad_reads_keep_the_step_on_the_tape(assert_converts, shipped):
    """A .grad read after the backward that no value_and_grad gradient maps to (a parameter outside the optimizer: a
    GAN's generator after the discriminator's step) sees torch's .grad only on the tape: the block stays there."""
    result = assert_converts(
        """\
        import torch


        def step(model, x, head):
            opt = torch.optim.SGD(model.parameters(), lr=0.1)
            loss = model(x).sum()
            loss.backward()
            g = head.weight.grad
            opt.step()
            return g
        """,
        """\
        import mindspore as ms
        from mscore_rt import autograd, nn_ops


        def step(model, x, head):
            opt = ms.experimental.optim.SGD(nn_ops.parameters(model), lr=0.1)
            loss = model(x).sum()
            autograd.backward(loss)
            g = autograd.grad_of(head.weight)
            autograd.step(opt)
            return g
        """,
        rules=shipped,
    )
    assert result.unconverted == []


def test_unrecognised_shapes_go_to_the_tape(assert_converts, shipped):
    """No step in the block, a forward under a with-block: no closure is made; each statement maps onto MindSpore's
    tape (mscore_rt.autograd), which is what torch does with them, statement by statement."""
    result = assert_converts(
        """\
        import torch


        def backward_only(model, x):
            loss = model(x).sum()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)


        def under_with(model, opt, x):
            with torch.no_grad():
                loss = model(x).sum()
            loss.backward()
            opt.step()
        """,
        """\
        import mindspore as ms
        from mscore_rt import autograd, nn_ops


        def backward_only(model, x):
            loss = model(x).sum()
            autograd.backward(loss)
            autograd.clip_grad_norm_(nn_ops.parameters(model), 1.0)


        def under_with(model, opt, x):
            with ms._no_grad():
                loss = model(x).sum()
            autograd.backward(loss)
            autograd.step(opt)
        """,
        rules=shipped,
    )
    assert result.unconverted == []


def test_clip_norm_type_other_than_two_is_reported(assert_converts, shipped):
    result = assert_converts(
        """\
        import torch


        def step(model, opt, x):
            opt = torch.optim.SGD(model.parameters(), lr=0.1)
            loss = model(x).sum()
            loss.backward()
            n = torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0, norm_type=float("inf"))
            opt.step()
        """,
        """\
        import mindspore as ms
        from mscore_rt import nn_ops
        try:
            import torch
        except ImportError:  # mscore: not installed; only the code that uses these names fails (see docs/imports.md)
            from mscore_rt.leftover import missing as _mscore_missing
            torch = _mscore_missing("torch")


        def step(model, opt, x):
            opt = ms.experimental.optim.SGD(nn_ops.parameters(model), lr=0.1)
            def _mscore_forward():
                loss = model(x).sum()
                return loss
            loss, _mscore_grads = ms.value_and_grad(_mscore_forward, None, opt.parameters)()
            _mscore_grads = list(_mscore_grads)
            n = torch.nn.utils.clip_grad_norm_(nn_ops.parameters(model), 1.0, norm_type=float("inf"))  # mscore: unconverted torch.nn.utils.clip_grad_norm_: norm_type=float("inf") is not supported (2-norm, no finiteness check)
            opt(tuple(_mscore_grads))
        """,
        rules=shipped,
    )
    assert [u.api for u in result.unconverted] == ["torch.nn.utils.clip_grad_norm_"]


def test_forward_assigning_a_global_is_left(assert_converts, shipped):
    result = assert_converts(
        """\
        import torch


        def step(model, opt, x):
            global last
            last = model(x)
            loss = last.sum()
            loss.backward()
            opt.step()
        """,
        """\
        from mscore_rt import autograd


        def step(model, opt, x):
            global last
            last = model(x)
            loss = last.sum()
            autograd.backward(loss)
            autograd.step(opt)
        """,
        rules=shipped,
    )
    assert result.unconverted == []


def test_gradient_function_is_built_once_outside_nested_loops(assert_converts, shipped):
    """The closure and value_and_grad move before the outermost loop that never rebinds the optimizer; names the
    loops rebind (the epoch, the batch fetched in a try) are passed in; a multi-line statement keeps its shape."""
    assert_converts(
        """\
        import torch


        def fit(model, opt, loader, epochs, device):
            for epoch in range(epochs):
                it = iter(loader)
                while True:
                    try:
                        batch = next(it)
                    except StopIteration:
                        break
                    out = model(batch.to(device),
                                scale=epoch)
                    loss = out.mean()
                    opt.zero_grad()
                    loss.backward()
                    opt.step()
        """,
        """\
        import mindspore as ms


        def fit(model, opt, loader, epochs, device):
            def _mscore_forward(batch, epoch):
                out = model(batch,
                            scale=epoch)
                loss = out.mean()
                return loss, (out,)
            _mscore_grad_fn = ms.value_and_grad(_mscore_forward, None, opt.parameters, has_aux=True)
            for epoch in range(epochs):
                it = iter(loader)
                while True:
                    try:
                        batch = next(it)
                    except StopIteration:
                        break
                    (loss, (out,)), _mscore_grads = _mscore_grad_fn(batch, epoch)
                    _mscore_grads = list(_mscore_grads)
                    opt(tuple(_mscore_grads))
        """,
        rules=shipped,
    )


def test_gradient_function_stays_in_the_loop_when_hoisting_is_unproven(assert_converts, shipped):
    """An optimizer rebound in the loop (its parameters could change), or one created only inside it: the gradient
    function is built per step, as written; an inner loop that is safe is still hoisted out of."""
    assert_converts(
        """\
        import torch


        def rebound(model, make_opt, batches):
            opt = make_opt()
            for x in batches:
                opt = make_opt()
                loss = model(x).sum()
                loss.backward()
                opt.step()


        def created_inside(model, rounds, batches):
            for r in range(rounds):
                opt = torch.optim.SGD(model.parameters(), lr=0.1)
                for x in batches:
                    loss = model(x).sum()
                    loss.backward()
                    opt.step()
        """,
        """\
        import mindspore as ms
        from mscore_rt import nn_ops


        def rebound(model, make_opt, batches):
            opt = make_opt()
            for x in batches:
                opt = make_opt()
                def _mscore_forward():
                    loss = model(x).sum()
                    return loss
                loss, _mscore_grads = ms.value_and_grad(_mscore_forward, None, opt.parameters)()
                _mscore_grads = list(_mscore_grads)
                opt(tuple(_mscore_grads))


        def created_inside(model, rounds, batches):
            for r in range(rounds):
                opt = ms.experimental.optim.SGD(nn_ops.parameters(model), lr=0.1)
                def _mscore_forward(x):
                    loss = model(x).sum()
                    return loss
                _mscore_grad_fn = ms.value_and_grad(_mscore_forward, None, opt.parameters)
                for x in batches:
                    loss, _mscore_grads = _mscore_grad_fn(x)
                    _mscore_grads = list(_mscore_grads)
                    opt(tuple(_mscore_grads))
        """,
        rules=shipped,
    )


def test_two_steps_in_one_loop_keep_their_own_gradient_functions(assert_converts, shipped):
    """Two backward passes in one loop (a GAN's two optimizers): the first is converted but not hoisted, so two
    closures could never share a name outside the loop (one step per block is recognised; the second goes to the
    tape, mscore_rt.autograd, and its optimizer's zero_grad stays)."""
    assert_converts(
        """\
        import torch


        def gan(g, d, opt_g, opt_d, batches):
            for x in batches:
                opt_g.zero_grad()
                opt_d.zero_grad()
                d_loss = d(x).mean()
                d_loss.backward()
                opt_d.step()
                g_loss = -d(g(x)).mean()
                g_loss.backward()
                opt_g.step()
        """,
        """\
        import mindspore as ms
        from mscore_rt import autograd


        def gan(g, d, opt_g, opt_d, batches):
            for x in batches:
                autograd.zero_grad(opt_g)
                def _mscore_forward():
                    d_loss = d(x).mean()
                    return d_loss
                d_loss, _mscore_grads = ms.value_and_grad(_mscore_forward, None, opt_d.parameters)()
                _mscore_grads = list(_mscore_grads)
                opt_d(tuple(_mscore_grads))
                g_loss = -d(g(x)).mean()
                autograd.backward(g_loss)
                autograd.step(opt_g)
        """,
        rules=shipped,
    )
