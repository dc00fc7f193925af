"""Neural networks on autograd_core: modules, layers, losses, initialisation and data loading."""

from .module import Module, Parameter

__all__ = ["Module", "Parameter"]
