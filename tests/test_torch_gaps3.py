"""PyTorch's last small top-level names: the `*_copy` view variants (view_copies.py) and the others of
nn/native.py, tensor_gaps.py. Values and gradients against PyTorch's in float64 where torch is importable, and
against finite differences; the errors PyTorch raises."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag
from autograd_core.gradcheck import gradcheck

R = np.random.default_rng(20261205)


def _np(x):
    if isinstance(x, ag.Value):
        return np.asarray(x.data)
    return x.detach().numpy()


def _outputs(result):
    return list(result) if isinstance(result, (tuple, list)) else [result]


# ----------------------------------------------------------------------------------------------------
# *_copy: name -> (input shape, the call's other arguments)

COPIES = {
    "alias_copy": ((3, 4), ()), "as_strided_copy": ((3, 4), ((2, 2), (1, 4), 1)), "detach_copy": ((3, 4), ()),
    "diagonal_copy": ((3, 4, 2), (1, 0, 1)), "expand_copy": ((3, 1), ((2, 3, 4),)),
    "permute_copy": ((2, 3, 4), ((2, 0, 1),)),
    "select_copy": ((3, 4), (1, -2)), "slice_copy": ((5, 4), (0, 1, 100, 2)), "split_copy": ((5, 4), (2, 0)),
    "split_with_sizes_copy": ((3, 5), ([1, 4], 1)), "squeeze_copy": ((3, 1, 4), (1,)), "t_copy": ((3, 4), ()),
    "transpose_copy": ((2, 3, 4), (0, 2)), "unbind_copy": ((3, 4), (1,)), "unfold_copy": ((3, 7), (1, 3, 2)),
    "unsqueeze_copy": ((3, 4), (-1,)), "view_copy": ((3, 4), ((2, 6),)),
}


@pytest.mark.parametrize("name", sorted(COPIES))
def test_copy_matches_pytorch(name):
    torch = pytest.importorskip("torch")
    shape, args = COPIES[name]
    x = R.normal(size=shape)
    ours_x = ag.tensor(x, requires_grad=True)
    theirs_x = torch.tensor(x, requires_grad=True)
    ours, theirs = _outputs(getattr(ag, name)(ours_x, *args)), _outputs(getattr(torch, name)(theirs_x, *args))
    assert len(ours) == len(theirs)
    weights = [R.normal(size=tuple(t.shape)) for t in theirs]
    for o, t in zip(ours, theirs):
        assert o.shape == tuple(t.shape)
        np.testing.assert_allclose(_np(o), _np(t))
    if name == "detach_copy":
        assert not ours[0].requires_grad  # PyTorch's says it requires grad, and its backward is NotImplemented
        return
    sum(ag.sum(o * w) for o, w in zip(ours, weights)).backward()
    sum((t * torch.tensor(w)).sum() for t, w in zip(theirs, weights)).backward()
    np.testing.assert_allclose(ours_x.grad, _np(theirs_x.grad))


@pytest.mark.parametrize("name", sorted(set(COPIES) - {"detach_copy", "as_strided_copy"}))
def test_copy_owns_its_memory_and_its_gradient_is_the_views(name):
    shape, args = COPIES[name]
    x = ag.tensor(R.normal(size=shape), requires_grad=True)
    for piece in _outputs(getattr(ag, name)(x, *args)):
        assert not np.shares_memory(piece.data, x.data)
    assert gradcheck(lambda v: sum(ag.sum(p * p) for p in _outputs(getattr(ag, name)(v, *args))), (x,))


def test_copy_out_and_dtype_view():
    x = ag.tensor(np.arange(6.0).reshape(2, 3))
    out = ag.zeros(3, 2, dtype=ag.float64)
    assert ag.t_copy(x, out=out) is out and np.array_equal(out.data, x.data.T)
    pieces = [ag.zeros(1, 3, dtype=ag.float64), ag.zeros(1, 3, dtype=ag.float64)]
    ag.split_copy(x, 1, out=pieces)
    assert np.array_equal(pieces[1].data, x.data[1:])
    assert ag.view_copy(x, ag.int64).dtype == np.int64  # view_copy(input, dtype): the bits as another dtype
    with pytest.raises(ag.ShapeError):
        ag.t_copy(x, out=ag.zeros(2, 3, dtype=ag.float64))
    with pytest.raises(RuntimeError, match="don't support automatic differentiation"):
        ag.t_copy(ag.tensor(np.ones((2, 3)), requires_grad=True), out=ag.zeros(3, 2, dtype=ag.float64))
    with pytest.raises(ValueError, match="step must be positive"):
        ag.slice_copy(x, 1, 0, 2, 0)
    y = ag.alias_copy(x)
    y.data[0, 0] = 100.0
    assert x.data[0, 0] == 0.0  # writing into the copy leaves the input alone


# ----------------------------------------------------------------------------------------------------
# ATen's names for nn's computations (nn/native.py): each case runs `call(t, *inputs)` with t = torch and
# t = autograd_core on the same float64 arrays; every output and the gradients of Σ output · weights agree.

def r(*shape):
    return R.normal(size=shape)


NATIVE = {
    "native_layer_norm": (lambda t, x, w, b: t.native_layer_norm(x, [3, 4], w, b, 1e-5), (r(2, 3, 4), r(3, 4),
                                                                                           r(3, 4))),
    "native_group_norm": (lambda t, x, w, b: t.native_group_norm(x, w, b, 2, 6, 5, 3, 1e-5), (r(2, 6, 5), r(6), r(6))),
    "native_batch_norm": (lambda t, x, w, b: t.native_batch_norm(x, w, b, None, None, True, 0.1, 1e-5),
                          (r(4, 3, 2), r(3), r(3))),
    "native_batch_norm_eval": (lambda t, x, w, b: t.native_batch_norm(x, w, b, t.tensor(np.arange(3.0)),
                                                                      t.tensor(np.arange(1.0, 4.0)), False, 0.1,
                                                                      1e-5), (r(4, 3, 2), r(3), r(3))),
    "constant_pad_nd": (lambda t, x: t.constant_pad_nd(x, [1, -1, 2, 0], 3.0), (r(2, 3, 4),)),
    "native_channel_shuffle": (lambda t, x: t.native_channel_shuffle(x, 3), (r(2, 6, 2),)),
    "conv_tbc": (lambda t, x, w, b: t.conv_tbc(x, w, b, 1), (r(5, 2, 3), r(3, 3, 4), r(4))),
    "convolution_2d": (lambda t, x, w, b: t.convolution(x, w, b, [2, 1], [1, 0], [1, 2], False, [0, 0], 2),
                       (r(2, 4, 6, 7), r(6, 2, 3, 2), r(6))),
    "convolution_1d_transposed": (lambda t, x, w: t.convolution(x, w, None, [2], [1], [1], True, [1], 1),
                                  (r(2, 3, 5), r(3, 2, 3))),
    "convolution_3d": (lambda t, x, w: t.convolution(x, w, None, [1, 1, 1], [0, 1, 0], [1, 1, 1], False,
                                                     [0, 0, 0], 1), (r(1, 2, 3, 4, 3), r(2, 2, 2, 2, 2))),
    "grid_sampler": (lambda t, x, g: t.grid_sampler(x, g, 0, 1, False), (r(2, 3, 4, 5), R.uniform(-1.2, 1.2,
                                                                                                (2, 3, 2, 2)))),
    "grid_sampler_nearest_reflection": (lambda t, x, g: t.grid_sampler(x, g, 1, 2, True),
                                        (r(1, 2, 4, 4), R.uniform(-0.9, 0.9, (1, 2, 3, 2)))),
    "affine_grid_generator": (lambda t, theta: t.affine_grid_generator(theta, [2, 3, 4, 5], False), (r(2, 2, 3),)),
    "embedding_bag_mean": (lambda t, w: t.embedding_bag(w, t.tensor([1, 2, 4, 5, 4, 3]), t.tensor([0, 2, 3]), False,
                                                        1, False, None, False, 4), (r(10, 3),)),
    "embedding_bag_max": (lambda t, w: t.embedding_bag(w, t.tensor([1, 2, 4, 5, 4, 3]), t.tensor([0, 2, 2, 6]),
                                                       False, 2, False, None, True), (r(10, 3),)),
    "embedding_bag_sum_weighted": (lambda t, w, p: t.embedding_bag(w, t.tensor([1, 2, 4, 5, 4, 3]),
                                                                   t.tensor([0, 2, 3]), False, 0, False, p),
                                   (r(10, 3), r(6))),
    "segment_reduce_mean": (lambda t, x: t.segment_reduce(x, "mean", lengths=t.tensor([2, 0, 3, 1]), initial=0.5),
                            (r(6, 2),)),
    "segment_reduce_max_2d": (lambda t, x: t.segment_reduce(x, "max", lengths=t.tensor([[1, 2], [3, 0]]), axis=1),
                              (r(2, 3),)),
    "segment_reduce_prod_offsets": (lambda t, x: t.segment_reduce(x, "prod", offsets=t.tensor([0, 2, 2, 5])),
                                    (r(5),)),
    "norm_except_dim": (lambda t, v: t.norm_except_dim(v, 3, 1), (r(2, 3, 4),)),
    "norm_except_dim_all": (lambda t, v: t.norm_except_dim(v, 2, -1), (r(2, 3),)),
}


NO_TORCH_DERIVATIVE = {"native_channel_shuffle"}  # PyTorch: "derivative ... is not implemented"; ours composes


@pytest.mark.parametrize("name", sorted(NATIVE))
def test_native_matches_pytorch(name):
    torch = pytest.importorskip("torch")
    call, arrays = NATIVE[name]
    ours_in = [ag.tensor(a, requires_grad=True) for a in arrays]
    theirs_in = [torch.tensor(a, requires_grad=True) for a in arrays]
    ours, theirs = _outputs(call(ag, *ours_in)), _outputs(call(torch, *theirs_in))
    assert len(ours) == len(theirs)
    for o, t in zip(ours, theirs):
        assert o.shape == tuple(t.shape) and o.dtype == _np(t).dtype, name
        np.testing.assert_allclose(_np(o), _np(t), rtol=1e-9, atol=1e-12, equal_nan=True)
    if name in NO_TORCH_DERIVATIVE:
        assert gradcheck(lambda *v: sum(ag.sum(o * o) for o in _outputs(call(ag, *v))), ours_in)
        return
    graded = [(o, t) for o, t in zip(ours, theirs) if t.requires_grad]
    assert graded and all(o.requires_grad for o, _ in graded)
    weights = [R.normal(size=tuple(t.shape)) for _, t in graded]
    sum(ag.sum(o * w) for (o, _), w in zip(graded, weights)).backward()
    sum((t * torch.tensor(w)).sum() for (_, t), w in zip(graded, weights)).backward()
    for o, t in zip(ours_in, theirs_in):
        if t.grad is not None:  # None in ours: no gradient reached it (a nearest grid), zeros in PyTorch's
            ours_grad = np.zeros(o.shape) if o.grad is None else o.grad
            np.testing.assert_allclose(ours_grad, t.grad.numpy(), rtol=1e-8, atol=1e-10, err_msg=name)


def test_native_statistics_gradients_match_finite_differences():
    x = ag.tensor(r(2, 3, 4), requires_grad=True)
    assert gradcheck(lambda v: sum(ag.sum(o * o) for o in ag.native_layer_norm(v, [4], None, None, 1e-5)), (x,))
    assert gradcheck(lambda v: ag.sum(ag.native_group_norm(v, None, None, 2, 3, 4, 3, 1e-5)[2]), (x,))
    assert gradcheck(lambda v: ag.sum(ag.segment_reduce(v, "sum", lengths=ag.tensor([1, 1]), initial=2.0) ** 2), (x,))


def test_native_batch_norm_updates_running_statistics():
    x = r(4, 3, 2)
    mean, var = ag.zeros(3, dtype=ag.float64), ag.ones(3, dtype=ag.float64)
    ag.native_batch_norm(ag.tensor(x), None, None, mean, var, True, 0.1, 1e-5)
    assert np.allclose(mean.data, 0.1 * x.mean((0, 2)))
    assert np.allclose(var.data, 0.9 + 0.1 * x.var((0, 2), ddof=1))


def test_native_dropout():
    x = ag.tensor(r(50, 40), requires_grad=True)
    out, mask = ag.native_dropout(x, 0.25, True)
    assert mask.dtype == np.bool_ and 0.65 < mask.data.mean() < 0.85
    assert np.allclose(out.data, np.where(mask.data, x.data / 0.75, 0.0))
    out.sum().backward()
    assert np.allclose(x.grad, mask.data / 0.75)
    kept, ones = ag.native_dropout(x, 0.25, False)
    assert kept is not x and np.array_equal(kept.data, x.data) and ones.data.all()
    assert not ag.native_dropout(x, 1.0, True)[1].data.any()
    with pytest.raises(ValueError, match="between 0 and 1"):
        ag.native_dropout(x, 1.5, True)


# ----------------------------------------------------------------------------------------------------
# tensor_gaps.py


def test_binomial():
    torch = pytest.importorskip("torch")
    ag.manual_seed(3)
    count, prob = ag.tensor([10.0, 5.0, 0.0, -1.0, 7.0]), ag.tensor([0.5, 0.2, 0.5, 0.5, 1.5])
    draw = ag.binomial(count, prob)
    assert draw.dtype == count.dtype and not draw.requires_grad
    assert np.all((0 <= draw.data) & (draw.data <= np.maximum(count.data, 0)))
    assert draw.data[2] == draw.data[3] == 0 and draw.data[4] == 7  # as torch: no trials, certain success
    theirs = torch.binomial(torch.tensor([0.0, -1.0, 7.0]), torch.tensor([0.5, 0.5, 1.5]))
    assert theirs.tolist() == draw.data[2:].tolist()
    many = ag.binomial(ag.full((20000,), 10.0), ag.full((20000,), 0.3)).data
    assert abs(many.mean() - 3.0) < 0.05 and abs(many.var() - 2.1) < 0.1
    g1, g2 = ag.Generator().manual_seed(7), ag.Generator().manual_seed(7)
    assert np.array_equal(ag.binomial(count, prob, g1).data, ag.binomial(count, prob, g2).data)
    with pytest.raises(ValueError, match="floating-point dtypes for count"):
        ag.binomial(ag.tensor([10, 5]), prob[:2])


def test_empty_permuted_nonzero_static():
    torch = pytest.importorskip("torch")
    for size, order in (((2, 3, 4), (2, 0, 1)), ((2, 3, 4, 5), (0, 2, 3, 1)), ((3,), (0,))):
        x = ag.empty_permuted(size, order)
        assert x.shape == size and x.stride() == torch.empty_permuted(size, order).stride()
    assert ag.empty_permuted((2, 3), (1, 0), dtype=ag.float64, requires_grad=True).requires_grad
    with pytest.raises(RuntimeError, match="not a permutation"):
        ag.empty_permuted((2, 3), (0, 0))
    with pytest.raises(RuntimeError, match="does not match"):
        ag.empty_permuted((2, 3), (0,))
    for data, size, fill in (([[1, 0], [0, 1]], 3, -1), ([1, 0, 1, 1], 2, 9), ([0.0, 0.0], 2, -1), ([[3]], 0, 1)):
        ours = ag.nonzero_static(ag.tensor(data), size=size, fill_value=fill)
        theirs = torch.nonzero_static(torch.tensor(data), size=size, fill_value=fill)
        assert ours.dtype == np.int64 and ours.data.tolist() == theirs.tolist()
    with pytest.raises(RuntimeError, match="non-negative integer"):
        ag.nonzero_static(ag.tensor([1]), size=-1)


def test_in_place_function_forms():
    torch = pytest.importorskip("torch")
    y = ag.arange(12.0)
    assert ag.as_strided_(y, (3, 2), (1, 3), 1) is y
    assert y.data.tolist() == torch.arange(12.0).as_strided_((3, 2), (1, 3), 1).tolist()
    with pytest.raises(RuntimeError, match="requires grad"):
        ag.as_strided_(ag.ones(4, requires_grad=True), (2,), (1,))
    a = ag.ones(2, requires_grad=True) * 3
    assert ag.detach_(a) is a and a.is_leaf and not a.requires_grad
    z = ag.zeros(6)
    assert ag.resize_as_(z, ag.ones(2, 3)) is z and z.shape == (2, 3)


def test_segment_reduce_errors():
    x = ag.tensor(r(6))
    with pytest.raises(RuntimeError, match="sum to data.size"):
        ag.segment_reduce(x, "sum", lengths=ag.tensor([2, 2]))
    with pytest.raises(RuntimeError, match="reduce argument must be"):
        ag.segment_reduce(x, "foo", lengths=ag.tensor([6]))
    with pytest.raises(RuntimeError, match="Either lengths or offsets"):
        ag.segment_reduce(x, "sum")
    with pytest.raises(RuntimeError, match="last dimension of lengths"):
        ag.segment_reduce(x.reshape(2, 3), "sum", lengths=ag.tensor([1, 2]), axis=1)


# ----------------------------------------------------------------------------------------------------
# torch.func, nn.utils, torch.amp and torch.random names


def test_replace_all_batch_norm_modules():
    nn = ag.nn
    model = nn.Sequential(nn.Conv2d(2, 3, 1), nn.BatchNorm2d(3), nn.Sequential(nn.BatchNorm1d(4, affine=False)))
    assert ag.func.replace_all_batch_norm_modules_(model) is model
    for bn in (model[1], model[2][0]):
        assert not bn.track_running_stats and bn.running_mean is None and bn.running_var is None
        assert bn.num_batches_tracked is None
    assert sorted(model.state_dict()) == ["0.bias", "0.weight", "1.bias", "1.weight"]
    model.eval()  # normalises with the batch's own statistics even in eval mode now
    y = model[:2](ag.tensor(R.normal(3.0, 2.0, size=(5, 2, 3, 3)), dtype=ag.float32))
    assert np.allclose(y.data.mean((0, 2, 3)), 0, atol=1e-5)
    with pytest.raises(TypeError, match="nn.Module"):
        ag.func.replace_all_batch_norm_modules_(3)


def test_convert_conv_weight_memory_format():
    nn = ag.nn
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ConvTranspose2d(2, 1, 2))
    before = [p.data.copy() for p in model.parameters()]
    assert nn.utils.convert_conv2d_weight_memory_format(model, ag.channels_last) is model
    assert all(np.array_equal(b, p.data) for b, p in zip(before, model.parameters()))
    assert nn.utils.convert_conv3d_weight_memory_format(model, ag.channels_last) is model  # no 3-D conv: nothing
    with pytest.raises(RuntimeError, match="rank 5 tensor to use channels_last_3d"):
        nn.utils.convert_conv2d_weight_memory_format(model, ag.channels_last_3d)
    with pytest.raises(RuntimeError, match="rank 4 tensor to use channels_last format"):
        nn.utils.convert_conv3d_weight_memory_format(nn.Conv3d(1, 1, 1), ag.channels_last)
    with pytest.raises(TypeError, match="memory_format"):
        nn.utils.convert_conv2d_weight_memory_format(model, "channels_last")


def test_custom_fwd_and_bwd():
    seen = {}

    class Square(ag.autograd.Function):
        @staticmethod
        @ag.amp.custom_fwd(device_type="cpu", cast_inputs=ag.float64)
        def forward(ctx, x):
            seen["Square"] = (x.dtype, ag.amp.is_autocast_enabled("cpu"))
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        @ag.amp.custom_bwd(device_type="cpu")
        def backward(ctx, g):
            seen["backward"] = ag.amp.is_autocast_enabled("cpu")
            (x,) = ctx.saved_tensors
            return 2 * x * g

    class Plain(Square):
        @staticmethod
        @ag.amp.custom_fwd(device_type="cpu")
        def forward(ctx, x):
            seen["Plain"] = (x.dtype, ag.amp.is_autocast_enabled("cpu"))
            ctx.save_for_backward(x)
            return x * x

    x = ag.tensor(np.array([1.0, 2.0], np.float32), requires_grad=True)
    Square.apply(x).sum().backward()  # outside a region: no cast, backward outside one too
    assert seen == {"Square": (np.float32, False), "backward": False} and x.grad.tolist() == [2.0, 4.0]
    with pytest.warns(UserWarning):
        with ag.autocast("cpu"):
            y = Square.apply(x)  # inside: cast to float64, run with autocast off
            z = Plain.apply(x)
    assert y.dtype == np.float64 and seen["Square"] == (np.float64, False)  # cast, run with autocast off
    y.sum().backward()
    assert seen["backward"] is False
    assert seen["Plain"] == (np.float32, True)  # no cast, autocast as it was
    z.sum().backward()
    assert seen["backward"] is True  # backward under forward's (enabled) region
    with pytest.raises(ValueError, match="device_type"):
        ag.amp.custom_fwd(device_type=None)
    with pytest.raises(ValueError, match="device_type"):
        ag.amp.custom_bwd(lambda ctx, g: g, device_type=1)


def test_thread_safe_generator_and_signatures():
    assert ag.random.thread_safe_generator() is None
    ag.manual_seed(0)
    a = ag.randint(0, 10, (5,), generator=ag.random.thread_safe_generator())
    ag.manual_seed(0)
    assert np.array_equal(a.data, ag.randint(0, 10, (5,)).data)
    torch = pytest.importorskip("torch")
    import inspect

    for ours, theirs in ((ag.amp.custom_fwd, torch.amp.custom_fwd), (ag.amp.custom_bwd, torch.amp.custom_bwd),
                         (ag.func.replace_all_batch_norm_modules_, torch.func.replace_all_batch_norm_modules_),
                         (ag.nn.utils.convert_conv2d_weight_memory_format,
                          torch.nn.utils.convert_conv2d_weight_memory_format),
                         (ag.nn.utils.convert_conv3d_weight_memory_format,
                          torch.nn.utils.convert_conv3d_weight_memory_format),
                         (ag.random.thread_safe_generator, torch.random.thread_safe_generator)):
        p, q = inspect.signature(ours).parameters, inspect.signature(theirs).parameters
        assert [(n, v.kind, v.default) for n, v in p.items()] == [(n, v.kind, v.default) for n, v in q.items()]
