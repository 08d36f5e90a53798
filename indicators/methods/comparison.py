"""Comparison of an area with a reference value (the region): hoger, lager or geen_verschil."""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
import numpy.typing as npt
import polars as pl

from indicators.methods.intervals import as_float

Comparison = Literal["hoger", "lager", "geen_verschil"]
HOGER: Comparison = "hoger"
LAGER: Comparison = "lager"
GEEN_VERSCHIL: Comparison = "geen_verschil"


def _missing(x: float | None) -> bool:
    return x is None or math.isnan(x)


def compare_to_reference(
    ci_low: float | None, ci_high: float | None, reference_value: float | None
) -> Comparison | None:
    """`hoger` / `lager` when the area's CI lies wholly above / below the reference, else `geen_verschil`.

    The usual CI-overlap-with-a-point test of public-health profiles (APHO Technical Briefing 3):
    a reference on the boundary counts as included. None when the CI or the
    reference is missing (e.g. a suppressed cell), so no comparison is published.
    """
    if _missing(ci_low) or _missing(ci_high) or _missing(reference_value):
        return None
    if ci_low > reference_value:
        return HOGER
    if ci_high < reference_value:
        return LAGER
    return GEEN_VERSCHIL


def compare_to_reference_array(
    ci_low: npt.ArrayLike, ci_high: npt.ArrayLike, reference_value: npt.ArrayLike
) -> npt.NDArray[np.object_]:
    """Vectorised `compare_to_reference` for numpy arrays: an object array of labels, None where missing."""
    lo, hi, ref = np.broadcast_arrays(as_float(ci_low), as_float(ci_high), as_float(reference_value))
    missing = np.isnan(lo) | np.isnan(hi) | np.isnan(ref)
    out = np.full(lo.shape, GEEN_VERSCHIL, dtype=object)
    out[lo > ref] = HOGER
    out[hi < ref] = LAGER
    out[missing] = None
    return out


def _as_expr(x: str | pl.Expr | float | None) -> pl.Expr:
    if isinstance(x, pl.Expr):
        return x
    return pl.col(x) if isinstance(x, str) else pl.lit(x, dtype=pl.Float64)


def compare_to_reference_expr(
    ci_low: str | pl.Expr, ci_high: str | pl.Expr, reference_value: str | pl.Expr | float | None
) -> pl.Expr:
    """`compare_to_reference` as a polars expression (String; null where any input is null or NaN)."""
    lo, hi, ref = (_as_expr(x).cast(pl.Float64) for x in (ci_low, ci_high, reference_value))
    missing = pl.any_horizontal(e.is_null() | e.is_nan() for e in (lo, hi, ref))
    return (
        pl.when(missing)
        .then(pl.lit(None, dtype=pl.String))
        .when(lo > ref)
        .then(pl.lit(HOGER))
        .when(hi < ref)
        .then(pl.lit(LAGER))
        .otherwise(pl.lit(GEEN_VERSCHIL))
    )
