"""Statistical methods of the indicators: one small module per method family.

Every function is vectorised (scalars or numpy arrays in, float64 arrays out, NaN where a cell
cannot be computed) and names the paper it implements; the tests check each against an
independent computation.
"""

from indicators.methods.comparison import (
    GEEN_VERSCHIL,
    HOGER,
    LAGER,
    Z998,
    Comparison,
    FunnelLimits,
    compare_to_limits,
    compare_to_reference,
    funnel_normal,
    funnel_poisson,
    funnel_proportion,
)
from indicators.methods.equity import EQUITY_MIN_EVENTS, EquityResult, ridits, sii_rii
from indicators.methods.estimators import ESTIMATORS, CellEstimate, estimate
from indicators.methods.intervals import Z95, Estimate, FloatArray, Interval
from indicators.methods.means import (
    MeanSd,
    mean_interval,
    mean_sd_from_sums,
    ratio_interval,
    t_interval,
    weighted_mean_interval,
)
from indicators.methods.poisson import (
    BYAR_MIN_OBSERVED,
    byar_interval,
    garwood_interval,
    poisson_interval,
    rate_interval,
)
from indicators.methods.standardisation import (
    DSR_MIN_OBSERVED,
    ESP2013_PATH,
    dobson_interval,
    load_esp2013,
    population_as_standard,
    standardise_frame,
)
from indicators.methods.wilson import (
    kish_effective_n,
    proportion_interval,
    weighted_proportion_interval,
    weighted_wilson_interval,
    wilson_interval,
)

__all__ = [
    "BYAR_MIN_OBSERVED",
    "DSR_MIN_OBSERVED",
    "EQUITY_MIN_EVENTS",
    "ESTIMATORS",
    "ESP2013_PATH",
    "GEEN_VERSCHIL",
    "HOGER",
    "LAGER",
    "Z95",
    "CellEstimate",
    "Comparison",
    "EquityResult",
    "Estimate",
    "FloatArray",
    "Interval",
    "MeanSd",
    "byar_interval",
    "Z998",
    "FunnelLimits",
    "compare_to_limits",
    "compare_to_reference",
    "funnel_normal",
    "funnel_poisson",
    "funnel_proportion",
    "dobson_interval",
    "estimate",
    "garwood_interval",
    "kish_effective_n",
    "load_esp2013",
    "mean_interval",
    "mean_sd_from_sums",
    "poisson_interval",
    "population_as_standard",
    "proportion_interval",
    "rate_interval",
    "ratio_interval",
    "ridits",
    "sii_rii",
    "standardise_frame",
    "t_interval",
    "weighted_mean_interval",
    "weighted_proportion_interval",
    "weighted_wilson_interval",
    "wilson_interval",
]
