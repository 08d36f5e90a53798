"""Independent attacker's audit of a publication candidate, the blocking check before publishing.

It attacks the publication the way an outsider with the published file would, and shares no code with the
suppression (`indicators/disclosure.py`, `indicators/protection*.py`): it reads only the candidate (exact
counts), the published rows, the areas, the policy (`indicators/disclosure_policy.py`) and the catalogue's
declarative links.

1. rules      every published cell re-checked against the primary and dominance rules, masking, reasons,
              rounding (`quality/disclosure_rules.py`)
2. values     counts recovered from each value and interval (`quality/counts_from_values.py`)
3. derived    trends, equity gaps and impact scenarios checked against the cells they use
              (`quality/derived_disclosure.py`)
4. bounds     every published count, magnitude and recovered count as an interval; the relations between
              them (hierarchy, strata, grouped strata such as 65+, partitions, shared keys;
              `quality/published_relations.py`) propagated
              to a fixpoint (`quality/bound_propagation.py`), the narrowest few sharpened by an exact LP;
              every sensitive quantity of a suppressed cell must keep its protection interval
              (`quality/protection_requirement.py`).

Violation messages name the cell and may state its exact counts: they are for the operator of a failing run,
never for publication. `AuditReport.summary()` states no exact count and may go into the run log and
quality_results.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import duckdb
import numpy as np
import polars as pl

from indicators.disclosure_policy import DisclosurePolicy
from quality.audit_cells import KEY, RULE_COLUMNS, joined_cells, link_frame
from quality.bound_propagation import MAX_ITERATIONS, propagate_bounds, sharpen_with_lp
from quality.counts_from_values import PublishedCells, recover_counts
from quality.derived_disclosure import (
    equity_findings,
    ledger_findings,
    payment_findings,
    scenario_findings,
    small_area_findings,
    trend_findings,
)
from quality.disclosure_rules import rule_breaks, sensitive_magnitudes
from quality.protection_requirement import margins, sensitive_quantities
from quality.published_relations import AttackModel, build_model, empty_knowledge, grouped_strata

# The audit shares the policy's thresholds with the suppression it attacks (one policy, one place for its
# defaults), never the code that enforces them.
POLICY_DEFAULTS: dict[str, float] = DisclosurePolicy().as_dict()
# How many of the narrowest protected quantities an exact LP re-bounds after propagation.
LP_QUANTITIES = 25
# Rules ranked by how directly they expose a person; within a rank the larger shortfall comes first.
RULE_RANK = {
    "recoverable": 0, "primary": 0, "dominance": 0, "not_masked": 0, "value_reveals_counts": 0,
    "derived_reveals": 0, "derived_reveals_counts": 0, "zero_beside_value": 0,
    "narrow_interval": 1,
    "count_mismatch": 2, "audit_inconsistent": 2, "not_empty": 2, "inconsistent_link": 2, "derived_mismatch": 2,
    "not_rounded": 3, "reason": 3, "missing_row": 3,
}


@dataclass(frozen=True)
class Violation:
    """One way the publication breaks the disclosure policy, named after a cell, with an English message.

    `shortfall` is how much of the required protection interval the attacker's interval lacks (0..1, 1 =
    recovered exactly) for `narrow_interval` and `recoverable`; None for a broken rule.
    """

    rule: str
    indicator_id: str
    period: int
    area_code: str
    stratum: str
    message: str
    shortfall: float | None = None

    def sort_key(self) -> tuple:
        shortfall = 1.0 if self.shortfall is None else self.shortfall
        return (RULE_RANK.get(self.rule, 4), -shortfall, self.indicator_id, self.period, self.area_code,
                self.stratum, self.rule, self.message)


@dataclass(frozen=True)
class AuditReport:
    """What the attack did and found; `violations` worst first, empty when the publication is safe."""

    violations: tuple[Violation, ...]
    cells: int                    # published rows attacked
    suppressed: int               # of which suppressed
    values_attacked: int          # published values tried for the counts behind them
    quantities: int               # quantities bounded
    relations: dict[str, int]     # relation rows per family
    sensitive: int                # protected quantities of suppressed cells checked
    iterations: int
    converged: bool               # False: propagation stopped at the iteration cap (bounds valid, maybe wider)
    lp_sharpened: int             # quantities re-bounded by an exact LP
    closest: str | None           # the protected quantity with the smallest margin (cell and role)
    closest_margin: float | None  # its margin: share of the required protection left (< 0 falls short)
    seconds: float
    stages: dict[str, float] = field(default_factory=dict)  # seconds per stage of the attack
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def passed(self) -> bool:
        return not self.violations

    def summary(self) -> str:
        """One line for the run log and quality_results; states no exact count."""
        worst = self.violations[0] if self.violations else None
        head = (f"{len(self.violations)} violation(s), worst {worst.rule} {worst.indicator_id} {worst.period} "
                f"{worst.area_code} {worst.stratum}" if worst else "no violation")
        margin = (f", the narrowest ({self.closest}) at margin {self.closest_margin:+.2f} of its required protection"
                  if self.closest is not None and self.closest_margin is not None else "")
        return (f"{head}; attacked {self.cells} cells ({self.suppressed} suppressed, {self.values_attacked} values), "
                f"bounded {self.quantities} quantities through {sum(self.relations.values())} relations in "
                f"{self.iterations} propagation pass(es){'' if self.converged else ' (iteration cap reached)'}, "
                f"{self.sensitive} protected quantities checked{margin}; {self.seconds:.1f} s")

    def metadata(self) -> dict[str, Any]:
        """Numbers for Dagster metadata or a quality_results row."""
        return {"violations": len(self.violations), "cells": self.cells, "suppressed": self.suppressed,
                "values_attacked": self.values_attacked, "quantities": self.quantities,
                "relations": sum(self.relations.values()), "sensitive": self.sensitive,
                "iterations": self.iterations, "converged": self.converged, "lp_sharpened": self.lp_sharpened,
                "closest": self.closest or "", "closest_margin": self.closest_margin, "seconds": self.seconds,
                **{f"seconds_{stage}": t for stage, t in self.stages.items()},
                **{f"violations_{rule}": count for rule, count in self.rule_counts().items()}}

    def rule_counts(self) -> dict[str, int]:
        """How many violations each rule found, worst rule first."""
        counts: dict[str, int] = {}
        for v in self.violations:
            counts[v.rule] = counts.get(v.rule, 0) + 1
        return counts


def policy_from_mapping(policy: DisclosurePolicy | Mapping[str, Any] | None) -> dict[str, float]:
    """The audit's policy by name: a DisclosurePolicy, or a `[disclosure]` table over the defaults (unknown keys
    and bad values refused by DisclosurePolicy)."""
    return (policy if isinstance(policy, DisclosurePolicy) else DisclosurePolicy.from_mapping(policy)).as_dict()


def _named(cells: pl.DataFrame, found: list[tuple[int, str, str]]) -> list[tuple]:
    """(cell, rule, message) rows as (indicator_id, period, area_code, stratum, rule, message)."""
    if not found:
        return []
    frame = pl.DataFrame(found, schema={"cell": pl.Int64, "rule": pl.String, "message": pl.String}, orient="row")
    return frame.join(cells.select("cell", *KEY), on="cell").select(*KEY, "rule", "message").rows()


def _number(column: str) -> pl.Expr:
    """A number for a message: whole numbers without decimals, others to four."""
    x = pl.col(column).round(4)
    return (pl.when(x == x.round(0)).then(x.cast(pl.Int64).cast(pl.String)).otherwise(x.cast(pl.String))
            .fill_null("?"))


def _range(lo: str, hi: str) -> pl.Expr:
    return pl.when(pl.col(lo).round(4) == pl.col(hi).round(4)).then(_number(lo)) \
        .otherwise(pl.concat_str(_number(lo), pl.lit(".."), _number(hi)))


def _values_attack(cells: pl.DataFrame, rounding_base: float) -> tuple[pl.DataFrame, list[tuple]]:
    """Counts recovered from values and intervals: `know_*` bounds per cell and the cells that leak."""
    shown = cells.filter(~pl.col("suppressed") & pl.col("p_value").is_not_null())
    columns = ("multiplier", "p_num", "p_den", "p_value", "p_ci_low", "p_ci_high")
    arrays = {c: shown[c].cast(pl.Float64).fill_null(np.nan).to_numpy() for c in columns}
    indicator = shown["indicator_id"].cast(pl.Categorical).to_physical().to_numpy().astype(np.int64)
    found = recover_counts(PublishedCells(indicator, shown["method"].fill_null("").to_numpy().astype(str),
                                          *arrays.values()), rounding_base)
    known = shown.select("cell").with_columns(
        know_num_lo=found.numerator_lo, know_num_hi=found.numerator_hi, know_den_lo=found.denominator_lo,
        know_den_hi=found.denominator_hi, value_tol=found.value_tolerance, leaks=found.leaks,
    ).with_columns(pl.col("know_num_lo", "know_num_hi", "know_den_lo", "know_den_hi").fill_nan(None))
    leaking = shown.join(known.filter("leaks"), on="cell").select(
        *KEY, rule=pl.lit("value_reveals_counts"),
        message=pl.format("value {} with interval [{}, {}] was not computed from the published counts {} / {}; "
                          "it gives back numerator {} and denominator {}", *map(_number, ("p_value", "p_ci_low",
                          "p_ci_high", "p_num", "p_den")), _range("know_num_lo", "know_num_hi"),
                          _range("know_den_lo", "know_den_hi")))
    return cells.join(known.drop("leaks"), on="cell", how="left"), leaking.rows()


def _derived(cells: pl.DataFrame, policy: Mapping[str, float], links: pl.DataFrame,
             derived: Mapping[str, pl.DataFrame | None]) -> tuple[list[tuple], pl.DataFrame]:
    findings: list[tuple] = []
    knowledge = empty_knowledge()
    if derived.get("trends") is not None and derived["trends"].height:
        findings += trend_findings(derived["trends"], cells)
    if derived.get("equity_gaps") is not None and derived["equity_gaps"].height:
        findings += equity_findings(derived["equity_gaps"], cells)
    if derived.get("small_area_estimates") is not None and derived["small_area_estimates"].height:
        findings += small_area_findings(derived["small_area_estimates"], cells)
    if derived.get("cost_ledger") is not None and derived["cost_ledger"].height:
        findings += ledger_findings(derived["cost_ledger"], cells)
    if derived.get("payment_scenarios") is not None and derived["payment_scenarios"].height:
        findings += payment_findings(derived["payment_scenarios"], policy["rounding_base"],
                                     policy["min_cost_persons"])
    if derived.get("impact_scenarios") is not None and derived["impact_scenarios"].height:
        segments = links.filter(pl.col("indicator_id").str.starts_with("phm_segment_")).select(
            segment=pl.col("indicator_id").str.strip_prefix("phm_segment_"), key=pl.col("numerator_key"))
        more, knowledge = scenario_findings(derived["impact_scenarios"], cells, policy["rounding_base"],
                                            dict(segments.iter_rows()))
        findings += more
        knowledge = knowledge.select(empty_knowledge().columns).cast(dict(empty_knowledge().schema))
    return findings, knowledge


def _amount(x: float) -> str:
    """A bound for a message: whole numbers without decimals, others to two."""
    if not math.isfinite(x):
        return "unbounded"
    x = round(x, 2) + 0.0  # + 0.0 turns -0.0 into 0.0
    return f"{x:,.0f}" if x == round(x) else f"{x:,.2f}"


def _bound_violations(short: pl.DataFrame) -> list[Violation]:
    """narrow_interval or recoverable for every protected quantity whose bounds fall short."""
    out = []
    for r in short.iter_rows(named=True):  # only the quantities that fall short: few in a publication that is close
        place = f"{r['indicator_id']} {r['period']} {r['area_code']} {r['stratum']}"
        what = f"{r['role']} {_amount(r['exact'])} ({r['key']})"
        need = f"needs [{_amount(r['need_lo'])} or below, {_amount(r['need_hi'])} or above]"
        if r["hi"] - r["lo"] < 1:
            rule, message = "recoverable", f"{place}: suppressed {what} is recovered exactly from the published cells ({need})"
        else:
            rule, message = "narrow_interval", (f"{place}: suppressed {what} is bounded to [{_amount(r['lo'])}, "
                                                f"{_amount(r['hi'])}] by the published cells; protection {need}")
        out.append(Violation(rule, r["indicator_id"], r["period"], r["area_code"], r["stratum"], message,
                             round(min(1.0, -r["margin"]), 6)))
    return out


def _inconsistencies(model: AttackModel, cells: pl.DataFrame, lo: np.ndarray, hi: np.ndarray) -> list[Violation]:
    """Quantities whose exact value the attacker's model excludes, or that two cells count differently."""
    q = model.quantities.with_columns(lo_end=lo, hi_end=hi)
    slack = 1e-6 * pl.max_horizontal(pl.lit(1.0), pl.col("exact").abs())
    outside = q.filter((pl.col("exact") < pl.col("lo_end") - slack) | (pl.col("exact") > pl.col("hi_end") + slack)
                       | (pl.col("exact_spread") > slack))
    if not outside.height:
        return []
    named = (model.spell(outside).rename({"area_code": "quantity_area", "stratum": "quantity_stratum"})
             .join(model.roles.group_by("var").agg(pl.col("cell").min()), on="var")
             .join(cells.select("cell", *KEY), on="cell"))
    out = []
    links_broken = bool((outside["exact_spread"] > 1e-6 * outside["exact"].abs().clip(lower_bound=1.0)).any())
    cause = ("the links are inconsistent (see inconsistent_link), which breaks the relations" if links_broken else
             "a published count or value is not derived from the rounded counts as the contract says")
    for r in named.iter_rows(named=True):  # a sound model has none; a broken contract shows here
        where = f"{r['key']} {r['quantity_area']} {r['quantity_stratum']}"
        if r["exact_spread"] > 1e-6 * max(1.0, abs(r["exact"])):
            rule, message = "inconsistent_link", (f"cells that publish quantity {where} disagree on its exact value "
                                                  f"(spread {r['exact_spread']:g}): the links are wrong")
        else:
            rule, message = "audit_inconsistent", (
                f"quantity {where} lies outside what the published file implies [{r['lo_end']:g}, "
                f"{r['hi_end']:g}]: {cause}")
        out.append(Violation(rule, r["indicator_id"], r["period"], r["area_code"], r["stratum"], message))
    return out


