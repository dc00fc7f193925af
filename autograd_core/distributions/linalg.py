"""The two matrix primitives MultivariateNormal needs, cholesky and solve_triangular: they live in the core
(autograd_core/ops/linalg.py, public as autograd_core.linalg) and are re-exported here for the distributions."""

from __future__ import annotations

from ..ops.linalg import cholesky, solve_triangular

__all__ = ["cholesky", "solve_triangular"]
