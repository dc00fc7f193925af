"""autograd_core.vision.models' SqueezeNets, layer for layer torchvision's (CS231n's Network_Visualization and
StyleTransfer notebooks start from `torchvision.models.squeezenet1_1(pretrained=True)`). torchvision is not installed:
the architectures are checked against the numbers torchvision publishes (parameter counts, state-dict names, the
smallest inputs) and, where PyTorch is installed, against the same networks written here in plain torch.nn (outputs
and gradients from one state dict); the checkpoint loads from a file written by PyTorch's torch.save into a torch.hub
folder (nothing is downloaded)."""

import os
import warnings

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import nn
from autograd_core.vision import models
from autograd_core.vision.datasets import utils as dataset_utils

# torchvision's SqueezeNet layouts: (in, squeeze, expand 1×1, expand 3×3) per Fire, "M" a ceil_mode max pool
LAYOUTS = {"1_0": ((96, 7), ["M", (96, 16, 64, 64), (128, 16, 64, 64), (128, 32, 128, 128), "M", (256, 32, 128, 128),
                              (256, 48, 192, 192), (384, 48, 192, 192), (384, 64, 256, 256), "M", (512, 64, 256, 256)]),
           "1_1": ((64, 3), ["M", (64, 16, 64, 64), (128, 16, 64, 64), "M", (128, 32, 128, 128), (256, 32, 128, 128),
                             "M", (256, 48, 192, 192), (384, 48, 192, 192), (384, 64, 256, 256), (512, 64, 256, 256)])}


@pytest.mark.parametrize("version, builder, count, smallest", [("1_0", models.squeezenet1_0, 1248424, 21),
                                                                 ("1_1", models.squeezenet1_1, 1235496, 17)])
def test_squeezenet_has_torchvisions_parameters_names_and_smallest_input(version, builder, count, smallest):
    model = builder()
    assert sum(p.numel() for p in model.parameters()) == count == getattr(
        models, f"SqueezeNet{version}_Weights").DEFAULT.meta["num_params"]
    names = list(model.state_dict())
    fires = [i + 3 for i, layer in enumerate(LAYOUTS[version][1][1:]) if layer != "M"]
    expected = ["features.0.weight", "features.0.bias"] + [
        f"features.{i}.{conv}.{kind}" for i in fires for conv in ("squeeze", "expand1x1", "expand3x3")
        for kind in ("weight", "bias")] + ["classifier.1.weight", "classifier.1.bias"]
    assert names == expected
    assert model.state_dict()["features.3.expand3x3.weight"].shape == (LAYOUTS[version][1][1][3],
                                                                       LAYOUTS[version][1][1][1], 3, 3)
    with ag.no_grad():
        assert model.eval()(ag.randn(2, 3, smallest, smallest)).shape == (2, 1000)
    assert builder(num_classes=7)(ag.randn(1, 3, 24, 24)).shape == (1, 7)
    with pytest.raises(ValueError, match="Unsupported SqueezeNet version 2_0: 1_0 or 1_1 expected"):
        models.SqueezeNet("2_0")


def test_squeezenet_is_initialised_as_torchvisions():
    model = models.squeezenet1_1()
    final = model.classifier[1]
    assert abs(float(final.weight.data.std()) - 0.01) < 0.001 and not np.any(final.bias.data)
    first = model.features[0].weight.data  # kaiming_uniform_ (a = 0): U(±√(6 / fan_in)), fan_in = 3·3·3
    assert np.abs(first).max() <= np.sqrt(6 / 27) and np.abs(first).max() > 0.8 * np.sqrt(6 / 27)
    assert all(not np.any(m.bias.data) for m in model.modules() if isinstance(m, nn.Conv2d))


