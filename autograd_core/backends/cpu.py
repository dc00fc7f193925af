"""`torch.backends.cpu`: the widest SIMD instruction set the CPU kernels use."""

__all__ = ["get_cpu_capability"]


def get_cpu_capability():
    """The vector instructions NumPy's kernels (which do this library's arithmetic) use on this CPU, in PyTorch's
    names: "AVX512" (AVX-512 F/CD/BW/DQ/VL, NumPy's AVX512_SKX), "AVX2" (AVX2 with FMA3), else "DEFAULT"."""
    try:
        from numpy._core._multiarray_umath import __cpu_features__ as features
    except ImportError:  # NumPy 1.x
        from numpy.core._multiarray_umath import __cpu_features__ as features
    if features.get("AVX512_SKX"):
        return "AVX512"
    if features.get("AVX2") and features.get("FMA3"):
        return "AVX2"
    return "DEFAULT"
