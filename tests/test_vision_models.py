"""autograd_core.vision.models: torchvision's ResNets and VGGs layer for layer, and their pretrained weights loaded
from torch.hub's cache folder (downloaded there first when missing), and the registry. torchvision is not installed:
the architecture is checked against the numbers torchvision publishes (each model's parameter count, its state
dict's names and shapes, the feature layers neural style transfer reads), the checkpoints against files written by
PyTorch itself. AlexNet and GoogLeNet: test_vision_models_classic.py."""

import os
import warnings

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import nn
from autograd_core.vision import models
from autograd_core import hub


@pytest.fixture(scope="module")
def resnet18():
    return models.resnet18()


@pytest.fixture(scope="module")
def resnet18_state():
    return models.resnet18().state_dict()


def count(module):
    return sum(p.numel() for p in module.parameters())


def test_resnet18_has_torchvisions_parameters_and_names(resnet18):
    assert count(resnet18) == 11_689_512 == models.ResNet18_Weights.DEFAULT.meta["num_params"]
    shapes = {name: tuple(value.shape) for name, value in resnet18.state_dict().items()}
    assert shapes["conv1.weight"] == (64, 3, 7, 7) and shapes["fc.weight"] == (1000, 512)
    assert shapes["layer2.0.downsample.0.weight"] == (128, 64, 1, 1) and "layer1.0.downsample.0.weight" not in shapes
    assert shapes["layer4.1.bn2.running_var"] == (512,) and shapes["layer3.0.bn1.num_batches_tracked"] == ()
    assert len(shapes) == 122  # torchvision's resnet18 state dict: 62 parameters and 60 buffers
    assert [name for name, _ in resnet18.named_children()] == ["conv1", "bn1", "relu", "maxpool", "layer1", "layer2",
                                                               "layer3", "layer4", "avgpool", "fc"]


def test_resnet_is_initialised_as_torchvisions(resnet18):
    weight = resnet18.layer3[0].conv2.weight  # kaiming_normal_, fan_out, relu: std sqrt(2 / (256 * 3 * 3))
    assert abs(float(weight.data.std()) - np.sqrt(2 / (256 * 9))) < 0.002
    assert np.all(resnet18.layer1[0].bn2.weight.data == 1) and np.all(resnet18.bn1.bias.data == 0)
    zeroed = models.ResNet(models.BasicBlock, [1, 1, 1, 1], zero_init_residual=True)
    assert np.all(zeroed.layer2[0].bn2.weight.data == 0) and np.all(zeroed.layer2[0].bn1.weight.data == 1)


def test_resnet_forward_shapes_and_a_fine_tuning_step(resnet18):
    resnet18.eval()
    with ag.no_grad():
        assert resnet18(ag.randn(2, 3, 64, 64)).shape == (2, 1000)
    for param in resnet18.parameters():  # the tutorial's fine-tuning of the top layer only
        param.requires_grad = False
    resnet18.fc = nn.Linear(resnet18.fc.in_features, 10)
    resnet18.train()
    loss = nn.functional.cross_entropy(resnet18(ag.randn(2, 3, 32, 32)), ag.tensor([1, 7]))
    loss.backward()
    assert resnet18.fc.weight.grad.shape == (10, 512) and resnet18.conv1.weight.grad is None


def test_bottleneck_resnets_are_torchvisions_v1_5():
    model = models.ResNet(models.Bottleneck, [1, 1, 1, 1], num_classes=10)
    shapes = {name: tuple(value.shape) for name, value in model.state_dict().items()}
    assert shapes["layer1.0.conv1.weight"] == (64, 64, 1, 1) and shapes["layer1.0.conv3.weight"] == (256, 64, 1, 1)
    assert shapes["layer1.0.downsample.0.weight"] == (256, 64, 1, 1) and shapes["fc.weight"] == (10, 2048)
    assert model.layer2[0].conv2.stride == (2, 2) and model.layer2[0].conv1.stride == (1, 1)  # stride on the 3x3
    assert model(ag.randn(2, 3, 32, 32)).shape == (2, 10)
    wide = models.ResNet(models.Bottleneck, [1, 1, 1, 1], width_per_group=128)  # wide_resnet50_2's blocks
    assert wide.layer1[0].conv2.weight.shape == (128, 128, 3, 3)
    with pytest.raises(ValueError, match="BasicBlock only supports groups=1"):
        models.ResNet(models.BasicBlock, [1, 1, 1, 1], groups=2)


