"""PyTorch's legacy constructors (torch.Tensor, torch.FloatTensor, torch.LongTensor, ...) given a torch.Size: the
shape of a new tensor, as PyTorch's overload `(tuple of ints size)` takes it, where a plain tuple is data. CS231n's
style transfer starts from noise with `torch.Tensor(content_img.size()).uniform_(0, 1)`."""

import numpy as np
import pytest

import autograd_core as ag
from autograd_core.tensor import FloatTensor, LongTensor


def test_a_size_is_a_shape_and_a_plain_tuple_is_data():
    x = ag.zeros(1, 3, 4, 5)
    made = ag.Tensor(x.size())
    assert made.shape == (1, 3, 4, 5) and made.dtype == np.float32 and not made.requires_grad
    assert ag.Tensor(x.shape).shape == (1, 3, 4, 5)  # x.shape is the same Size
    assert ag.Tensor((1, 3)).tolist() == [1.0, 3.0]  # a tuple of numbers stays data
    assert LongTensor(ag.Size([2, 3])).dtype == np.int64 and LongTensor(ag.Size([2, 3])).shape == (2, 3)
    assert FloatTensor(ag.Size([2])).shape == (2,)
    assert ag.Tensor(ag.Size([])).shape == () and ag.Tensor(ag.Size([0])).shape == (0,)


def test_style_transfers_noise_image_starts_in_the_content_images_shape():
    content_img = ag.zeros(1, 3, 6, 6)
    ag.manual_seed(0)
    img = ag.Tensor(content_img.size()).uniform_(0, 1).type(FloatTensor)
    assert img.shape == (1, 3, 6, 6) and 0 <= img.min().item() and img.max().item() <= 1


def test_the_shapes_match_pytorchs():
    torch = pytest.importorskip("torch")
    for sizes in ([2, 3], [], [0], [1, 3, 4, 5]):
        ours, theirs = ag.Tensor(ag.Size(sizes)), torch.Tensor(torch.Size(sizes))
        assert tuple(ours.shape) == tuple(theirs.shape) and ours.numel() == theirs.numel()
        assert LongTensor(ag.Size(sizes)).dtype == np.int64 and torch.LongTensor(torch.Size(sizes)).dtype == torch.int64
    assert ag.Tensor((2, 3)).tolist() == torch.Tensor((2, 3)).tolist()
