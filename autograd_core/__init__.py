"""autograd-core: reverse-mode automatic differentiation on NumPy, one `Value` node for scalars and arrays.

    from autograd_core import Value
    x = Value(2.0); y = (x * x).tanh(); y.backward(); x.grad
"""

from .value import Value  # first: the engine and the operations build on it
from .value_printing import set_printoptions  # torch.set_printoptions: how a Value's repr shows its array
from .tensor_methods import Size  # torch.Size: a shape, a tuple with numel()
from .lazy_imports import lazy_attributes
from .errors import ArgumentError, DTypeError, ShapeError
from .modes import enable_grad, is_grad_enabled, name_scope, no_grad, set_grad_enabled
from .ops import abs, clip, concatenate, cos, exp, leaky_relu, log, maximum, minimum, relu, sigmoid, sin
from .ops import sqrt, tanh
# Eager although rarely used: importing the submodule autograd_core.gradcheck (autograd/ does) sets the package's
# attribute `gradcheck` to the module, and only this import sets it back to the function.
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
# Reductions, shapes and joins take NumPy's (axis, keepdims) and PyTorch's (dim, keepdim) arguments alike.
from .tensor import (  # PyTorch's names: factories (tensor.py), dtypes (dtypes.py), the generator (generator.py),
    Tensor, backends, arange, as_tensor, empty, empty_like, eye, from_numpy, full, full_like, linspace, logspace,
    ones, ones_like, rand, rand_like, randint, randn, randn_like, randperm, tensor, zeros, zeros_like,
)
from .dtypes import (  # (global switches: switches.py; functions taking dim=/keepdim=: torch_functions.py)
    bool_, device, float16, float32, float64, get_default_dtype, bfloat16, int8, int16, int32, int64,
    set_default_dtype, uint8,
)
from .generator import Generator, default_generator, manual_seed
from .switches import (
    accelerator, are_deterministic_algorithms_enabled, use_deterministic_algorithms,
    is_deterministic_algorithms_warn_only_enabled, get_deterministic_debug_mode, set_deterministic_debug_mode,
    set_float32_matmul_precision, get_float32_matmul_precision,
)
from .torch_functions import (
    allclose, argmax, argmin, cat, clamp, clone, concat, equal, flatten, is_tensor, log_softmax, logsumexp, max,
    mean, min, mm, norm, numel, permute, pow, prod, reshape, softmax, squeeze, stack, std, sum, transpose,
    unsqueeze, var,
)
from .tensor import (  # PyTorch's legacy typed constructors (torch.LongTensor(data)) and the default device
    BoolTensor, ByteTensor, CharTensor, DoubleTensor, FloatTensor, HalfTensor, IntTensor, LongTensor, ShortTensor,
)
from .dtypes import get_default_device, set_default_device
from .dtypes import bool_ as bool, float16 as half, float32 as float, float64 as double  # noqa: A001
from .dtypes import int16 as short, int32 as int, int64 as long  # noqa: A001
# Complex Values (ops/complex.py): dtypes, and the functions that make and take them apart
from .dtypes import complex32, complex64, complex128  # noqa: F401
from .dtypes import complex32 as chalf, complex64 as cfloat, complex128 as cdouble  # noqa: F401
from .ops.complex import complex, polar, view_as_complex, view_as_real  # noqa: F401, A004
# torch.linalg stays eager: linalg.py re-exports linalg_decompositions.py and linalg_solvers.py, which import it
# back, so it has to be imported before either of them (x.svd() imports linalg_decompositions on use).
from . import linalg  # torch.linalg (linalg.py; its primitives in ops/linalg.py)
from .linalg import det, logdet, matrix_power  # torch.det, torch.logdet, torch.matrix_power
from .linalg import slogdet_old as slogdet  # torch.slogdet: its named tuple is torch.return_types.slogdet
from .linalg import inv as inverse  # torch.inverse
from .linalg_decompositions import matrix_exp, pinverse, qr_old as qr, svd_old as svd  # linalg decompositions
from .linalg_solvers import cholesky_inverse, cholesky_solve, lu_unpack  # linalg decompositions, stop 26
from .linalg_householder import geqrf, orgqr, ormqr  # QR in Householder form (torch.linalg.householder_product)
from .linalg_legacy import (  # torch.lu, triangular_solve, ...: the names from before torch.linalg
    adjoint, eig, frobenius_norm, lstsq, lu, lu_solve, matrix_rank, nuclear_norm, pca_lowrank, solve, svd_lowrank,
    symeig, triangular_solve,
)
# torch.add/sub/mul/div/matmul with out= (matmul: ops.matmul plus out=)
from .torch_functions import add, div, divide, matmul, mul, multiply, neg, square, sub, subtract
from .tensor import inference_mode
from .torch_functions import (  # PyTorch's indexing along a dim, running sums and sorting (ops/index.py, ops/scan.py)
    argsort, cumprod, cumsum, diag, diagonal, flip, gather, index_add, index_copy, index_fill, index_select,
    masked_select, narrow, roll, scatter, scatter_add, sort, take, topk, trace, tril, triu,
)
from .torch_functions import (  # more elementwise functions, comparisons, products (ops/special.py, ops/linalg.py)
    acos, acosh, addcdiv, addcmul, addmm, amax, amin, arccos, arccosh, arcsin, arcsinh, arctan, arctan2, arctanh,
    asin, asinh, atan, atan2, atanh, bmm, broadcast_to, ceil, cosh, dot, eq, expm1, floor, frac, ge, gt, hypot,
    isclose, isfinite, isinf, isnan, le, lerp, log1p, log2, log10, logaddexp, lt, ne, outer, reciprocal, rsqrt,
    sign, sinh, t, tan, trunc,
)
from .torch_functions import all, any, round  # noqa: A004  (torch.all, torch.any, torch.round)
from .tensor import range  # noqa: A004  (torch.range)
from .torch_functions import (  # picking by the numbers, differences, positions and counts, where with one argument
    argwhere, bincount, count_nonzero, cummax, cummin, diff, median, nonzero, std_mean, unique, var_mean, where,
)
from .torch_functions import digamma, erf, erfinv, lgamma, polygamma  # special functions (ops/special_functions.py)
from .ops.special_functions import igamma, igammac  # torch.igamma, torch.igammac (stop 26)
from .ops.special_functions import erfc, mvlgamma  # torch.erfc, torch.mvlgamma (stop 26)
from .ops.special_more import exp2, i0, logaddexp2, logit, sinc, xlogy  # torch.exp2, ... (stop 26)
from .torch_functions import chunk, hstack, repeat_interleave, split, tile, unbind, vstack  # ops/pieces.py
from .torch_functions import as_strided, as_strided_scatter  # ops/strided.py
from .torch_functions import einsum, tensordot  # ops/einsum.py
from .threads import get_num_threads, set_num_threads  # torch.set_num_threads: threads of large kernels
from .torch_functions import (  # rearranging, cutting up, more products (ops/arrange.py, ops/products.py; stop 26)
    addbmm, addmv, addr, atleast_1d, atleast_2d, atleast_3d, baddbmm, block_diag, broadcast_shapes,
    broadcast_tensors, cartesian_prod, cdist, chain_matmul, column_stack, combinations, cross, diag_embed, diagflat,
    dist, dsplit, dstack, fliplr, flipud, hsplit, inner, kron, meshgrid, moveaxis, movedim, mv, ravel, rot90,
    row_stack, select, split_with_sizes, swapaxes, swapdims, take_along_dim, tensor_split, tril_indices,
    triu_indices, unflatten, unravel_index, vdot, vsplit,
)
from .torch_functions import (  # more elementwise functions, statistics, type promotion (ops/arith.py, stats.py,
    # promotion.py)
    absolute, aminmax, bucketize, can_cast, clamp_max, clamp_min, copysign, corrcoef, cov, cumulative_trapezoid,
    deg2rad, finfo, fix, float_power, floor_divide, fmax, fmin, fmod, greater, greater_equal, heaviside, histc,
    histogram, iinfo, is_complex, is_floating_point, is_nonzero, is_same_size, isneginf, isposinf, kthvalue, less,
    less_equal, logcumsumexp, logical_and, logical_not, logical_or, logical_xor, mode, nan_to_num, nanmean,
    nanmedian, nanquantile, nansum, negative, not_equal, positive, promote_types, quantile, rad2deg, remainder,
    renorm, result_type, rsub, searchsorted, signbit, trapezoid, trapz, true_divide,
)
from .torch_functions import gradient  # torch.gradient (ops/finite_differences.py)
from .torch_functions import (  # random sampling, the default generator's state (ops/sampling.py; stop 26)
    bernoulli, get_rng_state, initial_seed, multinomial, normal, poisson, randint_like, seed, set_rng_state,
)
from .torch_functions import (  # bits and parts of numbers, writing into copies, membership (ops/bits.py,
    # scatters.py, sets.py)
    bitwise_and, bitwise_left_shift, bitwise_not, bitwise_or, bitwise_right_shift, bitwise_xor, diagonal_scatter,
    frexp, gcd, histogramdd, index_put, index_reduce, isin, lcm, ldexp, masked_scatter, msort, narrow_copy,
    nextafter, put, scatter_reduce, select_scatter, sgn, slice_scatter, unique_consecutive, vander,
)
from .torch_functions import gcd_, index_put_, lcm_, ldexp_, xlogy_  # torch's in-place functions with operands
from .tensor_attributes import strided  # torch.strided: the layout of every Value (x.layout)
from .tensor_attributes import (  # torch.memory_format's names (accepted by the *_like factories, clone and to)
    MemoryFormat as memory_format, channels_last, channels_last_3d, contiguous_format, preserve_format,
)
from .tensor_attributes import Layout as layout  # torch.layout: the type of torch.strided (annotations, isinstance)
from numpy import dtype  # torch.dtype: the type of every dtype here (NumPy's), for annotations and isinstance
from math import e, inf, nan, pi  # torch.e, torch.inf, torch.nan, torch.pi: Python's floats, as in PyTorch