def test_vgg19_features_are_the_layers_style_transfer_reads():
    features = models.vgg.make_layers(models.vgg.cfgs["E"])
    assert count(features) == 20_024_384  # vgg19's 143,667,240 less its classifier's 123,642,856
    convs = [name for name, layer in features._modules.items() if isinstance(layer, nn.Conv2d)]
    assert len(convs) == 16 and {"0", "5", "10", "19", "28"} <= set(convs)  # conv1_1, conv2_1, ..., conv5_1
    assert len(features) == 37 and isinstance(features[36], nn.MaxPool2d)
    with_bn = models.vgg.make_layers(models.vgg.cfgs["A"], batch_norm=True)
    assert [type(m).__name__ for m in with_bn[:4]] == ["Conv2d", "BatchNorm2d", "ReLU", "MaxPool2d"]
    assert features(ag.randn(1, 3, 32, 32)).shape == (1, 512, 1, 1)


def test_vgg_wraps_features_in_torchvisions_head(monkeypatch):
    # the head's 25088 -> 4096 -> 4096 layers (120M numbers) made 392 -> 16 -> 16 here, for the features' 8 channels
    smaller = {512 * 7 * 7: 8 * 7 * 7, 4096: 16}

    class SmallerLinear(nn.Linear):
        def __init__(self, n_in, n_out):
            super().__init__(smaller.get(n_in, n_in), smaller.get(n_out, n_out))
    monkeypatch.setattr(models.vgg.nn, "Linear", SmallerLinear)
    model = models.VGG(models.vgg.make_layers([8, "M"]), num_classes=5)
    assert [type(m).__name__ for m in model.classifier] == ["SmallerLinear", "ReLU", "Dropout"] * 2 + ["SmallerLinear"]
    assert model.classifier[2].p == 0.5 and model.classifier[6].weight.shape == (5, 16)
    assert model.eval()(ag.randn(2, 3, 10, 10)).shape == (2, 5)  # the adaptive pool makes any size 7x7
    assert float(model.features[0].bias.data.std()) == 0.0 and float(model.classifier[0].bias.data.std()) == 0.0
    assert abs(float(model.classifier[3].weight.data.std()) - 0.01) < 0.003  # normal(0, 0.01)


def test_the_registry_finds_builders_and_weights():
    assert models.list_models()[2:7] == ["resnet101", "resnet152", "resnet18", "resnet34", "resnet50"]
    assert models.get_model_weights("resnet18") is models.ResNet18_Weights
    assert models.get_model_weights(models.vgg19_bn) is models.VGG19_BN_Weights
    assert models.get_model("resnet18", num_classes=3).fc.out_features == 3
    with pytest.raises(ValueError, match="Unknown model"):
        models.get_model("mobilenet_v2")
    weights = models.ResNet50_Weights
    assert weights.DEFAULT is weights.IMAGENET1K_V2 and weights.verify("IMAGENET1K_V1") is weights.IMAGENET1K_V1
    assert weights.verify("ResNet50_Weights.DEFAULT") is weights.IMAGENET1K_V2 and weights.verify(None) is None
    assert models.ResNet18_Weights.DEFAULT.url == "https://download.pytorch.org/models/resnet18-f37072fd.pth"
    with pytest.raises(TypeError, match="expected ResNet18_Weights"):
        models.resnet18(weights=models.VGG11_Weights.DEFAULT)
    with pytest.raises(ValueError, match="Failed to find Weights"):
        models.resnet18(weights="IMAGENET2K")


