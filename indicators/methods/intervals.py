"""Result shapes shared by the methods: an interval, an estimate with its interval, float arrays.

Every method takes scalars or numpy arrays (broadcast together) and returns float64 arrays of
the broadcast shape (a 0-d array or numpy float for scalar input, usable as a float), so the
indicator engine computes all cells at once. A cell that cannot be computed is NaN, never an
exception; only a malformed frame (missing columns, unmatched strata) raises.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

# Two-sided 95 % normal quantile, exact (qnorm(0.975)); the PHE/APHO tools round it to 1.959964.
Z95 = 1.959963984540054


class Interval(NamedTuple):
    """Lower and upper confidence limits."""

    low: FloatArray
    high: FloatArray


class Estimate(NamedTuple):
    """A point estimate with its confidence limits."""

    value: FloatArray
    low: FloatArray
    high: FloatArray


def as_float(x: npt.ArrayLike) -> FloatArray:
    """Input as a float64 array; None becomes NaN so missing cells flow through as NaN."""
    return np.asarray(x, dtype=np.float64)
