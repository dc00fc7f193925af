"""autograd_core.vision.models' AlexNet and GoogLeNet, the two landmark CNNs beside the VGGs and ResNets, layer for
layer torchvision's. torchvision is not installed: the architectures are checked against the numbers torchvision
publishes (parameter counts, state-dict names and shapes, the smallest input each accepts) and, where PyTorch is
installed, against the same networks written here in plain torch.nn (outputs and gradients from one state dict);
the checkpoints load from files written by PyTorch's torch.save into a torch.hub folder (nothing is downloaded).

AlexNet's 61M parameters take about two seconds to initialise: one model serves the whole module."""

import collections
import os
import warnings

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import nn
from autograd_core.vision import models
from autograd_core.vision.datasets import utils as dataset_utils
from autograd_core.vision.transforms import InterpolationMode

MEAN, STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)


@pytest.fixture(scope="module")
def alexnet():
    return models.alexnet()


@pytest.fixture(scope="module")
def googlenet():
    """GoogLeNet with its auxiliary heads, initialised as torchvision's (init_weights=True)."""
    return models.GoogLeNet(init_weights=True)


@pytest.fixture
def torch():
    """PyTorch, the oracle, on one thread (small tensors: on two shared cores a pool of threads mostly waits, 30×
    slower); skipped where it is not installed."""
    torch = pytest.importorskip("torch")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield torch
    torch.set_num_threads(threads)


def assert_close(ours, theirs, rtol, atol, name=""):
    """|ours − theirs| ≤ atol + rtol·|theirs| everywhere (assert_allclose's rule, in fewer passes over 61M values)."""
    ours, theirs = np.asarray(ours), np.asarray(theirs)
    assert ours.shape == theirs.shape, name
    excess = np.abs(ours - theirs) - rtol * np.abs(theirs)
    assert excess.max(initial=-np.inf) <= atol, f"{name}: off by up to {excess.max() + rtol * np.abs(theirs).max()}"


def count(module):
    return sum(p.numel() for p in module.parameters())


def shapes_of(module):
    return {name: tuple(np.shape(value)) for name, value in module.state_dict().items()}


def with_random_batchnorm_statistics(model, seed=0):
    """`model` with every BatchNorm's running mean and variance made random (in place), so that its eval-mode
    output depends on them and on eps."""
    rng = np.random.default_rng(seed)
    state = model.state_dict()
    for name, value in state.items():
        if name.endswith("running_mean"):
            state[name] = rng.normal(0, 0.1, value.shape).astype(value.dtype)
        elif name.endswith("running_var"):
            state[name] = rng.uniform(0.5, 1.5, value.shape).astype(value.dtype)
    model.load_state_dict(state)
    return model


def to_torch(torch, state):
    return {name: torch.from_numpy(np.array(value)) for name, value in state.items()}


# ----------------------------------------------------------------------------------------------------
# AlexNet


def test_alexnet_has_torchvisions_parameters_and_names(alexnet):
    assert count(alexnet) == 61_100_840 == models.AlexNet_Weights.DEFAULT.meta["num_params"]
    shapes = shapes_of(alexnet)
    assert shapes == {  # torchvision's alexnet state dict: 16 keys, convolutions at 0, 3, 6, 8, 10, Linears at 1, 4, 6
        "features.0.weight": (64, 3, 11, 11), "features.0.bias": (64,),
        "features.3.weight": (192, 64, 5, 5), "features.3.bias": (192,),
        "features.6.weight": (384, 192, 3, 3), "features.6.bias": (384,),
        "features.8.weight": (256, 384, 3, 3), "features.8.bias": (256,),
        "features.10.weight": (256, 256, 3, 3), "features.10.bias": (256,),
        "classifier.1.weight": (4096, 9216), "classifier.1.bias": (4096,),
        "classifier.4.weight": (4096, 4096), "classifier.4.bias": (4096,),
        "classifier.6.weight": (1000, 4096), "classifier.6.bias": (1000,)}
    assert list(shapes)[:3] == ["features.0.weight", "features.0.bias", "features.3.weight"]  # torchvision's order
    assert [name for name, _ in alexnet.named_children()] == ["features", "avgpool", "classifier"]
    assert [type(m).__name__ for m in alexnet.features] == ["Conv2d", "ReLU", "MaxPool2d"] * 2 + [
        "Conv2d", "ReLU"] * 3 + ["MaxPool2d"]
    assert [type(m).__name__ for m in alexnet.classifier] == ["Dropout", "Linear", "ReLU"] * 2 + ["Linear"]
    assert alexnet.features[0].stride == (4, 4) and alexnet.features[0].padding == (2, 2)
    assert alexnet.classifier[0].p == alexnet.classifier[3].p == 0.5