def _cached(tmp_path, monkeypatch, builder, state):
    """`state` written by PyTorch's torch.save where torch.hub keeps builder's default checkpoint."""
    torch = pytest.importorskip("torch")
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    path = os.path.join(models.hub_checkpoints_dir(), os.path.basename(models.get_model_weights(builder).DEFAULT.url))
    os.makedirs(os.path.dirname(path))
    torch.save({name: torch.from_numpy(np.array(value)) for name, value in state.items()}, path)
    return path


def test_pretrained_weights_load_from_torch_hubs_cache(tmp_path, monkeypatch, resnet18_state):
    state = resnet18_state
    path = _cached(tmp_path, monkeypatch, "resnet18", state)
    assert path == str(tmp_path / "hub" / "checkpoints" / "resnet18-f37072fd.pth")
    monkeypatch.setattr(hub, "urlopen", lambda *a, **k: pytest.fail("downloaded a cached file"))
    with pytest.warns(UserWarning) as caught:
        model = models.resnet18(pretrained=True)
    assert [str(w.message)[:45] for w in caught] == ["The parameter 'pretrained' is deprecated sinc",
                                                     "Arguments other than a weight enum or `None` "]
    assert "equivalent to passing `weights=ResNet18_Weights.IMAGENET1K_V1`" in str(caught[1].message)
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(value, state[name], err_msg=name)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        again = models.resnet18(weights="DEFAULT")  # the weights' way: no warning
    np.testing.assert_array_equal(again.fc.weight.data, state["fc.weight"])
    with pytest.raises(ValueError, match="'num_classes' expected value 1000 but got 10"):
        models.resnet18(weights="DEFAULT", num_classes=10)


def test_a_missing_checkpoint_is_downloaded_checked_and_kept(tmp_path, monkeypatch):
    import email.message
    import io

    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    served = tmp_path / "served.pth"
    ag.save({"weight": np.ones((2, 2), np.float32)}, served)

    class Response(io.BytesIO):  # what urllib's urlopen returns: a binary file with the headers in info()
        def info(self):
            return email.message.Message()

    def urlopen(request):
        assert request.full_url == "https://download.pytorch.org/models/resnet18-f37072fd.pth"
        return Response(served.read_bytes())
    monkeypatch.setattr(hub, "urlopen", urlopen)
    with pytest.raises(RuntimeError, match='invalid hash value \\(expected "f37072fd"'):  # not torchvision's file
        models.ResNet18_Weights.DEFAULT.get_state_dict()
    assert not os.listdir(models.hub_checkpoints_dir())  # nothing kept
    state = models.load_state_dict_from_url(models.ResNet18_Weights.DEFAULT.url)  # torch.hub's default: no check
    np.testing.assert_array_equal(state["weight"], np.ones((2, 2)))
    assert os.listdir(models.hub_checkpoints_dir()) == ["resnet18-f37072fd.pth"]


def test_without_network_the_error_says_where_to_put_the_checkpoint(tmp_path, monkeypatch):
    import urllib.error

    monkeypatch.setenv("TORCH_HOME", str(tmp_path))

    def offline(*args, **kwargs):
        raise urllib.error.URLError("no network")
    monkeypatch.setattr(hub, "urlopen", offline)
    expected = os.path.join(str(tmp_path), "hub", "checkpoints", "vgg19-dcbb9e9d.pth")
    with pytest.raises(RuntimeError, match=f"vgg19-dcbb9e9d.pth \\(no network\\).*put it at {expected}"):
        models.vgg19(weights=models.VGG19_Weights.DEFAULT)
    assert not os.listdir(models.hub_checkpoints_dir())  # no partial file left


def test_the_hub_folder_follows_torch_home_and_xdg_cache_home(monkeypatch, tmp_path):
    monkeypatch.delenv("TORCH_HOME", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert models.hub_checkpoints_dir() == os.path.join(str(tmp_path), "torch", "hub", "checkpoints")
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "th"))
    assert models.hub_checkpoints_dir() == os.path.join(str(tmp_path / "th"), "hub", "checkpoints")
    assert models.load_state_dict_from_url is hub.load_state_dict_from_url  # one definition, torch.hub's
