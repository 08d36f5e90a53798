"""Comparison with the region on hand cases, in its scalar, numpy and polars forms."""

import numpy as np
import polars as pl
import pytest

from indicators.methods import compare_to_reference, compare_to_reference_array, compare_to_reference_expr

CASES = [
    # (ci_low, ci_high, region, expected)
    (12.0, 15.0, 10.0, "hoger"),  # CI wholly above the region
    (5.0, 8.0, 10.0, "lager"),  # CI wholly below
    (8.0, 12.0, 10.0, "geen_verschil"),  # CI includes the region
    (10.0, 12.0, 10.0, "geen_verschil"),  # region on the boundary counts as included
    (8.0, 10.0, 10.0, "geen_verschil"),
    (float("nan"), 12.0, 10.0, None),  # suppressed cell: no comparison
    (8.0, 12.0, None, None),
]


@pytest.mark.parametrize(("low", "high", "ref", "expected"), CASES)
def test_compare_to_reference(low, high, ref, expected):
    assert compare_to_reference(low, high, ref) == expected


def test_array_and_expression_agree_with_the_scalar_version():
    low, high, ref, expected = (list(col) for col in zip(*CASES, strict=True))
    ref_f = [np.nan if r is None else r for r in ref]
    assert compare_to_reference_array(low, high, ref_f).tolist() == expected
    frame = pl.DataFrame({"low": low, "high": high, "ref": ref_f}).with_columns(pl.col("low").fill_nan(None))
    got = frame.select(c=compare_to_reference_expr("low", "high", "ref"))["c"].to_list()
    assert got == expected
    # a constant reference (the region value) as a plain number
    got = frame.select(c=compare_to_reference_expr("low", "high", 10.0))["c"].to_list()
    assert got == ["hoger", "lager", "geen_verschil", "geen_verschil", "geen_verschil", None, "geen_verschil"]
