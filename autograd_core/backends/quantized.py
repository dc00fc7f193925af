"""`torch.backends.quantized`: the engine of quantized operations, which are not here.

`engine` is "none" and `supported_engines` ["none"] (PyTorch's names for no quantized engine): setting another known
engine (fbgemm, qnnpack, onednn, x86) raises RuntimeError, an unknown name PyTorch's RuntimeError."""

import sys
import types

__all__ = []  # engine and supported_engines are properties of the module

_ENGINES = ("none", "fbgemm", "qnnpack", "onednn", "x86")  # PyTorch's, by id


def _set_engine(value):
    name = "none" if value in ("", None) else value
    if name not in _ENGINES:
        raise RuntimeError(f"{value} is not a valid value for quantized engine")
    if name != "none":
        raise RuntimeError(f"quantized engine {name.upper()} is not supported: this library has no quantized "
                           "operations (supported engines: ['none'])")


class _QuantizedModule(types.ModuleType):
    """The module's class: `engine` checked when set, `supported_engines` read-only, as PyTorch's."""

    engine = property(lambda self: "none", lambda self, value: _set_engine(value))

    @property
    def supported_engines(self):
        return ["none"]

    @supported_engines.setter
    def supported_engines(self, value):
        raise RuntimeError("Assignment not supported")


sys.modules[__name__].__class__ = _QuantizedModule