__version__ = "0.1.0"

__all__ = [
    "Value", "Size", "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled", "name_scope", "ShapeError",
    "ArgumentError", "DTypeError",
    "abs", "clip", "concatenate", "cos", "exp", "leaky_relu", "log", "log_softmax", "logsumexp",
    "matmul", "max", "maximum", "mean", "min", "minimum", "relu", "sigmoid", "sin", "softmax", "sqrt",
    "stack", "sum", "tanh", "var", "where", "reshape", "transpose", "compiler", "version",
    "grad", "value_and_grad", "jacobian", "hessian", "vjp", "jvp",
    "jacfwd", "jacrev", "vmap", "compile", "CompileWarning", "CompileError",
    "gradcheck", "gradgradcheck", "GradcheckError", "detect_anomaly", "AnomalyError",
    "Tensor", "Generator", "default_generator", "accelerator", "are_deterministic_algorithms_enabled", "backends",
    "is_deterministic_algorithms_warn_only_enabled", "get_deterministic_debug_mode", "set_deterministic_debug_mode",
    "use_deterministic_algorithms", "allclose", "arange", "argmax", "argmin", "as_tensor", "cat", "clamp",
    "clone", "concat",
    "cuda", "device", "empty", "empty_like", "equal", "eye", "flatten", "from_numpy", "full", "full_like",
    "get_default_dtype", "set_default_dtype", "is_tensor", "range", "linspace", "logspace", "manual_seed", "mm", "norm",
    "numel", "ones",
    "ones_like", "permute", "pow", "prod", "rand", "rand_like", "randint", "randn", "randn_like", "randperm", "squeeze",
    "std", "tensor", "unsqueeze", "zeros", "zeros_like", "utils", "autograd", "func",
    "linalg", "det", "inverse", "logdet", "matrix_power", "slogdet",
    "svd", "pinverse", "qr", "matrix_exp", "cholesky_solve", "cholesky_inverse", "lu_unpack",  # stop 26
    "geqrf", "orgqr", "ormqr",
    "lu", "lu_solve", "triangular_solve", "adjoint", "nuclear_norm", "frobenius_norm", "svd_lowrank", "pca_lowrank",
    "solve", "symeig", "lstsq", "eig", "matrix_rank",
    "add", "sub", "subtract", "mul", "multiply", "div", "divide", "neg", "square", "inference_mode", "save", "load",
    "from_dlpack", "to_dlpack",
    "get_num_threads", "set_num_threads", "set_printoptions",
    "BoolTensor", "ByteTensor", "CharTensor", "DoubleTensor", "FloatTensor", "HalfTensor", "IntTensor", "LongTensor",
    "ShortTensor", "get_default_device", "set_default_device",
    "gather", "scatter", "scatter_add", "index_select", "index_add", "index_copy", "index_fill", "take",
    "masked_select", "narrow", "flip", "roll", "tril",
    "triu", "diagonal", "diag", "trace", "cumsum", "cumprod", "sort", "argsort", "topk",
    "eq", "ne", "gt", "ge", "lt", "le", "isnan", "isinf", "isfinite", "isclose", "log1p", "expm1", "log2", "log10",
    "tan", "asin", "acos", "atan", "arcsin", "arccos", "arctan", "arctan2", "sinh", "cosh", "atan2", "reciprocal",
    "asinh", "acosh", "atanh", "arcsinh", "arccosh", "arctanh",
    "rsqrt", "lerp", "addcmul", "addcdiv", "logaddexp", "hypot", "sign", "round", "floor", "ceil", "trunc", "frac",
    "amax", "amin", "all", "any", "t", "broadcast_to", "outer", "dot", "bmm", "addmm",
    "split", "chunk", "unbind", "hstack", "vstack", "tile", "repeat_interleave", "einsum", "tensordot",
    "median", "cummax", "cummin", "diff", "nonzero", "argwhere", "unique", "bincount", "count_nonzero", "std_mean",
    "var_mean", "erf", "erfinv", "lgamma", "digamma", "polygamma",
    "igamma", "igammac", "special", "erfc", "mvlgamma", "exp2", "i0", "logaddexp2", "logit", "sinc", "xlogy",
    "float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool_", "bfloat16", "cpu", "amp",
    "set_float32_matmul_precision", "get_float32_matmul_precision",
    "autocast",
    "bool", "half", "float", "double", "short", "int", "long",
    "addbmm", "addmv", "addr", "atleast_1d", "atleast_2d", "atleast_3d", "baddbmm", "block_diag", "broadcast_shapes",
    "broadcast_tensors", "cartesian_prod", "cdist", "chain_matmul", "column_stack", "combinations", "cross",
    "diag_embed", "diagflat", "dsplit", "dstack", "fliplr", "flipud", "hsplit", "inner", "kron", "meshgrid",
    "moveaxis", "movedim", "mv", "ravel", "rot90", "row_stack", "select", "split_with_sizes", "swapaxes", "swapdims",
    "take_along_dim", "tensor_split", "tril_indices", "triu_indices", "unflatten", "unravel_index", "vdot", "vsplit",
    "absolute", "aminmax", "bucketize", "can_cast", "clamp_max", "clamp_min", "copysign", "corrcoef", "cov",
    "cumulative_trapezoid", "deg2rad", "finfo", "fix", "float_power", "floor_divide", "fmax", "fmin", "fmod", "greater",
    "greater_equal", "heaviside", "histc", "histogram", "iinfo", "is_complex", "is_floating_point", "is_nonzero",
    "is_same_size",
    "isneginf", "isposinf", "kthvalue", "less", "less_equal", "logcumsumexp", "logical_and", "logical_not",
    "logical_or", "logical_xor", "mode", "nan_to_num", "nanmean", "nanmedian", "nanquantile", "nansum", "negative",
    "not_equal", "positive", "promote_types", "quantile", "rad2deg", "remainder", "renorm", "result_type",
    "searchsorted", "signbit", "trapezoid", "trapz", "true_divide",
    "dist", "rsub", "gradient", "hardshrink", "prelu",
    "bernoulli", "get_rng_state", "initial_seed", "multinomial", "normal", "poisson", "randint_like", "seed",
    "set_rng_state",
    "bitwise_and", "bitwise_left_shift", "bitwise_not", "bitwise_or", "bitwise_right_shift", "bitwise_xor",
    "diagonal_scatter", "frexp", "gcd", "histogramdd", "index_put", "index_reduce", "isin", "lcm", "ldexp",
    "masked_scatter", "msort", "narrow_copy", "nextafter", "put", "scatter_reduce", "select_scatter", "sgn",
    "slice_scatter", "unique_consecutive", "vander",
    "selu", "celu", "rrelu", "threshold", "selu_", "celu_", "rrelu_", "threshold_", "gcd_", "lcm_", "ldexp_",
    "index_put_", "xlogy_",
    "e", "inf", "nan", "pi", "newaxis",  # constants
    "strided", "memory_format", "channels_last", "channels_last_3d", "contiguous_format", "preserve_format", "layout",
    "dtype", "as_strided", "as_strided_scatter",
]

