"""Few-cluster inference against an independent computation: statsmodels for the CR1 standard error and the
t(G-1) interval, and a brute-force wild cluster bootstrap that refits statsmodels for every Rademacher sign
pattern (Roodman et al. 2019: restricted residuals, y* = fitted_r + v_g u_r)."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from scipy import stats

from indicators.methods.few_clusters import (
    cluster_robust_t,
    minimum_detectable_effect,
    wild_cluster_inference,
)


def _panel(buurten: int, treated: int) -> pd.DataFrame:
    """A buurt x year panel (3 years, the last two after the start) with uneven rates and exposures."""
    rng = np.random.default_rng(7)
    rows = [{"buurt": f"B{b}", "year": year, "treated": int(b < treated), "post": int(year >= 2023),
             "rate": 70 + 3 * b + 2 * (year - 2022) + rng.normal(0, 4) - 5 * (b < treated) * (year >= 2023),
             "exposure": 500.0 + 100 * b + 10 * (year - 2022)}
            for b in range(buurten) for year in (2022, 2023, 2024)]
    frame = pd.DataFrame(rows)
    frame["did"] = frame["treated"] * frame["post"]
    return frame


def _ours(frame: pd.DataFrame, **kwargs):
    controls = pd.get_dummies(frame[["buurt", "year"]].astype(str), drop_first=False).to_numpy(float)
    return wild_cluster_inference(frame["rate"], frame["did"], controls, frame["buurt"], frame["exposure"],
                                  **kwargs)


def _fit(frame: pd.DataFrame, y: str = "rate"):
    return smf.wls(f"{y} ~ did + C(buurt) + C(year)", data=frame, weights=frame["exposure"]).fit(
        cov_type="cluster", cov_kwds={"groups": pd.factorize(frame["buurt"])[0]}, use_t=True)


def _brute_force_p(frame: pd.DataFrame, b0: float) -> float:
    """Every sign pattern: impose did = b0, perturb the restricted residuals per buurt, refit, compare |t|."""
    data = frame.assign(y0=frame["rate"] - b0 * frame["did"])
    restricted = smf.wls("y0 ~ C(buurt) + C(year)", data=data, weights=data["exposure"]).fit()
    fit = _fit(frame)
    t = (fit.params["did"] - b0) / fit.bse["did"]
    buurten = sorted(frame["buurt"].unique())
    extreme = 0
    for signs in itertools.product((-1.0, 1.0), repeat=len(buurten)):
        v = frame["buurt"].map(dict(zip(buurten, signs, strict=True)))
        star = data.assign(ystar=restricted.fittedvalues + b0 * frame["did"] + v * restricted.resid)
        refit = _fit(star, "ystar")
        extreme += abs((refit.params["did"] - b0) / refit.bse["did"]) >= abs(t) * (1 - 1e-9)
    return extreme / 2 ** len(buurten)


def test_standard_error_and_t_interval_match_statsmodels_cluster_with_g_minus_1_df():
    frame = _panel(buurten=4, treated=2)
    ours, fit = _ours(frame), _fit(frame)
    assert ours.estimate == pytest.approx(fit.params["did"], rel=1e-9)
    assert ours.se == pytest.approx(fit.bse["did"], rel=1e-9)
    low, high = fit.conf_int().loc["did"]  # statsmodels: t with G - 1 = 3 degrees of freedom
    assert ours.t_ci == pytest.approx((low, high), rel=1e-9)
    assert ours.clusters == 4


def test_bootstrap_p_value_equals_exhaustive_rademacher_enumeration_for_four_clusters():
    frame = _panel(buurten=4, treated=2)
    ours = _ours(frame, kind="rademacher")
    assert ours.enumerated and ours.replications == 16
    assert ours.p_value == pytest.approx(_brute_force_p(frame, 0.0))
    # 16 patterns: the smallest attainable p is 2/16 > 0.05, so no value is rejected: the interval is unbounded
    assert ours.boot_ci == (None, None)


def test_bootstrap_interval_is_the_inverted_test_for_six_clusters():
    frame = _panel(buurten=6, treated=3)
    ours = _ours(frame, kind="rademacher")
    assert ours.replications == 64 and ours.p_value == pytest.approx(_brute_force_p(frame, 0.0))
    low, high = ours.boot_ci
    assert low < ours.estimate < high
    step = 1e-4 * (high - low)
    # just inside each bound the brute-force test does not reject at 5 %, just outside it does
    assert _brute_force_p(frame, low + step) > 0.05 >= _brute_force_p(frame, low - step)
    assert _brute_force_p(frame, high - step) > 0.05 >= _brute_force_p(frame, high + step)


def test_webb_weights_are_drawn_when_enumeration_is_too_large_and_reproducible():
    frame = _panel(buurten=8, treated=3)  # 6^8 patterns > 9999: drawn with a fixed seed
    first, second = _ours(frame), _ours(frame)
    assert not first.enumerated and first.replications == 9999
    assert first == second


def test_minimum_detectable_effect_by_hand():
    # normal: (1.959964 + 0.841621) x 2 = 5.603171
    assert minimum_detectable_effect(2.0) == pytest.approx(5.603171, abs=1e-6)
    # t with 4 df: t(0.975) = 2.776445, t(0.8) = 0.940965 -> (2.776445 + 0.940965) x 2 = 7.43482
    assert minimum_detectable_effect(2.0, df=4) == pytest.approx(7.43482, abs=1e-4)
    assert stats.t.ppf(0.975, 4) == pytest.approx(2.776445, abs=1e-6)


def test_cluster_robust_t_matches_statsmodels_with_many_clusters_and_collinear_dummies():
    # 200 persons x 3 years, clustered by person; the controls hold an intercept and every level of year and
    # sex (collinear with the intercept), which the SVD basis must handle as statsmodels' formula does
    rng = np.random.default_rng(11)
    frame = pd.DataFrame({"person": np.repeat(np.arange(200), 3), "year": np.tile([2022, 2023, 2024], 200)})
    frame["treated"] = (frame["person"] < 40).astype(int)
    frame["sex"] = np.where(frame["person"] % 2 == 0, "M", "V")
    frame["did"] = frame["treated"] * (frame["year"] >= 2023)
    frame["w"] = rng.uniform(0.5, 1.0, len(frame))
    frame["y"] = rng.normal(0, 1, len(frame)) + 0.3 * frame["did"] + rng.normal(0, 1, 200)[frame["person"]]
    fit = smf.wls("y ~ did + treated + C(year) + C(sex)", data=frame, weights=frame["w"]).fit(
        cov_type="cluster", cov_kwds={"groups": frame["person"]}, use_t=True)
    controls = np.column_stack([np.ones(len(frame)), frame["treated"],
                                pd.get_dummies(frame[["year", "sex"]].astype(str)).to_numpy(float)])
    ours = cluster_robust_t(frame["y"], frame["did"], controls, frame["person"], frame["w"])
    assert ours.estimate == pytest.approx(fit.params["did"], rel=1e-9)
    assert ours.se == pytest.approx(fit.bse["did"], rel=1e-9)
    assert ours.ci == pytest.approx(tuple(fit.conf_int().loc["did"]), rel=1e-9)
    assert ours.p_value == pytest.approx(fit.pvalues["did"], rel=1e-9)
