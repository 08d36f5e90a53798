"""Inference for one regression coefficient when the clusters are few: the restricted wild cluster bootstrap,
t(G-1) critical values, and the minimum detectable effect.

A difference-in-differences on buurt panels has a handful of treated buurten (3 to 5). A cluster-robust
standard error with normal critical values then rejects far too often (Cameron, Gelbach & Miller 2008;
MacKinnon & Webb 2017). The wild cluster bootstrap with the null imposed (WCR) and Webb's six-point weights
is the recommended remedy (Roodman, MacKinnon, Nielsen & Webb 2019, "Fast and wild", Stata J. 19(1)); its
interval is found by inverting the bootstrap test. With few clusters every sign pattern is enumerated
instead of drawn, so the p-value is exact for the chosen weight distribution.

Everything works on the coefficient after partialling out the controls (Frisch-Waugh-Lovell), so the
bootstrap t-statistic is a closed-form function of the null value (Roodman et al. 2019, section 3): a whole
test inversion costs a few matrix products over (clusters x replications).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import stats

# Webb (2014/2023) six-point distribution: +-sqrt(1/2), +-1, +-sqrt(3/2), each with probability 1/6.
WEBB = np.array([-np.sqrt(1.5), -1.0, -np.sqrt(0.5), np.sqrt(0.5), 1.0, np.sqrt(1.5)])
RADEMACHER = np.array([-1.0, 1.0])
WEIGHTS = {"webb": WEBB, "rademacher": RADEMACHER}
REPLICATIONS = 9999
SEED = 20190301  # fixed: the publication is reproducible run to run


@dataclass(frozen=True)
class ClusterInference:
    """One coefficient with its cluster-robust SE (CR1), the t(G-1) interval and the wild-bootstrap test."""

    estimate: float
    se: float              # CR1: G/(G-1) (N-1)/(N-K) small-sample factor, as Stata and statsmodels
    clusters: int
    t_ci: tuple[float, float]          # estimate +- t(G-1, 0.975) x se
    p_value: float                     # wild cluster bootstrap (WCR), symmetric, H0: coefficient = 0
    boot_ci: tuple[float | None, float | None]  # bootstrap test inversion; None where the bound is unbounded
    replications: int                  # number of weight vectors used (all of them when enumerated)
    enumerated: bool


def minimum_detectable_effect(se: float, df: float | None = None, alpha: float = 0.05, power: float = 0.8) -> float:
    """Smallest true effect a two-sided test at `alpha` detects with probability `power` (Bloom 1995,
    "Minimum detectable effects", Evaluation Review 19(5)): (q_{1-alpha/2} + q_{power}) x SE, with Student t
    quantiles on `df` degrees of freedom (G-1 for clustered data) or normal ones when df is None."""
    if df is None:
        return float((stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(power)) * se)
    return float((stats.t.ppf(1 - alpha / 2, df) + stats.t.ppf(power, df)) * se)


def _basis(controls: npt.NDArray) -> npt.NDArray:
    """Orthonormal basis of the column space of `controls`, from the eigenvectors of its Gram matrix (k x k, ten
    times faster than an SVD of N x k at 100,000 rows); directions with a negligible eigenvalue are collinear
    dummies and are left out. Partialling out is then A - U (U'A), without an N x N matrix."""
    values, vectors = np.linalg.eigh(controls.T @ controls)
    keep = values > values.max() * 1e-10
    return controls @ (vectors[:, keep] / np.sqrt(values[keep]))


def _partial(basis: npt.NDArray, a: npt.NDArray) -> npt.NDArray:
    return a - basis @ (basis.T @ a)


@dataclass(frozen=True)
class ClusterRobust:
    """One coefficient with its CR1 standard error and the t(G-1) interval and p-value."""

    estimate: float
    se: float
    clusters: int
    ci: tuple[float, float]
    p_value: float


def cluster_robust_t(y: npt.ArrayLike, x: npt.ArrayLike, controls: npt.ArrayLike, clusters: npt.ArrayLike,
                     weights: npt.ArrayLike | None = None, alpha: float = 0.05) -> ClusterRobust:
    """Coefficient of `x` in the weighted regression of `y` on `x` and `controls`, with the cluster-robust
    (CR1) standard error and Student t on G-1 degrees of freedom (Cameron & Miller 2015, "A practitioner's
    guide to cluster-robust inference", J. Human Resources 50(2), section VI), as Stata's `vce(cluster)`.
    Frisch-Waugh-Lovell on an SVD basis of the controls: fast for many rows and clusters."""
    y, x = np.asarray(y, float), np.asarray(x, float)
    w = np.ones_like(y) if weights is None else np.asarray(weights, float)
    root = np.sqrt(w)
    basis = _basis(np.asarray(controls, float) * root[:, None])
    yt, xt = _partial(basis, y * root), _partial(basis, x * root)
    _, index = np.unique(np.asarray(clusters), return_inverse=True)
    g, n, rank = int(index.max()) + 1, len(y), basis.shape[1]
    dd = xt @ xt
    beta = xt @ yt / dd
    scores = np.bincount(index, xt * (yt - beta * xt), minlength=g)
    se = float(np.sqrt(g / (g - 1) * (n - 1) / (n - rank - 1) * (scores @ scores)) / dd)
    half = stats.t.ppf(1 - alpha / 2, g - 1) * se
    p = float(2 * stats.t.sf(abs(beta / se), g - 1)) if se > 0 else float("nan")
    return ClusterRobust(float(beta), se, g, (float(beta - half), float(beta + half)), p)


def _weight_matrix(clusters: int, kind: str, replications: int, seed: int) -> tuple[npt.NDArray, bool]:
    """Weights per cluster (G x B): every sign pattern when there are at most `replications`, else a draw."""
    points = WEIGHTS[kind]
    if len(points) ** clusters <= replications:
        return np.array(list(itertools.product(points, repeat=clusters))).T, True
    return np.random.default_rng(seed).choice(points, size=(clusters, replications)), False


def wild_cluster_inference(y: npt.ArrayLike, x: npt.ArrayLike, controls: npt.ArrayLike, clusters: npt.ArrayLike,
                           weights: npt.ArrayLike | None = None, *, kind: str = "webb",
                           replications: int = REPLICATIONS, seed: int = SEED, alpha: float = 0.05,
                           ) -> ClusterInference:
    """Coefficient of `x` in the (weighted) regression of `y` on `x` and `controls`, clustered by `clusters`.

    `controls` holds the other regressors (intercept and fixed-effect dummies). The bootstrap imposes the
    null (WCR), re-estimates on y* = X b_r + v_g u_r and compares |t*| with |t| (Roodman et al. 2019, eq. 9-12).
    """
    y, x = np.asarray(y, float), np.asarray(x, float)
    w = np.ones_like(y) if weights is None else np.asarray(weights, float)
    root = np.sqrt(w)
    basis = _basis(np.asarray(controls, float) * root[:, None])
    rank = basis.shape[1]
    yt, xt = _partial(basis, y * root), _partial(basis, x * root)
    codes, index = np.unique(np.asarray(clusters), return_inverse=True)
    g, n = len(codes), len(y)
    dd = xt @ xt
    beta = xt @ yt / dd
    factor = g / (g - 1) * (n - 1) / (n - rank - 1)
    scores = np.bincount(index, xt * (yt - beta * xt), minlength=g)
    se = float(np.sqrt(factor * (scores @ scores)) / dd)
    half = stats.t.ppf(1 - alpha / 2, g - 1) * se

    v, enumerated = _weight_matrix(g, kind, replications, seed)
    rows = v[index]                                           # N x B: each observation gets its cluster's weight
    # The restricted residuals u_r(b0) = yt - b0 xt are linear in b0, hence so is every bootstrap quantity.
    py, pd_ = _partial(basis, rows * yt[:, None]), _partial(basis, rows * xt[:, None])
    ay, ad = xt @ py / dd, xt @ pd_ / dd                      # beta* - b0 = ay - b0 ad
    s1 = np.zeros((g, v.shape[1]))
    s2 = np.zeros((g, v.shape[1]))
    np.add.at(s1, index, xt[:, None] * (py - np.outer(xt, ay)))
    np.add.at(s2, index, xt[:, None] * (pd_ - np.outer(xt, ad)))

    def p_value(b0: float) -> float:
        t = (beta - b0) / se
        se_star = np.sqrt(factor * ((s1 - b0 * s2) ** 2).sum(axis=0)) / dd
        with np.errstate(divide="ignore", invalid="ignore"):
            t_star = (ay - b0 * ad) / se_star
        # relative tolerance: the all-ones pattern reproduces |t| itself and must count as a tie
        return float(np.mean(np.abs(np.nan_to_num(t_star, nan=0.0)) >= abs(t) * (1 - 1e-9)))

    def bound(direction: float) -> float | None:
        inside, step = beta, se * direction
        outside = beta + step
        while p_value(outside) > alpha:     # widen until the test rejects; give up: unbounded
            inside, step = outside, step * 2
            outside = beta + step
            if abs(step) > 1e3 * se:
                return None
        for _ in range(40):                 # bisection to 1e-12 x the step: below the published precision
            mid = (inside + outside) / 2
            inside, outside = (mid, outside) if p_value(mid) > alpha else (inside, mid)
        return float((inside + outside) / 2)

    return ClusterInference(float(beta), se, g, (float(beta - half), float(beta + half)), p_value(0.0),
                            (bound(-1.0), bound(1.0)), v.shape[1], enumerated)
