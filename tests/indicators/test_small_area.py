"""Small-area estimates: inputs from the published cells only, and the EBLUP as samplics computes it."""

import numpy as np
import polars as pl
import pytest

from indicators.small_area import COVARIATES, area_covariates, direct_inputs, small_area_estimates

M = 30  # buurten


def _frames(seed: int = 18, hidden_value: float = 90.0):
    """M buurten of one year: published survey shares (%) with Kish statistics and six register shares."""
    rng = np.random.default_rng(seed)
    codes = [f"BU{i:08d}" for i in range(M)]
    covs = rng.uniform(5, 40, (M, len(COVARIATES)))
    truth = 20 + 0.3 * covs[:, 0] + rng.normal(0, 3, M)
    n = rng.integers(30, 90, M).astype(float)
    value = np.clip(truth + rng.normal(0, 1, M) * np.sqrt(truth * (100 - truth) / n), 1, 99)
    suppressed = np.zeros(M, bool)
    suppressed[0] = True
    value[0] = hidden_value  # what a suppressed cell would say: it must not move any published model value
    key = {"period": 2024, "area_level": "buurt", "stratum": "totaal"}
    survey = pl.DataFrame({"indicator_id": "ph_eenzaam", "area_code": codes, "value": value,
                           "suppressed": suppressed, **key})
    register = pl.concat([pl.DataFrame({"indicator_id": name, "area_code": codes, "value": covs[:, j],
                                        "suppressed": False, **key}) for j, name in enumerate(COVARIATES)])
    published = pl.concat([survey, register], how="diagonal_relaxed")
    # every respondent weight 1.2 (sum w = 1.2 n, sum w^2 = 1.44 n): Kish n_eff = n
    cells = survey.select("indicator_id", "period", "area_code", "area_level", "stratum",
                          sw=pl.Series(1.2 * n), sw2=pl.Series(1.44 * n))
    return cells, published, covs, n


def test_direct_inputs_use_the_published_value_and_the_kish_n():
    cells, published, _, n = _frames()
    direct = direct_inputs(cells, published, ["ph_eenzaam"])
    assert direct["n_eff"].to_numpy() == pytest.approx(n)  # (1.2 n)^2 / (1.44 n) = n
    assert direct["published"].to_list() == [False] + [True] * (M - 1)
    assert direct["direct"][1] == pytest.approx(published["value"][1] / 100)


def test_a_suppressed_direct_cell_gets_no_model_value_and_moves_none():
    cells, published, _, _ = _frames(hidden_value=90.0)
    first = small_area_estimates(direct_inputs(cells, published, ["ph_eenzaam"]), area_covariates(published))
    cells, published, _, _ = _frames(hidden_value=2.0)
    second = small_area_estimates(direct_inputs(cells, published, ["ph_eenzaam"]), area_covariates(published))
    assert first.height == M - 1 and "BU00000000" not in first["area_code"].to_list()
    assert first["value"].to_numpy() == pytest.approx(second["value"].to_numpy(), rel=1e-12)


def test_the_estimates_are_samplics_eblup_on_the_same_inputs():
    samplics = pytest.importorskip("samplics")
    from samplics.utils.types import FitMethod

    cells, published, covs, _ = _frames()
    out = small_area_estimates(direct_inputs(cells, published, ["ph_eenzaam"]), area_covariates(published))
    # samplics on the raw covariates (shares 0-1; our fit standardises them, which leaves the EBLUP unchanged)
    y = published.filter(pl.col("indicator_id") == "ph_eenzaam")["value"].to_numpy()[1:] / 100
    psi = out["psi"].to_numpy() / 1e4
    model = samplics.EblupAreaModel(method=FitMethod.reml)
    area = np.arange(M - 1)
    model.fit(yhat=y, X=covs[1:] / 100, area=area, error_std=np.sqrt(psi), re_std_start=0.02, tol=1e-12,
              maxiter=500)
    model.predict(X=covs[1:] / 100, area=area)
    assert out["value"].to_numpy() == pytest.approx(np.array([model.area_est[i] for i in area]) * 100, rel=1e-6)
    mse = np.array([model.area_mse[i] for i in area])
    assert out["ci_high"].to_numpy() == pytest.approx(
        np.minimum(np.array([model.area_est[i] for i in area]) + 1.959964 * np.sqrt(mse), 1) * 100, rel=1e-5)