def test_alexnet_keeps_its_layers_default_initialisation(alexnet):
    # torchvision's AlexNet has no initialisation of its own: PyTorch's default, U(±1/√fan_in) for weights and biases
    weight, bias = alexnet.classifier[4].weight.data, alexnet.classifier[4].bias.data
    bound = 1 / np.sqrt(4096)
    assert np.abs(weight).max() <= bound and abs(float(weight.std()) - bound / np.sqrt(3)) < 1e-4
    assert np.abs(bias).max() <= bound and float(np.abs(bias).mean()) > bound / 4  # not zeroed
    assert np.abs(alexnet.features[3].weight.data).max() <= 1 / np.sqrt(64 * 25)


def test_alexnet_forward_shapes_and_its_smallest_input(alexnet):
    alexnet.eval()
    with ag.no_grad():  # (224×224: in the weights' preset test)
        assert alexnet(ag.randn(2, 3, 63, 63)).shape == (2, 1000)  # meta's min_size: the last max pool sees 3×3
        with pytest.raises(ag.ShapeError, match="smaller than kernel_size"):
            alexnet(ag.randn(1, 3, 62, 62))
    assert models.AlexNet_Weights.DEFAULT.meta["min_size"] == (63, 63)
    small = models.AlexNet(num_classes=10, dropout=0.25)
    assert small.classifier[6].weight.shape == (10, 4096) and small.classifier[3].p == 0.25


def torch_alexnet(torch):
    """torchvision's AlexNet written in plain torch.nn: the same layers under the same names."""
    tnn = torch.nn
    features = tnn.Sequential(
        tnn.Conv2d(3, 64, kernel_size=11, stride=4, padding=2), tnn.ReLU(), tnn.MaxPool2d(kernel_size=3, stride=2),
        tnn.Conv2d(64, 192, kernel_size=5, padding=2), tnn.ReLU(), tnn.MaxPool2d(kernel_size=3, stride=2),
        tnn.Conv2d(192, 384, kernel_size=3, padding=1), tnn.ReLU(),
        tnn.Conv2d(384, 256, kernel_size=3, padding=1), tnn.ReLU(),
        tnn.Conv2d(256, 256, kernel_size=3, padding=1), tnn.ReLU(), tnn.MaxPool2d(kernel_size=3, stride=2))
    classifier = tnn.Sequential(tnn.Dropout(), tnn.Linear(9216, 4096), tnn.ReLU(), tnn.Dropout(),
                                tnn.Linear(4096, 4096), tnn.ReLU(), tnn.Linear(4096, 1000))
    return tnn.Sequential(collections.OrderedDict(features=features, avgpool=tnn.AdaptiveAvgPool2d((6, 6)),
                                                  flatten=tnn.Flatten(), classifier=classifier))


