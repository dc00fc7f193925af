"""`torch.backends.cuda`: CUDA's switches, kept and unused (there is no CUDA here: `is_built()` is False)."""


class matmul:  # noqa: N801  (PyTorch's torch.backends.cuda.matmul: `matmul.allow_tf32 = True`)
    """The matrix-product switches (nanoGPT's `torch.backends.cuda.matmul.allow_tf32 = True`): kept, unused."""

    allow_tf32 = False
    allow_fp16_reduced_precision_reduction = True
    allow_bf16_reduced_precision_reduction = True


def is_built():
    """False: this library is not built with CUDA."""
    return False