from .torch_functions import IN_PLACE_FUNCTIONS  # torch.relu_(x), torch.floor_(x), ...: x's in-place method (stop 26)

globals().update(IN_PLACE_FUNCTIONS)
__all__ += list(IN_PLACE_FUNCTIONS)
__all__ += ["complex32", "complex64", "complex128", "chalf", "cfloat", "cdouble", "complex", "polar", "view_as_complex",
            "view_as_real", "fft"]

# Names loaded on first use (see _LAZY below), by the module defining them.
_TORCH_FUNCTIONAL = (
    "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "max_pool1d",
    "max_pool2d", "max_pool3d", "avg_pool1d", "adaptive_avg_pool1d", "adaptive_max_pool1d", "dropout",
    "alpha_dropout", "feature_alpha_dropout", "dropout_", "alpha_dropout_", "feature_alpha_dropout_", "layer_norm",
    "feature_dropout", "feature_dropout_", "max_pool1d_with_indices",
    "group_norm", "batch_norm", "instance_norm", "rms_norm", "embedding", "pixel_shuffle", "pixel_unshuffle",
    "channel_shuffle", "cosine_similarity", "pairwise_distance", "pdist", "bilinear", "kl_div",
    "binary_cross_entropy_with_logits", "margin_ranking_loss", "hinge_embedding_loss", "cosine_embedding_loss",
    "triplet_margin_loss", "poisson_nll_loss", "ctc_loss",
)
_TENSOR_FUNCTIONS = (
    "asarray", "scalar_tensor", "empty_strided", "detach", "fill", "masked_fill", "real", "imag", "conj",
    "conj_physical", "angle", "resolve_conj", "_neg_view",
    "resolve_neg", "is_conj", "is_neg", "is_signed", "is_inference", "get_device", "isreal", "ger", "unsafe_chunk",
    "unsafe_split", "unsafe_split_with_sizes", "cholesky", "frombuffer", "cond", "while_loop",
)
_WINDOWS = ("hann_window", "hamming_window", "bartlett_window", "blackman_window", "kaiser_window")
_TORCH_GLOBALS = (
    "set_default_tensor_type", "is_anomaly_enabled", "set_anomaly_enabled", "is_anomaly_check_nan_enabled",
    "is_inference_mode_enabled", "get_num_interop_threads", "set_num_interop_threads", "set_warn_always",
    "is_warn_always_enabled", "set_flush_denormal", "typename", "is_storage",
)
_SPARSE = ("sparse_coo_tensor", "spmm", "smm", "hspmm", "sparse_coo")  # the sparse COO layout (sparse_functions.py)
_SPARSE_COMPRESSED = (  # the CSR, CSC, BSR and BSC layouts (compressed_construction.py, compressed_tensor.py)
    "sparse_csr_tensor", "sparse_csc_tensor", "sparse_bsr_tensor", "sparse_bsc_tensor", "sparse_compressed_tensor",
    "sparse_csr", "sparse_csc", "sparse_bsr", "sparse_bsc")
