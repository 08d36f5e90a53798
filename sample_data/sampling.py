"""Vectorised categorical draws: one draw per row, from its own probability row or its group's row.

These replace Python loops over persons or buurten: a whole population is drawn in one call.
"""

from __future__ import annotations

import numpy as np


def categorical(rng: np.random.Generator, probabilities: np.ndarray) -> np.ndarray:
    """Index of a category per row of a (rows, categories) probability matrix (rows need not sum to 1)."""
    cum = np.cumsum(probabilities, axis=1)
    u = rng.random(len(cum)) * cum[:, -1]
    return np.minimum((u[:, None] >= cum).sum(axis=1), probabilities.shape[1] - 1)


def grouped_categorical(rng: np.random.Generator, weights: np.ndarray, group: np.ndarray) -> np.ndarray:
    """Index of a category per draw, from row `group[i]` of a (groups, categories) weight matrix.

    The rows' normalised cumulative weights, each offset by its row number, form one increasing
    array, so a single searchsorted serves every group.
    """
    weights = np.asarray(weights, dtype=float)
    groups, k = weights.shape
    totals = weights.sum(axis=1, keepdims=True)
    cum = np.cumsum(weights, axis=1) / np.where(totals > 0, totals, 1.0)
    keys = (cum + np.arange(groups)[:, None]).ravel()
    u = rng.random(len(group))
    flat = np.searchsorted(keys, group + u, side="right")
    return np.clip(flat - group * k, 0, k - 1)


def choose_in_groups(rng: np.random.Generator, item_group: np.ndarray, item_weight: np.ndarray,
                     draw_group: np.ndarray) -> np.ndarray:
    """For each draw, an item of its group with probability proportional to the item's weight.

    Items must be sorted by group (0..G-1); returns item indices.
    """
    groups = int(item_group.max()) + 1 if len(item_group) else 0
    totals = np.bincount(item_group, weights=item_weight, minlength=groups)
    cum = np.cumsum(item_weight) - np.concatenate([[0.0], np.cumsum(totals)[:-1]])[item_group]
    keys = cum / np.where(totals > 0, totals, 1.0)[item_group] + item_group
    u = rng.random(len(draw_group))
    found = np.searchsorted(keys, draw_group + u, side="right")
    return np.minimum(found, len(item_group) - 1)


def pick(rng: np.random.Generator, pool: tuple[tuple[str, ...], tuple[float, ...]], n: int) -> np.ndarray:
    """n codes drawn from a (codes, weights) pool."""
    codes, weights = pool
    p = np.asarray(weights, dtype=float)
    return np.asarray(codes)[rng.choice(len(codes), size=n, p=p / p.sum())]


def lifetime_risk_scale(curve: np.ndarray, risk: np.ndarray, target: float, cap: float = 0.95) -> float:
    """Scale p with mean(min(p * risk, cap) * curve) == target (bisection: the cap makes it non-linear)."""
    low, high = 0.0, cap / max(float(risk.min()), 1e-9) if len(risk) else 1.0
    for _ in range(50):
        mid = (low + high) / 2
        if float(np.mean(np.minimum(mid * risk, cap) * curve)) < target:
            low = mid
        else:
            high = mid
    return (low + high) / 2