def test_alexnet_computes_what_pytorch_computes_forward_and_backward(alexnet, torch):
    theirs = torch_alexnet(torch).eval()
    theirs.load_state_dict(to_torch(torch, alexnet.state_dict()))  # strict: every name and shape matches
    alexnet.eval()  # (dropout off: both compute the same function)
    rng = np.random.default_rng(1)
    x = rng.normal(size=(2, 3, 71, 67)).astype(np.float32)  # 3×3 before the adaptive pool: it repeats to 6×6
    r = rng.normal(size=(2, 1000)).astype(np.float32)
    ours = alexnet(ag.tensor(x))
    (ours * ag.tensor(r)).sum().backward()
    reference = theirs(torch.from_numpy(x))
    (reference * torch.from_numpy(r)).sum().backward()
    expected = reference.detach().numpy()
    assert_close(ours.data, expected, rtol=1e-4, atol=1e-4 * np.abs(expected).max())
    their_grads = dict(theirs.named_parameters())
    for name, param in alexnet.named_parameters():
        g = their_grads[name].grad.numpy()
        assert_close(param.grad, g, rtol=1e-3, atol=1e-4 * np.abs(g).max(), name=name)
    alexnet.zero_grad()


# ----------------------------------------------------------------------------------------------------
# GoogLeNet


def test_googlenet_has_torchvisions_parameters_and_names(googlenet):
    plain = models.GoogLeNet(aux_logits=False, init_weights=False)
    assert count(plain) == 6_624_904 == models.GoogLeNet_Weights.DEFAULT.meta["num_params"]  # without aux heads
    aux_head = 128 * 512 + 2 * 128 + 2048 * 1024 + 1024 + 1024 * 1000 + 1000  # aux1's; aux2's conv sees 16 more
    assert count(googlenet) == 6_624_904 + 2 * aux_head + 128 * 16
    shapes = shapes_of(googlenet)
    # 59 BasicConv2d (3 stem, 6 in each of 9 Inceptions, 1 per aux head) of 6 entries each (a conv weight; the
    # BatchNorm's weight, bias, running_mean, running_var, num_batches_tracked), and 5 Linears of 2 entries: 364
    assert len(shapes) == 59 * 6 + 5 * 2 == 364
    assert len(shapes_of(plain)) == 57 * 6 + 2 == 344
    expected = {
        "conv1.conv.weight": (64, 3, 7, 7), "conv1.bn.weight": (64,), "conv1.bn.running_var": (64,),
        "conv1.bn.num_batches_tracked": (), "conv2.conv.weight": (64, 64, 1, 1), "conv3.conv.weight": (192, 64, 3, 3),
        "inception3a.branch1.conv.weight": (64, 192, 1, 1), "inception3a.branch2.0.conv.weight": (96, 192, 1, 1),
        "inception3a.branch2.1.conv.weight": (128, 96, 3, 3),
        "inception3a.branch3.1.conv.weight": (32, 16, 3, 3),  # torchvision's 3×3 where the paper has 5×5
        "inception3a.branch4.1.conv.weight": (32, 192, 1, 1), "inception4e.branch4.1.bn.running_mean": (128,),
        "inception5b.branch1.conv.weight": (384, 832, 1, 1), "inception5b.branch3.1.conv.weight": (128, 48, 3, 3),
        "aux1.conv.conv.weight": (128, 512, 1, 1), "aux2.conv.conv.weight": (128, 528, 1, 1),
        "aux1.fc1.weight": (1024, 2048), "aux2.fc2.bias": (1000,), "fc.weight": (1000, 1024), "fc.bias": (1000,)}
    assert {name: shapes[name] for name in expected} == expected
    assert "conv1.conv.bias" not in shapes and not any(".branch4.0." in name for name in shapes)  # a bias-free conv
    assert [name for name, _ in googlenet.named_children()] == [
        "conv1", "maxpool1", "conv2", "conv3", "maxpool2", "inception3a", "inception3b", "maxpool3", "inception4a",
        "inception4b", "inception4c", "inception4d", "inception4e", "maxpool4", "inception5a", "inception5b", "aux1",
        "aux2", "avgpool", "dropout", "fc"]
    assert googlenet.conv1.bn.eps == 0.001 and googlenet.inception4a.branch3[1].bn.eps == 0.001
    pools = [googlenet.maxpool1, googlenet.maxpool2, googlenet.maxpool3, googlenet.maxpool4,
             googlenet.inception3a.branch4[0]]
    assert [(p.kernel_size, p.stride, p.ceil_mode) for p in pools] == [(3, 2, True)] * 3 + [(2, 2, True), (3, 1, True)]
    assert (googlenet.dropout.p, googlenet.aux1.dropout.p, googlenet.aux_logits, googlenet.transform_input) == (
        0.2, 0.7, True, False)
    assert plain.aux1 is None and plain.aux2 is None