def torch_squeezenet(torch, version):
    """torchvision's SqueezeNet, written in plain torch.nn (torchvision is not installed)."""
    tnn = torch.nn

    class Fire(tnn.Module):
        def __init__(self, inplanes, squeeze, e1, e3):
            super().__init__()
            self.squeeze, self.expand1x1 = tnn.Conv2d(inplanes, squeeze, 1), tnn.Conv2d(squeeze, e1, 1)
            self.expand3x3 = tnn.Conv2d(squeeze, e3, 3, padding=1)

        def forward(self, x):
            x = torch.relu(self.squeeze(x))
            return torch.cat([torch.relu(self.expand1x1(x)), torch.relu(self.expand3x3(x))], 1)

    class SqueezeNet(tnn.Module):
        def __init__(self):
            super().__init__()
            (channels, kernel), layers = LAYOUTS[version]
            self.features = tnn.Sequential(tnn.Conv2d(3, channels, kernel, stride=2), tnn.ReLU(), *(
                tnn.MaxPool2d(3, 2, ceil_mode=True) if layer == "M" else Fire(*layer) for layer in layers))
            self.classifier = tnn.Sequential(tnn.Dropout(0.0), tnn.Conv2d(512, 1000, 1), tnn.ReLU(),
                                             tnn.AdaptiveAvgPool2d(1))

        def forward(self, x):
            return torch.flatten(self.classifier(self.features(x)), 1)

    return SqueezeNet()


@pytest.mark.parametrize("version", ["1_0", "1_1"])
def test_squeezenet_computes_what_pytorch_computes_forward_and_backward(version):
    torch = pytest.importorskip("torch")
    ours = models.SqueezeNet(version, dropout=0.0)
    theirs = torch_squeezenet(torch, version).double()
    with ag.no_grad():
        for p in ours.parameters():  # small nonzero biases: every addition shows
            p.data[...] = np.random.default_rng(p.numel()).normal(0, 0.1, p.shape)
    theirs.load_state_dict({k: torch.from_numpy(np.asarray(v, np.float64)) for k, v in ours.state_dict().items()})
    ours = ours.to(ag.float64)
    x, r = np.random.default_rng(1).normal(size=(2, 3, 29, 31)), np.random.default_rng(2).normal(size=(2, 1000))
    mine, reference = ours(ag.tensor(x)), theirs(torch.from_numpy(x))
    np.testing.assert_allclose(mine.detach().numpy(), reference.detach().numpy(), rtol=1e-9, atol=1e-12)
    (mine * ag.tensor(r)).sum().backward()
    (reference * torch.from_numpy(r)).sum().backward()
    their_grads = dict(theirs.named_parameters())
    for name, param in ours.named_parameters():
        g = their_grads[name].grad.numpy()
        np.testing.assert_allclose(param.grad, g, rtol=1e-7, atol=1e-9 * np.abs(g).max(), err_msg=name)


def test_squeezenet1_1_loads_torchvisions_checkpoint_from_the_hub_cache(tmp_path, monkeypatch):
    torch = pytest.importorskip("torch")
    weights = models.SqueezeNet1_1_Weights.DEFAULT
    assert weights is models.SqueezeNet1_1_Weights.IMAGENET1K_V1
    assert weights.url == "https://download.pytorch.org/models/squeezenet1_1-b8a52dc0.pth"
    assert weights.meta["min_size"] == (17, 17) and weights.meta["categories"][207] == "golden retriever"
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    monkeypatch.setattr(dataset_utils, "download_url", lambda *a, **k: pytest.fail("downloaded a cached file"))
    state = models.squeezenet1_1().state_dict()
    path = os.path.join(models.hub_checkpoints_dir(), os.path.basename(weights.url))
    os.makedirs(os.path.dirname(path))
    torch.save({k: torch.from_numpy(np.array(v)) for k, v in state.items()}, path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = models.squeezenet1_1(weights="DEFAULT")
    for name, value in model.state_dict().items():
        assert np.array_equal(value, state[name]), name
    with pytest.warns(UserWarning) as caught:  # CS231n's squeezenet1_1(pretrained=True): torchvision's two warnings
        assert isinstance(models.squeezenet1_1(pretrained=True), models.SqueezeNet)
    assert "'pretrained' is deprecated" in str(caught[0].message) and "SqueezeNet1_1_Weights" in str(caught[1].message)
    assert models.get_model_weights("squeezenet1_0") is models.SqueezeNet1_0_Weights
