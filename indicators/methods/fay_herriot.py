"""Fay–Herriot area-level model: EBLUP of small-area means with REML and the Prasad–Rao MSE.

The direct estimate of area i is y_i = theta_i + e_i with known sampling variance psi_i, and
theta_i = x_i' beta + u_i with u_i ~ N(0, sigma2_u) (Fay & Herriot 1979). The EBLUP
theta_i = gamma_i y_i + (1 - gamma_i) x_i' beta, gamma_i = sigma2_u / (sigma2_u + psi_i), leans on the
area's own survey answers where they are precise and on the register covariates where they are not.
sigma2_u is estimated by REML with Fisher scoring (Rao & Molina 2015, section 6.1.2) or by the
Fay–Herriot moment equation (ibid., 6.1.2, eq. 6.1.14); the MSE is the second-order Prasad–Rao
approximation g1 + g2 + 2 g3 (Prasad & Rao 1990; Datta & Lahiri 2000 for REML; Rao & Molina 2015, 6.2.1),
which is what samplics' EblupAreaModel computes (tests/indicators/methods/test_fay_herriot.py checks
against it). All vectorised over areas: no m x m matrix, so a region of thousands of buurten stays cheap.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from indicators.methods.intervals import Z95, FloatArray


class FayHerriot(NamedTuple):
    """Per-area EBLUP, its MSE and shrinkage factor, with the fitted model parameters."""

    eblup: FloatArray       # gamma y + (1 - gamma) x' beta
    mse: FloatArray         # Prasad–Rao g1 + g2 + 2 g3
    gamma: FloatArray       # weight of the direct estimate
    synthetic: FloatArray   # x' beta
    beta: FloatArray
    sigma2_u: float
    converged: bool


def _gls(y: FloatArray, x: FloatArray, v: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Weighted least squares beta and (X' V^-1 X)^-1 for a diagonal V."""
    xw = x / v[:, None]
    a_inv = np.linalg.pinv(x.T @ xw)
    return a_inv @ (xw.T @ y), a_inv


def _reml_step(y: FloatArray, x: FloatArray, psi: FloatArray, s2: float) -> tuple[float, float]:
    """REML score and Fisher information for sigma2_u, without forming P (Rao & Molina 2015, eq. 6.1.12)."""
    v = s2 + psi
    beta, a_inv = _gls(y, x, v)
    py = (y - x @ beta) / v                         # P y
    xv2 = x / (v * v)[:, None]
    b = a_inv @ (x.T @ xv2)                         # (X'V^-1X)^-1 X'V^-2 X
    trace_p = np.sum(1 / v) - np.trace(b)
    c = a_inv @ (x.T @ (x / (v ** 3)[:, None]))
    trace_pp = np.sum(1 / v ** 2) - 2 * np.trace(c) + np.trace(b @ b)
    return 0.5 * (py @ py - trace_p), 0.5 * trace_pp


def reml_sigma2(y: FloatArray, x: FloatArray, psi: FloatArray, start: float | None = None, tol: float = 1e-8,
                max_iter: int = 100) -> tuple[float, bool]:
    """REML estimate of the area variance by Fisher scoring, truncated at 0 (Rao & Molina 2015, 6.1.2)."""
    s2 = float(start if start is not None else max(np.var(y) - np.mean(psi), np.median(psi) / 10))
    for _ in range(max_iter):
        score, info = _reml_step(y, x, psi, s2)
        new = max(s2 + score / info, 0.0)
        if abs(new - s2) <= tol * max(s2, 1e-12):
            return new, True
        if new == 0.0 and s2 == 0.0:
            return 0.0, True
        s2 = new
    return s2, False


def moment_sigma2(y: FloatArray, x: FloatArray, psi: FloatArray, tol: float = 1e-10, max_iter: int = 100
                  ) -> tuple[float, bool]:
    """Fay–Herriot moment estimator: sum (y - x'beta)^2 / (s2 + psi) = m - p, solved by bisection, truncated at 0.

    (Fay & Herriot 1979; Rao & Molina 2015, eq. 6.1.14.) The left side decreases in s2, so bisection is safe.
    """
    m, p = x.shape

    def excess(s2: float) -> float:
        v = s2 + psi
        beta, _ = _gls(y, x, v)
        return float(np.sum((y - x @ beta) ** 2 / v)) - (m - p)

    if excess(0.0) <= 0:
        return 0.0, True
    low, high = 0.0, float(np.var(y)) + float(np.max(psi))
    while excess(high) > 0:
        high *= 2
    for _ in range(max_iter * 2):
        mid = 0.5 * (low + high)
        low, high = (mid, high) if excess(mid) > 0 else (low, mid)
        if high - low <= tol * max(high, 1e-12):
            break
    return 0.5 * (low + high), True


def fay_herriot(y: npt.ArrayLike, x: npt.ArrayLike, psi: npt.ArrayLike, method: str = "reml") -> FayHerriot:
    """EBLUP and Prasad–Rao MSE for every area with a direct estimate `y`, covariates `x` (with intercept
    column) and known sampling variance `psi` (Fay & Herriot 1979; Rao & Molina 2015, ch. 6)."""
    y, psi = np.asarray(y, float), np.asarray(psi, float)
    x = np.asarray(x, float).reshape(len(y), -1)
    s2, converged = reml_sigma2(y, x, psi) if method == "reml" else moment_sigma2(y, x, psi)
    v = s2 + psi
    beta, a_inv = _gls(y, x, v)
    synthetic = x @ beta
    gamma = s2 / v
    g1 = gamma * psi
    g2 = (1 - gamma) ** 2 * np.einsum("ij,jk,ik->i", x, a_inv, x)
    if method == "reml":
        var_s2 = 2.0 / np.sum(1 / v ** 2)          # asymptotic variance of the REML sigma2_u
        g3 = (1 - gamma) ** 2 * var_s2 / v
        mse = g1 + g2 + 2 * g3
    else:  # Datta, Rao & Smith (2005): bias correction of the moment estimator
        m = len(y)
        var_s2 = 2.0 * m / np.sum(1 / v) ** 2
        bias = 2.0 * (m * np.sum(1 / v ** 2) - np.sum(1 / v) ** 2) / np.sum(1 / v) ** 3
        g3 = (1 - gamma) ** 2 * var_s2 / v
        mse = g1 - (1 - gamma) ** 2 * bias + g2 + 2 * g3
    return FayHerriot(gamma * y + (1 - gamma) * synthetic, mse, gamma, synthetic, beta, s2, converged)


def eblup_interval(eblup: npt.ArrayLike, mse: npt.ArrayLike, low: float = 0.0, high: float = 1.0,
                   z: float = Z95) -> tuple[FloatArray, FloatArray]:
    """EBLUP +- z sqrt(MSE), clipped to the range of the quantity (a share: [0, 1])."""
    e, half = np.asarray(eblup, float), z * np.sqrt(np.asarray(mse, float))
    return np.clip(e - half, low, high), np.clip(e + half, low, high)