__all__ += [*_TORCH_FUNCTIONAL, *_TENSOR_FUNCTIONS, *_WINDOWS, *_TORCH_GLOBALS, *_SPARSE, *_SPARSE_COMPRESSED, "sparse"]
# torch.diagonal_copy, ... (view_copies.py): the view op, then a copy that owns its memory
_MORE_TORCH_NAMES = {
    **{name: "view_copies" for name in (
        "alias_copy", "as_strided_copy", "detach_copy", "diagonal_copy", "expand_copy", "permute_copy", "select_copy",
        "slice_copy", "split_copy", "split_with_sizes_copy", "squeeze_copy", "t_copy", "transpose_copy",
        "unbind_copy", "unfold_copy", "unsqueeze_copy", "view_copy")},
    # torch.lstm_cell, torch.lstm (flat parameters), ...: nn/rnn.py's math without modules (nn/functional_rnn.py)
    **{name: "nn.functional_rnn" for name in (
        "rnn_tanh_cell", "rnn_relu_cell", "lstm_cell", "gru_cell", "rnn_tanh", "rnn_relu", "lstm", "gru")},
    # torch.binomial, torch.nonzero_static, torch.segment_reduce, torch.detach_, ... (tensor_gaps.py)
    **{name: "tensor_gaps" for name in (
        "binomial", "empty_permuted", "nonzero_static", "norm_except_dim", "segment_reduce", "detach_", "resize_as_",
        "as_strided_")},
    # torch.convolution, torch.native_layer_norm, torch.embedding_bag, ...: ATen's names for nn's computations
    **{name: "nn.native" for name in (
        "convolution", "conv_tbc", "constant_pad_nd", "native_layer_norm", "native_group_norm", "native_batch_norm",
        "native_dropout", "native_channel_shuffle", "grid_sampler", "affine_grid_generator", "embedding_bag")},
    "thread_safe_generator": "random",  # torch.thread_safe_generator is torch.random's
    "stft": "spectral", "istft": "spectral",  # compositions of frames, a window and torch.fft (spectral.py)
}
__all__ += list(_MORE_TORCH_NAMES)

