"""Print the Chebyshev coefficients of erfcx(x) = exp(x²)·erfc(x) on the pieces of autograd_core/ops/special_kernels.py
(`_ERFCX_PIECES`), computed with mpmath at 50 digits and rounded once to float64.

Each piece [lo, hi] of degree n: the polynomial that interpolates erfcx at the n + 1 Chebyshev points of [lo, hi],
whose coefficients are a discrete cosine transform of the values there. Computed here once, not at import: a float64
solve of that system at import rounded differently with each BLAS kernel (OpenBLAS's SkylakeX against its Haswell
kernel moved ndtri by an ulp), so the library's numbers depended on the machine.

    .venv/bin/python scripts/gen_erfcx_coefficients.py     # needs mpmath (a test extra)
"""

import mpmath

EDGES = (0.5, 1.0, 2.0, 3.5, 6.0, 10.0, 16.0, 26.0)
# The degree where the Chebyshev coefficients of each piece fall below 2e-17 of the first, +1.
DEGREES = (15, 17, 18, 19, 19, 19, 20)


def chebyshev_coefficients(lo, hi, degree, digits=50):
    """float64 Chebyshev coefficients c₀..c_degree of erfcx on [lo, hi] in t = (2x − lo − hi)/(hi − lo)."""
    with mpmath.workdps(digits):
        count = degree + 1
        angles = [mpmath.pi * (k + mpmath.mpf(1) / 2) / count for k in range(count)]
        middle, half = (mpmath.mpf(lo) + hi) / 2, (mpmath.mpf(hi) - lo) / 2
        values = [mpmath.erfc(x) * mpmath.exp(x * x) for x in (middle + half * mpmath.cos(a) for a in angles)]
        coefficients = [2 * mpmath.fsum(v * mpmath.cos(j * a) for v, a in zip(values, angles)) / count
                        for j in range(count)]
        coefficients[0] /= 2
        return tuple(float(c) for c in coefficients)


def pieces():
    return [(lo, hi, chebyshev_coefficients(lo, hi, n)) for lo, hi, n in zip(EDGES[:-1], EDGES[1:], DEGREES)]


if __name__ == "__main__":
    print("_ERFCX_PIECES = (")
    for lo, hi, coefficients in pieces():
        print(f"    ({lo}, {hi}, (")
        row = "        "
        for c in coefficients:
            text = f"{c!r}, "
            if len(row) + len(text) > 120:
                print(row.rstrip())
                row = "        "
            row += text
        print(row.rstrip())
        print("    )),")
    print(")")
