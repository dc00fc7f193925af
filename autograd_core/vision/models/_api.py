"""What torchvision.models' builders share: the weights enums (`ResNet18_Weights.IMAGENET1K_V1`, `.DEFAULT`), the
legacy `pretrained=True` read as the first weights (with torchvision's deprecation warning), and the checkpoint
loaded from torch.hub's cache folder, downloaded there first when it is missing. Each weights also carries its
inference preprocessing (`weights.transforms()`) and the names of its classes (`weights.meta["categories"]`).

The checkpoints are loaded by `autograd_core.hub.load_state_dict_from_url` (torch.hub's, re-exported here): its cache
is $TORCH_HOME/hub/checkpoints (TORCH_HOME defaults to $XDG_CACHE_HOME/torch, else ~/.cache/torch), so a checkpoint
PyTorch downloaded is used as it is. The files are PyTorch's own .pth files, read by autograd_core.load.
"""

from __future__ import annotations

import enum
import os
import warnings
from functools import partial

from autograd_core import hub
from autograd_core.hub import load_state_dict_from_url

__all__ = ["Weights", "WeightsEnum", "hub_checkpoints_dir", "load_state_dict_from_url"]


class Weights:
    """One set of pretrained weights, torchvision's three fields: the checkpoint's `url`; `transforms`, a callable
    that makes the inference preprocessing (a functools.partial of transforms._presets.ImageClassification, so
    `weights.transforms()` is a new preset); and `meta`, a dict: num_classes, num_params, categories (the class
    names, by output index), min_size (the smallest (height, width) input), recipe (how they were trained) and _docs."""

    def __init__(self, url, transforms, meta):
        self.url, self.transforms, self.meta = url, transforms, dict(meta)

    def __repr__(self):
        return f"Weights(url={self.url!r})"


def imagenet_weights(url, meta, resize_size=256):
    """The Weights of an ImageNet-1k classifier's checkpoint at `url`, as torchvision declares them: the inference
    preset resizes to `resize_size` and centre-crops 224 (transforms._presets.ImageClassification), and the meta has
    num_classes 1000 and the 1,000 class names (one list, shared by every model), then the model's own `meta`
    (num_params, min_size, recipe, _docs)."""
    from ..transforms._presets import ImageClassification
    from ._meta import _IMAGENET_CATEGORIES

    return Weights(url, partial(ImageClassification, crop_size=224, resize_size=resize_size),
                   {"num_classes": 1000, "categories": _IMAGENET_CATEGORIES, **meta})


class WeightsEnum(enum.Enum):
    """A model's weights, as torchvision's: members such as IMAGENET1K_V1 whose value is a Weights, DEFAULT an alias
    of the best. `.url`, `.transforms` and `.meta` read the member's Weights; `get_state_dict()` loads its
    checkpoint."""

    @property
    def url(self):
        return self.value.url

    @property
    def transforms(self):
        return self.value.transforms

    @property
    def meta(self):
        return self.value.meta

    def get_state_dict(self, progress=True, check_hash=True):
        """The checkpoint's state dict (name -> NumPy array), from the hub cache (downloaded there first if needed)."""
        return load_state_dict_from_url(self.url, progress=progress, check_hash=check_hash)

    @classmethod
    def verify(cls, obj):
        """`obj` as a member: None stays None, a member of this enum is itself, "DEFAULT" or "IMAGENET1K_V1" the member
        of that name. TypeError for a member of another model's weights, ValueError for an unknown name."""
        if obj is None or isinstance(obj, cls):
            return obj
        if isinstance(obj, str):
            name = obj.replace(cls.__name__ + ".", "")
            if name not in cls.__members__:
                raise ValueError(f"Failed to find Weights {obj!r} in {cls.__name__}. Try one of "
                                 f"{list(cls.__members__)}")
            return cls[name]
        raise TypeError(f"Invalid Weight class provided; expected {cls.__name__} but received {type(obj).__name__}.")

    def __repr__(self):
        return f"{type(self).__name__}.{self._name_}"


def weights_from_arguments(weights_enum, weights, kwargs, stacklevel=4):
    """The weights a builder was asked for: `weights` (verified against `weights_enum`), or the legacy
    `pretrained=True/False` in kwargs (removed from it), which torchvision still reads with a UserWarning. With
    weights, kwargs' num_classes is set to theirs (ValueError if it was another). `stacklevel` points the warnings at
    the line that called the builder: 4 when the builder calls this through a helper (resnet18 → _resnet), 3 when it
    calls it itself."""
    if "pretrained" in kwargs:
        pretrained = kwargs.pop("pretrained")
        warnings.warn("The parameter 'pretrained' is deprecated since 0.13 and may be removed in the future, please "
                      "use 'weights' instead.", UserWarning, stacklevel=stacklevel)
        if pretrained:
            warnings.warn(f"Arguments other than a weight enum or `None` for 'weights' are deprecated since 0.13 and "
                          f"may be removed in the future. The current behavior is equivalent to passing "
                          f"`weights={weights_enum.__name__}.IMAGENET1K_V1`. You can also use "
                          f"`weights={weights_enum.__name__}.DEFAULT` to get the most up-to-date weights.",
                          UserWarning, stacklevel=stacklevel)
            weights = weights_enum.IMAGENET1K_V1
    weights = weights_enum.verify(weights)
    if weights is not None:
        num_classes = weights.meta["num_classes"]
        if kwargs.setdefault("num_classes", num_classes) != num_classes:
            raise ValueError(f"The parameter 'num_classes' expected value {num_classes} but got "
                             f"{kwargs['num_classes']} instead.")
    return weights


def with_weights(make, weights, progress):
    """`make()`'s model, with the checkpoint of `weights` loaded into it unless weights is None. The checkpoint is
    read first, so a failed download costs no model (torchvision builds, then loads; the result is the same)."""
    state = None if weights is None else weights.get_state_dict(progress=progress, check_hash=True)
    model = make()
    if state is not None:
        model.load_state_dict(state)
    return model


def hub_checkpoints_dir():
    """torch.hub's checkpoint folder, `autograd_core.hub.get_dir()/checkpoints`: $TORCH_HOME/hub/checkpoints,
    TORCH_HOME defaulting to $XDG_CACHE_HOME/torch (XDG_CACHE_HOME to ~/.cache), unless hub.set_dir chose another."""
    return os.path.join(hub.get_dir(), "checkpoints")