newaxis = None  # torch.newaxis: x[:, torch.newaxis] adds an axis, as None does

# Importing the package loads the node, the engine, the primitives and PyTorch's functions on them (tensor.py,
# torch_functions.py); the rest loads on first use (PEP 562): `autograd_core.nn`, `autograd_core.compile`, `from
# autograd_core import grad`, ... resolve as before, only later. nn, optim and viz are never imported by the core (the
# engine does not depend on them); the others are left out because few scripts use them and each costs import time (jit:
# the compiler; utils: data loading; autograd: forward_ad, Function; functional: the transforms). Every module that
# registers primitives (ops/) stays eager, so `ops.PRIMITIVES` is complete once `autograd_core` is imported
# (tests/test_import_time.py checks both).
_SUBMODULES = (  # the public packages, then the modules that used to load with the package (reachable as before)
    "nn", "optim", "viz", "distributions", "autograd", "func", "utils", "special", "distributed", "testing",
    "anomaly", "element", "forward", "functional", "jit", "jit_plan", "serialization", "tracing", "trees",
    "multiprocessing", "amp", "random", "compiler", "version", "profiler", "signal", "sparse", "fft", "hub", "types",
    "futures", "cuda", "cpu",  # modules, as PyTorch's: `import torch.cuda`, `from torch.cuda import amp`
)
_LAZY = {  # public name -> (defining module, its name there)
    **{name: ("functional", name)
       for name in ("grad", "hessian", "jacobian", "jvp", "value_and_grad", "vjp", "vmap", "jacfwd", "jacrev")},
    **{name: ("anomaly", name) for name in ("AnomalyError", "detect_anomaly")},
    "compile": ("jit", "compile"), "CompileWarning": ("jit", "CompileWarning"),
    "CompileError": ("jit", "CompileError"),
    "autocast": ("amp", "autocast"),  # torch.autocast is torch.amp.autocast
    "is_autocast_enabled": ("amp", "is_autocast_enabled"), "get_autocast_dtype": ("amp", "get_autocast_dtype"),
    "load": ("serialization", "load"), "save": ("serialization", "save"),
    "from_dlpack": ("utils.dlpack", "from_dlpack"), "to_dlpack": ("utils.dlpack", "to_dlpack"),  # torch.from_dlpack
    "TypedStorage": ("storage", "TypedStorage"), "UntypedStorage": ("storage", "UntypedStorage"),
    # torch.selu, torch.threshold_, ...: nn.functional's, loaded on first use (the core does not import nn)
    **{name: ("nn.functional", name)
       for name in ("selu", "celu", "threshold", "selu_", "celu_", "threshold_", "hardshrink", "prelu")},
    "rrelu": ("nn.torch_activations", "rrelu"), "rrelu_": ("nn.torch_activations", "rrelu_"),  # generator=, not inplace
    # torch.conv2d, torch.layer_norm, torch.dropout(input, p, train), torch.kl_div(..., reduction=1), ...:
    # nn.functional's with PyTorch's top-level signatures (nn/torch_functional.py, loaded on first use)
    **{name: "nn.torch_functional" for name in _TORCH_FUNCTIONAL},
    **{name: "tensor_functions" for name in _TENSOR_FUNCTIONS},  # torch.asarray, torch.fill, torch.conj, ...
    **{name: "windows" for name in _WINDOWS},  # torch.hann_window, ...
    **{name: "torch_globals" for name in _TORCH_GLOBALS},  # torch.set_default_tensor_type, torch.typename, ...
    **_MORE_TORCH_NAMES,
    **{name: "sparse_functions" for name in _SPARSE[:-1]},  # torch.sparse_coo_tensor, torch.spmm, torch.smm, ...
    "sparse_coo": "sparse_layouts",  # torch.sparse_coo
    **{name: "compressed_construction" for name in _SPARSE_COMPRESSED},  # torch.sparse_csr_tensor, torch.sparse_csr
}


# The primitives under torch's names check their inputs as PyTorch's functions do (a NumPy array is a TypeError, a
# gradient a tensor); library code that means arrays calls autograd_core.ops (tensor_inputs.py).
from .tensor_inputs import tensor_functions as _tensor_functions  # noqa: E402

globals().update(_tensor_functions(globals()))

__getattr__, __dir__ = lazy_attributes(__name__, globals(), _SUBMODULES, _LAZY)

# NumPy's float warnings (log(0), 1/0, 0·inf, exp overflowing) from our own code are silent, as PyTorch's: a filter
# first in the list, and the engine's dispatch and backward pass (float_errors.py; the user's own NumPy code still
# warns, and np.seterr(all="raise") still raises).
from .float_errors import install_filter as _install_filter  # noqa: E402

_install_filter()
del _install_filter
