"""autograd_core.vision.utils: torchvision.utils' make_grid and save_image. torchvision is not installed: its
make_grid is written out below with PyTorch's own ops (a canvas of pad_value, each image copied into its cell), as
torchvision writes it, and compared where PyTorch is installed; the rest against the layout's formula."""

import io

import numpy as np
import pytest

import autograd_core as ag
from autograd_core.vision import utils

RNG = np.random.default_rng(0)


def _batch(*shape):
    return ag.from_numpy(RNG.random(shape).astype(np.float32))


def torchvisions_make_grid(torch, tensor, nrow=8, padding=2, normalize=False, value_range=None, scale_each=False,
                           pad_value=0.0):
    """torchvision.utils.make_grid, as torchvision writes it (a canvas, each image copied into its cell)."""
    if tensor.dim() == 3:
        if tensor.size(0) == 1:
            tensor = torch.cat((tensor, tensor, tensor), 0)
        tensor = tensor.unsqueeze(0)
    if tensor.dim() == 4 and tensor.size(1) == 1:
        tensor = torch.cat((tensor, tensor, tensor), 1)
    if normalize:
        tensor = tensor.clone()

        def norm_range(t):
            low, high = value_range if value_range is not None else (float(t.min()), float(t.max()))
            t.clamp_(min=low, max=high)
            t.sub_(low).div_(max(high - low, 1e-5))
        for t in (tensor if scale_each else [tensor]):
            norm_range(t)
    if tensor.size(0) == 1:
        return tensor.squeeze(0)
    nmaps = tensor.size(0)
    xmaps = min(nrow, nmaps)
    ymaps = int(np.ceil(float(nmaps) / xmaps))
    height, width = int(tensor.size(2) + padding), int(tensor.size(3) + padding)
    grid = tensor.new_full((tensor.size(1), height * ymaps + padding, width * xmaps + padding), pad_value)
    k = 0
    for y in range(ymaps):
        for x in range(xmaps):
            if k >= nmaps:
                break
            grid.narrow(1, y * height + padding, height - padding).narrow(2, x * width + padding,
                                                                           width - padding).copy_(tensor[k])
            k = k + 1
    return grid


@pytest.mark.parametrize("shape, kwargs", [
    ((5, 1, 4, 3), dict(nrow=2, padding=1, pad_value=0.5)),  # one channel made three; a last row with an empty cell
    ((10, 3, 5, 6), {}),                                        # eight a row, two rows
    ((3, 3, 4, 4), dict(padding=0)),
    ((1, 3, 4, 4), {}),                                         # one image: itself, unpadded
    ((2, 4, 3), {}),                                            # (C, H, W): an image
    ((4, 3, 3, 3), dict(normalize=True)),
    ((4, 3, 3, 3), dict(normalize=True, value_range=(0.2, 0.7), scale_each=True)),
    ((4, 3, 3, 3), dict(normalize=True, scale_each=True, nrow=3, padding=3, pad_value=1.0)),
])
def test_make_grid_lays_images_out_as_torchvision(shape, kwargs):
    torch = pytest.importorskip("torch")
    batch = _batch(*shape)
    expected = torchvisions_make_grid(torch, torch.from_numpy(batch.numpy()), **kwargs)
    grid = utils.make_grid(batch, **kwargs)
    assert grid.shape == tuple(expected.shape)
    np.testing.assert_allclose(grid.numpy(), expected.numpy(), rtol=1e-6, atol=1e-7)


def test_make_grid_shape_is_rows_and_columns_of_padded_cells():
    grid = utils.make_grid(_batch(11, 3, 5, 7), nrow=4, padding=2)  # 4 columns, 3 rows
    assert grid.shape == (3, 3 * (5 + 2) + 2, 4 * (7 + 2) + 2)
    images = [_batch(3, 5, 7) for _ in range(3)]  # a list is stacked
    np.testing.assert_array_equal(utils.make_grid(images).numpy(), utils.make_grid(ag.stack(images)).numpy())


def test_make_grid_passes_the_gradient_back_to_each_pixel():
    batch = _batch(5, 1, 4, 3).requires_grad_()
    (utils.make_grid(batch, nrow=2) * 2).sum().backward()
    np.testing.assert_array_equal(batch.grad, np.full((5, 1, 4, 3), 6.0))  # one channel shown three times, times 2


def test_make_grid_refuses_what_is_not_a_batch_of_images():
    with pytest.raises(TypeError, match="torch.Tensor"):
        utils.make_grid(np.zeros((2, 3, 4, 4)))
    with pytest.raises(ValueError, match="expected images"):
        utils.make_grid(_batch(1, 2, 3, 4, 5))


def _read_png(path_or_file):
    from PIL import Image
    return np.asarray(Image.open(path_or_file))


def test_save_image_writes_the_grid_as_8_bit_pixels(tmp_path):
    batch = _batch(3, 3, 4, 5)
    utils.save_image(batch, tmp_path / "grid.png", nrow=2)
    grid = utils.make_grid(batch, nrow=2).numpy()
    expected = np.clip(grid * 255 + 0.5, 0, 255).astype(np.uint8).transpose(1, 2, 0)  # torchvision's rounding
    np.testing.assert_array_equal(_read_png(tmp_path / "grid.png"), expected)
    buffer = io.BytesIO()  # a file object, with its format
    utils.save_image(batch.requires_grad_(), buffer, format="png", nrow=2)  # a tensor that requires grad: its values
    np.testing.assert_array_equal(_read_png(io.BytesIO(buffer.getvalue())), expected)


def test_save_image_without_pillow_writes_png_with_our_encoder(tmp_path, monkeypatch):
    import builtins
    real_import = builtins.__import__

    def no_pillow(name, *args, **kwargs):
        if name == "PIL" or name.startswith("PIL."):
            raise ImportError("no Pillow")
        return real_import(name, *args, **kwargs)
    batch = _batch(4, 1, 6, 6)
    monkeypatch.setattr(builtins, "__import__", no_pillow)
    utils.save_image(batch, tmp_path / "ours.png")
    with pytest.raises(ValueError, match="only PNG"):
        utils.save_image(batch, tmp_path / "ours.jpg")
    monkeypatch.undo()
    utils.save_image(batch, tmp_path / "pillows.png")
    np.testing.assert_array_equal(_read_png(tmp_path / "ours.png"), _read_png(tmp_path / "pillows.png"))