def _rule_breaks(cells: pl.DataFrame, policy: Mapping[str, float]) -> tuple[list[tuple], list[int]]:
    """The SQL rules' findings, named, and the suppressed cells whose magnitudes the primary rules protect."""
    with duckdb.connect(config={"threads": 1}) as con:
        con.register("cells", cells.select(RULE_COLUMNS))
        return _named(cells, rule_breaks(con, policy)), sensitive_magnitudes(con, policy)


class _Stopwatch:
    """Seconds per stage of the attack, for the report."""

    def __init__(self) -> None:
        self.started = self.last = time.perf_counter()
        self.stages: dict[str, float] = {}

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.stages[stage] = round(now - self.last, 3)
        self.last = now


def _lp_sharpen(model: AttackModel, sensitive: pl.DataFrame, margin: np.ndarray, lo: np.ndarray, hi: np.ndarray,
                how_many: int) -> int:
    """Re-bound the `how_many` protected quantities with the smallest non-negative margin by an exact LP."""
    order = np.argsort(margin, kind="stable")
    chosen = order[margin[order] >= -1e-9][:how_many]
    if not chosen.size:
        return 0
    targets = sensitive["var"].to_numpy()[chosen]
    new_lo, new_hi = sharpen_with_lp(model.relations, lo, hi, targets)
    integral = model.quantities["integral"].to_numpy()[targets]
    lo[targets] = np.where(integral, np.ceil(new_lo - 1e-6), new_lo)
    hi[targets] = np.where(integral, np.floor(new_hi + 1e-6), new_hi)
    return int(chosen.size)


