"""torchvision.models for NumPy: `import autograd_core.vision.models as models`, as `import torchvision.models as
models`. Landmark CNNs, layer for layer torchvision's: AlexNet (alexnet.py: alexnet), the VGGs (vgg.py:
vgg11 ... vgg19_bn, make_layers, cfgs), GoogLeNet (googlenet.py: googlenet, GoogLeNetOutputs, BasicConv2d,
Inception, InceptionAux), the ResNets (resnet.py: resnet18, 34, 50, 101, 152) and the SqueezeNets (squeezenet.py:
squeezenet1_0, squeezenet1_1, SqueezeNet; its Fire module), with their weights enums
(`ResNet18_Weights.DEFAULT`, `AlexNet_Weights.IMAGENET1K_V1`); `weights=` (or the legacy `pretrained=True`) loads
torchvision's ImageNet checkpoint from torch.hub's cache folder, downloading it there first when it is missing
(_api.py). `list_models()`, `get_model(name, **config)` and `get_model_weights(name)` find them by name, as
torchvision's registry does.

    resnet = models.resnet18()                                  # random weights
    resnet.fc = nn.Linear(resnet.fc.in_features, 100)

Each weights carries its inference preprocessing and class names, as torchvision's:

    weights = models.ResNet50_Weights.DEFAULT
    model = models.resnet50(weights=weights).eval()
    batch = weights.transforms()(img).unsqueeze(0)             # img: a PIL image or a uint8 Value (3, H, W)
    prediction = model(batch).squeeze(0).softmax(0)
    print(weights.meta["categories"][prediction.argmax().item()])
"""

# (the modules under other names: `from .alexnet import *` rebinds `alexnet` to the builder, as in torchvision)
from . import alexnet as _alexnet_module, googlenet as _googlenet_module, resnet, squeezenet, vgg
from ._api import Weights, WeightsEnum, hub_checkpoints_dir, load_state_dict_from_url
from .alexnet import *  # noqa: F401,F403
from .googlenet import *  # noqa: F401,F403
from .resnet import *  # noqa: F401,F403
from .squeezenet import *  # noqa: F401,F403
from .vgg import *  # noqa: F401,F403

_MODULES = (_alexnet_module, _googlenet_module, resnet, squeezenet, vgg)
_BUILDERS = {name: getattr(module, name) for module in _MODULES for name in module.__all__
             if name[0].islower() and name not in ("make_layers", "cfgs")}
_WEIGHTS = {name: getattr(module, name) for module in _MODULES for name in module.__all__
            if name.endswith("_Weights")}


def _spelling(name):
    return name.replace("_", "").lower()


# Each builder's weights enum, by torchvision's naming: the enum is the builder's name in the architecture's own
# capitals, then "_Weights" (alexnet: AlexNet_Weights, googlenet: GoogLeNet_Weights, resnet18: ResNet18_Weights,
# vgg11_bn: VGG11_BN_Weights), so the two are one spelling once lower-cased without underscores.
_ENUMS_BY_SPELLING = {_spelling(name[:-len("_Weights")]): enum for name, enum in _WEIGHTS.items()}
_WEIGHTS_OF = {name: _ENUMS_BY_SPELLING[_spelling(name)] for name in _BUILDERS}


def list_models():
    """The names of the builders here, sorted: 'alexnet', 'googlenet', 'resnet101', 'resnet152', 'resnet18', ...,
    'vgg19_bn'."""
    return sorted(_BUILDERS)


def _builder(name):
    try:
        return _BUILDERS[name.lower()]
    except KeyError:
        raise ValueError(f"Unknown model {name}") from None


def get_model(name, **config):
    """The model the builder `name` makes with `config` (weights=..., num_classes=...): get_model("resnet18")."""
    return _builder(name)(**config)


def get_model_weights(name):
    """The weights enum of the builder `name` (or of the builder itself): get_model_weights("resnet18") is
    ResNet18_Weights."""
    builder = name if callable(name) else _builder(name)
    if _BUILDERS.get(getattr(builder, "__name__", None)) is not builder:
        raise ValueError(f"Unknown model {builder!r}")
    return _WEIGHTS_OF[builder.__name__]


__all__ = (["Weights", "WeightsEnum", "hub_checkpoints_dir", "load_state_dict_from_url", "list_models", "get_model",
            "get_model_weights"] + [name for module in _MODULES for name in module.__all__])