def test_googlenet_is_initialised_as_torchvisions(googlenet):
    for weight in (googlenet.inception5b.branch2[1].conv.weight, googlenet.fc.weight, googlenet.aux1.fc1.weight):
        data = weight.data  # trunc_normal_(std=0.01, a=-2, b=2)
        assert abs(float(data.std()) - 0.01) < 3e-4 and abs(float(data.mean())) < 3e-4 and np.abs(data).max() < 2
    assert np.all(googlenet.inception4c.branch1.bn.weight.data == 1) and np.all(googlenet.conv1.bn.bias.data == 0)
    assert float(np.abs(googlenet.fc.bias.data).max()) > 0.01  # the Linears' biases keep their default, as there
    with pytest.warns(FutureWarning, match="init_weights=None"):
        models.GoogLeNet(aux_logits=False)  # None: torchvision's warning, then initialised as True
    default = models.GoogLeNet(aux_logits=False, init_weights=False)  # the layers' own default initialisation
    assert np.abs(default.fc.weight.data).max() <= 1 / 32 and float(default.fc.weight.data.std()) > 0.015
    with pytest.raises(ValueError, match="blocks length should be 3 instead of 2"):
        models.GoogLeNet(blocks=[models.BasicConv2d, models.Inception], init_weights=False)


def test_googlenet_returns_googlenetoutputs_in_training_and_logits_in_eval(googlenet):
    x = ag.randn(2, 3, 24, 21)
    googlenet.train()
    outputs = googlenet(x)
    assert isinstance(outputs, models.GoogLeNetOutputs) and outputs._fields == ("logits", "aux_logits2", "aux_logits1")
    assert [o.shape for o in outputs] == [(2, 1000)] * 3
    loss = sum(nn.functional.cross_entropy(o, ag.tensor([3, 5])) * w for o, w in zip(outputs, (1, 0.3, 0.3)))
    loss.backward()  # the paper's loss reaches both auxiliary heads
    assert googlenet.aux1.fc2.weight.grad is not None and googlenet.aux2.conv.conv.weight.grad is not None
    googlenet.zero_grad()
    googlenet.eval()
    with ag.no_grad():
        logits = googlenet(x)
        assert isinstance(logits, ag.Value) and logits.shape == (2, 1000)
        assert googlenet(ag.randn(1, 3, 15, 15)).shape == (1, 1000)  # meta's min_size
        with pytest.raises(ag.ShapeError, match="smaller than kernel_size"):
            googlenet(ag.randn(1, 3, 14, 14))  # maxpool3 gets 1×1
    assert models.GoogLeNet_Weights.DEFAULT.meta["min_size"] == (15, 15)
    plain = models.GoogLeNet(aux_logits=False, init_weights=False, num_classes=7).train()
    assert isinstance(plain(x), ag.Value) and plain(x).shape == (2, 7)  # training, but no heads: plain logits