def attack_publication(
    candidate: pl.DataFrame,
    published: pl.DataFrame,
    areas: pl.DataFrame,
    policy_mapping: DisclosurePolicy | Mapping[str, Any] | None,
    links: pl.DataFrame | Iterable[Mapping[str, Any]] | None = None,
    *,
    trends: pl.DataFrame | None = None,
    equity_gaps: pl.DataFrame | None = None,
    impact_scenarios: pl.DataFrame | None = None,
    small_area_estimates: pl.DataFrame | None = None,
    payment_scenarios: pl.DataFrame | None = None,
    cost_ledger: pl.DataFrame | None = None,
    lp_quantities: int = LP_QUANTITIES,
    max_iterations: int = MAX_ITERATIONS,
) -> AuditReport:
    """Attack the publication as an outsider would and report every way it breaks the disclosure policy.

    `candidate`: indicators.indicator_values (exact counts, contract of issue 13); `published`: the rows readers see;
    `areas`: area_code, area_level, parent_code; `links`: `Catalogue.disclosure_links()` (list of dicts or a
    frame; without it indicators are not linked to each other and the report says so); the derived tables
    are optional and checked when given. `lp_quantities`: how many of the narrowest protected quantities an
    exact LP re-bounds; `max_iterations`: the cap on propagation passes.
    """
    clock = _Stopwatch()
    policy = policy_from_mapping(policy_mapping)
    base = float(policy["rounding_base"])
    links_used = link_frame(links)
    cells = joined_cells(candidate, published, links_used)
    clock.lap("cells")
    with ThreadPoolExecutor(max_workers=1) as background:
        # The SQL rules run on one DuckDB thread beside the attack, which is mostly single-threaded numpy.
        checked_rules = background.submit(_rule_breaks, cells, policy)
        cells, leaking = _values_attack(cells, base)
        clock.lap("values")
        derived_rows, knowledge = _derived(cells, policy, links_used,
                                           {"trends": trends, "equity_gaps": equity_gaps,
                                            "impact_scenarios": impact_scenarios,
                                            "small_area_estimates": small_area_estimates,
                                            "payment_scenarios": payment_scenarios,
                                            "cost_ledger": cost_ledger})
        clock.lap("derived")
        model = build_model(cells, areas.select("area_code", "area_level", "parent_code"), base, knowledge,
                            grouped_strata(links_used))
        clock.lap("relations")
        q = model.quantities
        bounds = propagate_bounds(model.relations, q["lo"].to_numpy(), q["hi"].to_numpy(),
                                  q["integral"].to_numpy(), max_iterations=max_iterations)
        lo, hi = bounds.lo.copy(), bounds.hi.copy()
        clock.lap("propagation")
        rows, magnitude_cells = checked_rules.result()
        clock.lap("rules_wait")  # the SQL rules ran in the background meanwhile
    sensitive = sensitive_quantities(model.roles, cells, magnitude_cells, policy)
    sharpened = _lp_sharpen(model, sensitive, margins(sensitive, lo, hi), lo, hi, lp_quantities)
    margin = margins(sensitive, lo, hi)
    clock.lap("lp")
    var = sensitive["var"].to_numpy()
    checked = sensitive.with_columns(margin=margin, lo=lo[var], hi=hi[var])
    short = checked.filter(pl.col("margin") < -1e-6)
    short = short.join(model.spell(q.join(short.select("var"), on="var")).select("var", "key"), on="var")
    violations = [Violation(rule, ind, period, area, stratum, f"{ind} {period} {area} {stratum}: {message}")
                  for ind, period, area, stratum, rule, message in [*rows, *leaking, *derived_rows]]
    violations += _bound_violations(short)
    violations += _inconsistencies(model, cells, lo, hi)
    violations.sort(key=Violation.sort_key)
    clock.lap("report")

    notes = []
    if links is None:
        notes.append("no catalogue links given: indicators are attacked one by one, not through shared counts")
    if not bounds.converged:
        notes.append(f"bound propagation stopped at the cap of {max_iterations} passes; bounds are valid but may "
                     "be wider than a longer propagation would give")
    closest = checked.sort("margin").head(1)
    shown = cells.filter(~pl.col("only_candidate"))
    return AuditReport(
        violations=tuple(violations),
        cells=shown.height, suppressed=int(shown["suppressed"].sum()),
        values_attacked=int(cells["value_tol"].is_not_null().sum()),
        quantities=q.height, relations=model.relation_rows, sensitive=sensitive.height,
        iterations=bounds.iterations, converged=bounds.converged, lp_sharpened=sharpened,
        closest=(" ".join(str(closest[c][0]) for c in (*KEY, "role")) if closest.height else None),
        closest_margin=float(closest["margin"][0]) if closest.height else None,
        seconds=round(time.perf_counter() - clock.started, 3), stages=clock.stages, notes=tuple(notes),
    )


def audit_disclosure(
    candidate: pl.DataFrame,
    published: pl.DataFrame,
    areas: pl.DataFrame,
    policy_mapping: DisclosurePolicy | Mapping[str, Any] | None,
    links: pl.DataFrame | Iterable[Mapping[str, Any]] | None = None,
    **derived: pl.DataFrame | None,
) -> list[Violation]:
    """Every way the publication breaks the disclosure policy, worst first; an empty list means safe to publish."""
    return list(attack_publication(candidate, published, areas, policy_mapping, links, **derived).violations)
