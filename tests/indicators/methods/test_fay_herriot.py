"""Fay–Herriot EBLUP against a balanced case worked by hand and against samplics' EblupAreaModel."""

import numpy as np
import pytest

from indicators.methods.fay_herriot import eblup_interval, fay_herriot, moment_sigma2, reml_sigma2


def test_balanced_case_by_hand():
    # equal psi, intercept only: REML and the FH moment equation both give sigma2_u = S^2 - psi
    # y = 0.1, 0.2, 0.3, 0.4, 0.5: mean 0.3, S^2 = (0.04 + 0.01 + 0 + 0.01 + 0.04) / 4 = 0.025; psi = 0.01
    y = np.array([0.1, 0.2, 0.3, 0.4, 0.5])
    x = np.ones((5, 1))
    psi = np.full(5, 0.01)
    assert reml_sigma2(y, x, psi)[0] == pytest.approx(0.015, rel=1e-8)
    assert moment_sigma2(y, x, psi)[0] == pytest.approx(0.015, rel=1e-8)
    fit = fay_herriot(y, x, psi)
    # gamma = 0.015 / 0.025 = 0.6: EBLUP of the first area = 0.6 * 0.1 + 0.4 * 0.3 = 0.18
    assert fit.gamma == pytest.approx(np.full(5, 0.6))
    assert fit.eblup[0] == pytest.approx(0.18)
    # g1 = 0.6 * 0.01 = 0.006; g2 = 0.4^2 * v / m = 0.16 * 0.025 / 5 = 0.0008;
    # g3 = 0.4^2 * (2 / (5 / 0.025^2)) / 0.025 = 0.16 * 0.00025 / 0.025 = 0.0016; MSE = g1 + g2 + 2 g3 = 0.01
    assert fit.mse[0] == pytest.approx(0.006 + 0.0008 + 2 * 0.0016)


def test_no_area_variance_gives_the_synthetic_estimate():
    # direct estimates closer together than their sampling error: sigma2_u = 0, EBLUP = regression (here the GLS mean)
    y = np.array([0.30, 0.31, 0.29, 0.30])
    fit = fay_herriot(y, np.ones((4, 1)), np.full(4, 0.01))
    assert fit.sigma2_u == 0.0
    assert fit.eblup == pytest.approx(np.full(4, 0.30))


@pytest.mark.parametrize(("ours", "theirs"), [("reml", "REML"), ("fh", "FH")])
def test_against_samplics(ours, theirs):
    samplics = pytest.importorskip("samplics")
    rng = np.random.default_rng(18)
    m = 80
    cov = rng.uniform(0, 1, (m, 2))
    psi = rng.uniform(0.001, 0.01, m)
    theta = 0.2 + cov @ np.array([0.1, -0.05]) + rng.normal(0, 0.04, m)
    y = theta + rng.normal(0, np.sqrt(psi))
    from samplics.utils.types import FitMethod
    model = samplics.EblupAreaModel(method=FitMethod[theirs.lower()])
    model.fit(yhat=y, X=cov, area=np.arange(m), error_std=np.sqrt(psi), re_std_start=0.05, tol=1e-12, maxiter=500)
    model.predict(X=cov, area=np.arange(m))
    fit = fay_herriot(y, np.column_stack([np.ones(m), cov]), psi, method=ours)
    assert fit.sigma2_u == pytest.approx(model.re_std ** 2, rel=1e-6)
    assert fit.beta == pytest.approx(model.fixed_effects, rel=1e-6)
    assert fit.eblup == pytest.approx(np.array([model.area_est[i] for i in range(m)]), rel=1e-6)
    assert fit.mse == pytest.approx(np.array([model.area_mse[i] for i in range(m)]), rel=1e-5)


def test_interval_is_clipped_to_a_share():
    low, high = eblup_interval([0.02, 0.5], [0.0004, 0.0001])
    # 0.02 - 1.96 * 0.02 < 0 -> 0; 0.5 +- 1.96 * 0.01
    assert low == pytest.approx([0.0, 0.5 - 0.0196], abs=1e-4)
    assert high == pytest.approx([0.02 + 1.959964 * 0.02, 0.5 + 1.959964 * 0.01])