def test_transform_input_rescales_each_channel_as_torchvision(googlenet):
    # the ImageNet-normalised input made [-1, 1]-scaled: channel c times std_c / 0.5, plus (mean_c - 0.5) / 0.5
    seen = []
    hook = googlenet.conv1.conv.register_forward_hook(lambda module, args, out: seen.append(np.array(args[0].data)))
    x = np.random.default_rng(2).normal(size=(2, 3, 17, 19)).astype(np.float32)
    by_hand = np.concatenate([x[:, c:c + 1] * (STD[c] / 0.5) + (MEAN[c] - 0.5) / 0.5 for c in range(3)], axis=1)
    try:
        with ag.no_grad():
            googlenet.eval()(ag.tensor(x))  # transform_input=False: the input as it is
            googlenet.transform_input = True  # read at each call, as torchvision's attribute
            googlenet(ag.tensor(x))
    finally:
        googlenet.transform_input = False
        hook.remove()
    np.testing.assert_array_equal(seen[0], x)
    np.testing.assert_allclose(seen[1], by_hand, rtol=1e-6, atol=1e-6)
    assert seen[1].dtype == np.float32


def torch_googlenet(torch, dropout, dropout_aux):
    """torchvision's GoogLeNet written in plain torch.nn (with aux heads and transform_input): the same layers
    under the same names, forward returning (logits, aux2's, aux1's) in training and logits in eval."""
    tnn, F = torch.nn, torch.nn.functional

    class Conv(tnn.Module):
        def __init__(self, n_in, n_out, **kwargs):
            super().__init__()
            self.conv = tnn.Conv2d(n_in, n_out, bias=False, **kwargs)
            self.bn = tnn.BatchNorm2d(n_out, eps=0.001)

        def forward(self, x):
            return F.relu(self.bn(self.conv(x)))

    class Block(tnn.Module):
        def __init__(self, n_in, c1, c3_in, c3, c5_in, c5, pool_out):
            super().__init__()
            self.branch1 = Conv(n_in, c1, kernel_size=1)
            self.branch2 = tnn.Sequential(Conv(n_in, c3_in, kernel_size=1), Conv(c3_in, c3, kernel_size=3, padding=1))
            self.branch3 = tnn.Sequential(Conv(n_in, c5_in, kernel_size=1), Conv(c5_in, c5, kernel_size=3, padding=1))
            self.branch4 = tnn.Sequential(tnn.MaxPool2d(3, stride=1, padding=1, ceil_mode=True),
                                          Conv(n_in, pool_out, kernel_size=1))

        def forward(self, x):
            return torch.cat([self.branch1(x), self.branch2(x), self.branch3(x), self.branch4(x)], 1)

    class Aux(tnn.Module):
        def __init__(self, n_in):
            super().__init__()
            self.conv = Conv(n_in, 128, kernel_size=1)
            self.fc1, self.fc2, self.dropout = tnn.Linear(2048, 1024), tnn.Linear(1024, 1000), tnn.Dropout(dropout_aux)

        def forward(self, x):
            x = torch.flatten(self.conv(F.adaptive_avg_pool2d(x, (4, 4))), 1)
            return self.fc2(self.dropout(F.relu(self.fc1(x))))

    class Net(tnn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = Conv(3, 64, kernel_size=7, stride=2, padding=3)
            self.maxpool1 = tnn.MaxPool2d(3, stride=2, ceil_mode=True)
            self.conv2, self.conv3 = Conv(64, 64, kernel_size=1), Conv(64, 192, kernel_size=3, padding=1)
            self.maxpool2 = tnn.MaxPool2d(3, stride=2, ceil_mode=True)
            self.inception3a = Block(192, 64, 96, 128, 16, 32, 32)
            self.inception3b = Block(256, 128, 128, 192, 32, 96, 64)
            self.maxpool3 = tnn.MaxPool2d(3, stride=2, ceil_mode=True)
            self.inception4a = Block(480, 192, 96, 208, 16, 48, 64)
            self.inception4b = Block(512, 160, 112, 224, 24, 64, 64)
            self.inception4c = Block(512, 128, 128, 256, 24, 64, 64)
            self.inception4d = Block(512, 112, 144, 288, 32, 64, 64)
            self.inception4e = Block(528, 256, 160, 320, 32, 128, 128)
            self.maxpool4 = tnn.MaxPool2d(2, stride=2, ceil_mode=True)
            self.inception5a = Block(832, 256, 160, 320, 32, 128, 128)
            self.inception5b = Block(832, 384, 192, 384, 48, 128, 128)
            self.aux1, self.aux2 = Aux(512), Aux(528)
            self.dropout, self.fc = tnn.Dropout(dropout), tnn.Linear(1024, 1000)

        def forward(self, x):
            x = torch.cat([x[:, c:c + 1] * (STD[c] / 0.5) + (MEAN[c] - 0.5) / 0.5 for c in range(3)], 1)
            x = self.maxpool2(self.conv3(self.conv2(self.maxpool1(self.conv1(x)))))
            x = self.inception4a(self.maxpool3(self.inception3b(self.inception3a(x))))
            aux1 = self.aux1(x)
            x = self.inception4d(self.inception4c(self.inception4b(x)))
            aux2 = self.aux2(x)
            x = self.inception5b(self.inception5a(self.maxpool4(self.inception4e(x))))
            x = self.fc(self.dropout(torch.flatten(F.adaptive_avg_pool2d(x, (1, 1)), 1)))
            return (x, aux2, aux1) if self.training else x

    return Net()


def test_googlenet_computes_what_pytorch_computes_in_eval_and_training(torch):
    # no dropout, so that training mode is deterministic too; float64, so that the two agree to rounding
    ours = models.GoogLeNet(transform_input=True, init_weights=True, dropout=0.0, dropout_aux=0.0)
    with_random_batchnorm_statistics(ours).double()
    theirs = torch_googlenet(torch, dropout=0.0, dropout_aux=0.0).double()
    theirs.load_state_dict(to_torch(torch, ours.state_dict()))  # strict: every name and shape matches
    rng = np.random.default_rng(3)
    for shape in ((2, 3, 15, 15), (1, 3, 37, 30)):  # ceil_mode's partial windows at every pool
        x = rng.normal(size=shape)
        with ag.no_grad(), torch.no_grad():
            assert_close(ours.eval()(ag.tensor(x)).data, theirs.eval()(torch.from_numpy(x)).numpy(), rtol=1e-9,
                         atol=1e-10, name=str(shape))
    x, r = rng.normal(size=(2, 3, 33, 35)), rng.normal(size=(3, 2, 1000))
    ours.train(), theirs.train()
    mine, reference = ours(ag.tensor(x)), theirs(torch.from_numpy(x))  # batch statistics; both heads
    for a, b, name in zip(mine, reference, ("logits", "aux_logits2", "aux_logits1")):
        assert_close(a.data, b.detach().numpy(), rtol=1e-9, atol=1e-10, name=name)
    sum((o * ag.tensor(w)).sum() for o, w in zip(mine, r)).backward()
    sum((o * torch.from_numpy(w)).sum() for o, w in zip(reference, r)).backward()
    their_grads = dict(theirs.named_parameters())
    for name, param in ours.named_parameters():
        g = their_grads[name].grad.numpy()
        assert_close(param.grad, g, rtol=1e-7, atol=1e-9 * np.abs(g).max(), name=name)
    for name, value in ours.state_dict().items():  # the running statistics updated alike
        assert_close(value, theirs.state_dict()[name].numpy(), rtol=1e-9, atol=1e-12, name=name)


# ----------------------------------------------------------------------------------------------------
# Pretrained weights, from torch.hub's cache


def cache(tmp_path, monkeypatch, weights, state):
    """`state` written by PyTorch's torch.save where torch.hub keeps `weights`' checkpoint; downloading fails."""
    torch = pytest.importorskip("torch")
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    monkeypatch.setattr(dataset_utils, "download_url", lambda *a, **k: pytest.fail("downloaded a cached file"))
    path = os.path.join(models.hub_checkpoints_dir(), os.path.basename(weights.url))
    os.makedirs(os.path.dirname(path))
    torch.save(to_torch(torch, state), path)
    return path


def test_alexnet_loads_torchvisions_checkpoint_from_the_hub_cache(tmp_path, monkeypatch, alexnet):
    weights = models.AlexNet_Weights.DEFAULT
    assert weights is models.AlexNet_Weights.IMAGENET1K_V1 and list(models.AlexNet_Weights.__members__) == [
        "IMAGENET1K_V1", "DEFAULT"]
    assert weights.url == "https://download.pytorch.org/models/alexnet-owt-7be5be79.pth"
    state = alexnet.state_dict()
    path = cache(tmp_path, monkeypatch, weights, state)
    assert path == str(tmp_path / "hub" / "checkpoints" / "alexnet-owt-7be5be79.pth")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = models.alexnet(weights="DEFAULT")
    for name, value in model.state_dict().items():
        assert np.array_equal(value, state[name]), name
    # the legacy pretrained=True: torchvision's two warnings, then IMAGENET1K_V1, whose 1000 classes refuse 10 (before
    # any model is built)
    with pytest.warns(UserWarning) as caught, pytest.raises(ValueError, match="'num_classes' expected value 1000"):
        models.alexnet(pretrained=True, num_classes=10)
    assert [str(w.message)[:45] for w in caught] == ["The parameter 'pretrained' is deprecated sinc",
                                                     "Arguments other than a weight enum or `None` "]
    assert "`weights=AlexNet_Weights.IMAGENET1K_V1`" in str(caught[1].message)
    assert {w.filename for w in caught} == {__file__}  # pointed at the line that called the builder
    with pytest.raises(TypeError, match="expected AlexNet_Weights"):
        models.alexnet(weights=models.GoogLeNet_Weights.DEFAULT)


def test_googlenet_loads_torchvisions_checkpoint_as_torchvision_does(tmp_path, monkeypatch):
    weights = models.GoogLeNet_Weights.DEFAULT
    assert weights is models.GoogLeNet_Weights.IMAGENET1K_V1
    assert weights.url == "https://download.pytorch.org/models/googlenet-1378be20.pth"
    # torchvision's checkpoint holds the auxiliary heads (untrained): 364 entries
    state = with_random_batchnorm_statistics(models.GoogLeNet(init_weights=True)).state_dict()
    cache(tmp_path, monkeypatch, weights, state)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no init_weights FutureWarning: the builder says init_weights=False
        model = models.googlenet(weights=weights)
    assert model.aux1 is None and model.aux2 is None and model.aux_logits is False and model.transform_input is True
    loaded = model.state_dict()
    assert len(loaded) == 344 and set(loaded) == {name for name in state if not name.startswith("aux")}
    for name, value in loaded.items():
        np.testing.assert_array_equal(value, state[name], err_msg=name)
    x = ag.randn(2, 3, 32, 32)
    assert isinstance(model.train()(x), ag.Value)  # no heads: plain logits even in training

    with pytest.warns(UserWarning, match="auxiliary heads in the pretrained googlenet model are NOT pretrained"):
        with_heads = models.googlenet(weights="DEFAULT", aux_logits=True, transform_input=False)
    assert with_heads.aux_logits and not with_heads.transform_input
    np.testing.assert_array_equal(with_heads.aux2.fc1.weight.data, state["aux2.fc1.weight"])
    assert isinstance(with_heads.train()(x), models.GoogLeNetOutputs)
    without = models.googlenet(weights="DEFAULT", aux_logits=False)  # torchvision raises here; the request is clear
    assert without.aux1 is None and not without.aux_logits
    with pytest.raises(ValueError, match="'init_weights' expected value False but got True"):
        models.googlenet(weights="DEFAULT", init_weights=True)
    with pytest.warns(UserWarning) as caught, pytest.raises(ValueError, match="'num_classes' expected value 1000"):
        models.googlenet(pretrained=True, num_classes=10)  # the legacy way: IMAGENET1K_V1, with torchvision's warnings
    assert "`weights=GoogLeNet_Weights.IMAGENET1K_V1`" in str(caught[1].message)
    assert {w.filename for w in caught} == {__file__}


def test_the_weights_carry_their_preset_and_the_imagenet_categories(alexnet):
    categories = models.ResNet18_Weights.DEFAULT.meta["categories"]
    for enum, recipe, docs in ((models.AlexNet_Weights, "#alexnet-and-vgg", "simplified training recipe"),
                               (models.GoogLeNet_Weights, "#googlenet", "ported from the original paper")):
        weights = enum.DEFAULT
        preset = weights.transforms()
        assert (preset.crop_size, preset.resize_size, preset.interpolation) == ([224], [256],
                                                                                InterpolationMode.BILINEAR)
        assert (preset.mean, preset.std) == (list(MEAN), list(STD))
        assert weights.meta["categories"] is categories and weights.meta["num_classes"] == 1000
        assert weights.meta["categories"][207] == "golden retriever"
        assert weights.meta["recipe"] == ("https://github.com/pytorch/vision/tree/main/references/classification"
                                          + recipe)
        assert docs in weights.meta["_docs"]
    image = ag.from_numpy(np.random.default_rng(4).integers(0, 256, (3, 240, 300), dtype=np.uint8))
    batch = models.AlexNet_Weights.DEFAULT.transforms()(image).unsqueeze(0)
    assert batch.shape == (1, 3, 224, 224)
    with ag.no_grad():
        logits = alexnet.eval()(batch)
    assert logits.shape == (1, 1000)
    prediction = logits.squeeze(0).softmax(0)
    assert prediction.shape == (1000,) and isinstance(categories[prediction.argmax().item()], str)


# ----------------------------------------------------------------------------------------------------
# The registry


def test_the_registry_knows_all_four_landmark_cnns():
    names = models.list_models()
    assert names[:2] == ["alexnet", "googlenet"] and names == sorted(names) and len(names) == 17
    expected = {"alexnet": "AlexNet_Weights", "googlenet": "GoogLeNet_Weights", "resnet18": "ResNet18_Weights",
                "resnet34": "ResNet34_Weights", "resnet50": "ResNet50_Weights", "resnet101": "ResNet101_Weights",
                "resnet152": "ResNet152_Weights", "squeezenet1_0": "SqueezeNet1_0_Weights",
                "squeezenet1_1": "SqueezeNet1_1_Weights", "vgg11": "VGG11_Weights", "vgg11_bn": "VGG11_BN_Weights",
                "vgg13": "VGG13_Weights", "vgg13_bn": "VGG13_BN_Weights", "vgg16": "VGG16_Weights",
                "vgg16_bn": "VGG16_BN_Weights", "vgg19": "VGG19_Weights", "vgg19_bn": "VGG19_BN_Weights"}
    assert {name: models.get_model_weights(name).__name__ for name in names} == expected
    assert models.get_model_weights("alexnet") is models.AlexNet_Weights
    assert models.get_model_weights(models.googlenet) is models.GoogLeNet_Weights
    assert models.get_model_weights("GoogLeNet") is models.GoogLeNet_Weights  # names are case-insensitive
    model = models.get_model("googlenet", aux_logits=False, init_weights=False, num_classes=5)
    assert isinstance(model, models.GoogLeNet) and model.fc.out_features == 5
    assert models._BUILDERS["alexnet"] is models.alexnet
    with pytest.raises(ValueError, match="Unknown model inception_v3"):
        models.get_model("inception_v3")
    with pytest.raises(ValueError, match="Unknown model"):
        models.get_model_weights("lenet")
    with pytest.raises(ValueError, match="Unknown model"):
        models.get_model_weights(len)
    from autograd_core.vision.models.googlenet import Inception, _GoogLeNetOutputs
    assert Inception is models.Inception and _GoogLeNetOutputs is models.GoogLeNetOutputs
