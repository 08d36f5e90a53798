"""Payment-model scenarios: who would pay and who would gain under the budgets regional tables discuss.

Issue 20, point 3. Five scenarios per year, gemeente and region, per payer (indicators/payers.py), every
assumption from `[payment]` of phm.toml and echoed in the output rows:

- population_budget: the risk-adjusted norm amount of a gemeente, the cost its residents would have at the
  region's cost per resident of their 5-year age band x sex (optionally x PHM segment), against the actual
  cost. This is indirect standardisation of cost (Breslow & Day 1987, ch. 2; the "normbedrag" of
  population-based payment, cf. the Dutch risk-equalisation of Zvw, Van de Ven & Ellis 2000): at region
  level norm = actual by construction, so the norm only redistributes the region's spend.
- shared_savings: norm - actual, shared between payers by a configured key once the savings (or losses)
  reach a minimum savings rate of the norm, and capped by a corridor (a share of the norm, both ways), as
  in the Medicare Shared Savings Program (McWilliams et al. 2016, NEJM 374:2357) and the Dutch
  "gedeelde besparingen" contracts.
- regiobudget: a configured share of each law's spend, per payer: what each payer would put in.
- pooled_budget: the target group's spend on the pooled laws; each payer puts in its spend of the first
  year of the run, against what the group costs it in each year (who gains when the mix shifts).
- what_if: an intervention's reach x its estimated effect on cost per participant and payer
  (evaluation_results, estimand effect_on_participants), with the 95 % interval carried through, over a
  horizon of years with the effect persisting by a configured factor per year.

Disclosure: the rows are gemeente and region aggregates of euros and persons, so the cost-cell rules of
the disclosure policy apply (persons with cost >= min_cost_persons per law, the largest person's share <=
dominance_share, persons rounded to the base); a region row is hidden when a gemeente row of the same figure
is (complementary suppression, else region - other gemeenten gives it back). Euro amounts are published as
euros per person x the rounded persons, so an amount divided by another published mean gives back only the
rounded count (as impact_scenarios, quality/derived_disclosure.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

import polars as pl

from indicators.payers import LAWS, Law, delivered, law
from quality.thresholds import refuse_unknown

SCENARIOS = ("population_budget", "shared_savings", "regiobudget", "pooled_budget", "what_if")
ALL_PAYERS = "alle"
# Cost outcomes of the evaluation and the law they measure, until evaluation rows carry a `law` column.
OUTCOME_LAWS = {"co_zvw_per_verzekerdejaar": "zvw", "co_wmo_per_inwoner": "wmo"}
COLUMNS = ("period", "area_code", "area_level", "scenario", "payer", "laws", "measure", "horizon_year",
           "intervention_id", "persons", "per_person", "amount", "amount_low", "amount_high", "assumptions",
           "suppressed")


def _shares(value: Any, known: Sequence[str], key: str) -> dict[str, float]:
    if not isinstance(value, Mapping):
        raise ValueError(f"payment.{key} must be a table such as {{{known[0]} = 0.5}}")
    refuse_unknown(value, list(known), f"payment.{key}", "a known name")
    out = {}
    for name, share in value.items():
        if isinstance(share, bool) or not isinstance(share, int | float) or not 0 <= share <= 1:
            raise ValueError(f"payment.{key} = {share!r} for {name} must lie in [0, 1]")
        out[name] = float(share)
    return out


@dataclass(frozen=True)
class PaymentAssumptions:
    """`[payment]` of phm.toml: the assumptions of the payment scenarios (defaults: illustrative, not advice)."""

    adjust_for_segment: bool = False   # norm by age band x sex (False) or also x PHM segment (True)
    split_key: Mapping[str, float] = field(default_factory=lambda: {
        "zorgverzekeraar": 0.5, "gemeente": 0.3, "zorgkantoor": 0.2})
    minimum_savings_rate: float = 0.02  # savings (or losses) below this share of the norm are not shared
    corridor: float = 0.10              # shared savings and losses are capped at this share of the norm
    regiobudget_share: Mapping[str, float] = field(default_factory=lambda: {
        "zvw": 0.02, "wlz": 0.02, "wmo": 0.05, "jeugdwet": 0.05})
    pooled_target_group: str = "kwetsbare_ouderen"
    pooled_laws: tuple[str, ...] = ("zvw", "wlz", "wmo")
    horizon_years: int = 5
    persistence: float = 0.7            # share of last year's effect left in the next year (1 = no decay)
    reach_scale: float = 1.0            # reach of the what-if as a multiple of the persons reached now

    def __post_init__(self) -> None:
        payers = tuple(dict.fromkeys(x.payer for x in LAWS))
        laws = tuple(x.law for x in LAWS)
        object.__setattr__(self, "split_key", _shares(self.split_key, payers, "split_key"))
        object.__setattr__(self, "regiobudget_share", _shares(self.regiobudget_share, laws, "regiobudget_share"))
        if abs(sum(self.split_key.values()) - 1) > 1e-9:
            raise ValueError(f"payment.split_key shares must add up to 1, got {sum(self.split_key.values())}")
        for name in ("minimum_savings_rate", "corridor", "persistence"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
                raise ValueError(f"payment.{name} = {value!r} must lie in [0, 1]")
        if self.corridor < self.minimum_savings_rate:
            raise ValueError("payment.corridor must be at least payment.minimum_savings_rate")
        if not isinstance(self.adjust_for_segment, bool):
            raise ValueError("payment.adjust_for_segment must be true or false")
        if isinstance(self.horizon_years, bool) or not isinstance(self.horizon_years, int) or \
                not 1 <= self.horizon_years <= 30:
            raise ValueError(f"payment.horizon_years = {self.horizon_years!r} must be a whole number 1-30")
        if isinstance(self.reach_scale, bool) or not isinstance(self.reach_scale, int | float) or self.reach_scale < 0:
            raise ValueError(f"payment.reach_scale = {self.reach_scale!r} must be a number >= 0")
        if not isinstance(self.pooled_target_group, str) or not self.pooled_target_group.isidentifier():
            raise ValueError(f"payment.pooled_target_group = {self.pooled_target_group!r} must be a target group "
                             "of target_groups.csv, e.g. kwetsbare_ouderen")
        pooled = tuple(self.pooled_laws)
        for name in pooled:
            law(name)  # an unknown law fails with the known ones
        object.__setattr__(self, "pooled_laws", pooled)

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, Any] | None) -> PaymentAssumptions:
        """The assumptions from `[payment]`; missing keys keep their default, unknown keys fail."""
        mapping = dict(mapping or {})
        refuse_unknown(mapping, [f.name for f in fields(cls)], "payment", "a payment setting")
        try:
            return cls(**mapping)
        except KeyError as exc:
            raise ValueError(f"payment.pooled_laws: {exc.args[0]}") from exc


def available_laws(columns: Sequence[str], not_delivered: Sequence[str] = ()) -> list[Law]:
    """The laws of indicators/payers.py whose cost column the person-year mart has (bijstand_cost may not) and
    whose euros the input layout delivers (`not_delivered`: the catalogue's indicators it cannot carry)."""
    return delivered([x for x in LAWS if x.cost_column in columns], not_delivered)


def cells_sql_laws(laws: Sequence[Law]) -> str:
    """The per-law aggregates of transforms/sql/marts/payment_cells.sql."""
    return ", ".join(f"sum(coalesce(m.{x.cost_column}, 0)) AS cost_{x.law}, "
                     f"count(*) FILTER (m.{x.cost_column} > 0) AS users_{x.law}, "
                     f"max(coalesce(m.{x.cost_column}, 0)) AS max_{x.law}" for x in laws)


# ---------------------------------------------------------------------------------------------- norm amount
def norm_amounts(cells: pl.DataFrame, laws: Sequence[Law], adjust_for_segment: bool = False) -> pl.DataFrame:
    """Expected (norm) and actual cost per year x area x law by indirect standardisation of cost.

    The rate of a stratum (age band x sex, optionally x segment) is the region's euros / residents of that
    stratum in the year; an area's norm is sum over strata of its residents x that rate (Breslow & Day 1987).
    Returns year, area_code, area_level, law, persons, actual, norm, users, max_person.
    """
    strata = ["age_band", "sex", *(["segment"] if adjust_for_segment else [])]
    long = _by_law(cells, laws)
    region = long.filter(pl.col("area_level") == "regio")
    rates = (region.group_by("year", "law", *strata)
             .agg(rate=pl.col("cost").sum() / pl.col("persons").sum()))
    joined = long.join(rates, on=["year", "law", *strata], how="left")
    return (joined.group_by("year", "area_code", "area_level", "law")
            .agg(persons=pl.col("persons").sum(), actual=pl.col("cost").sum(),
                 norm=(pl.col("persons") * pl.col("rate")).sum(), users=pl.col("users").sum(),
                 max_person=pl.col("max_person").max())
            .sort("year", "area_level", "area_code", "law"))


def _by_law(cells: pl.DataFrame, laws: Sequence[Law]) -> pl.DataFrame:
    """One row per cell and law: cost, users, largest person."""
    keep = [c for c in ("year", "area_code", "area_level", "age_band", "sex", "segment", "in_group", "persons")
            if c in cells.columns]
    return pl.concat([cells.select(*keep, law=pl.lit(x.law), cost=pl.col(f"cost_{x.law}").cast(pl.Float64),
                                   users=pl.col(f"users_{x.law}").cast(pl.Int64),
                                   max_person=pl.col(f"max_{x.law}").cast(pl.Float64)) for x in laws])


# ------------------------------------------------------------------------------------------- shared savings
def shared_savings_expr(norm: pl.Expr, actual: pl.Expr, minimum_savings_rate: float, corridor: float) -> pl.Expr:
    """The shared amount: norm - actual, nothing when its size is below minimum_savings_rate x norm, otherwise
    shared from the first euro (as the MSSP, McWilliams et al. 2016) and capped at +- corridor x norm. Positive:
    savings to share out; negative: losses to bear together."""
    savings = norm - actual
    capped = pl.min_horizontal(pl.max_horizontal(savings, -corridor * norm), corridor * norm)
    return pl.when(savings.abs() < minimum_savings_rate * norm).then(0.0).otherwise(capped)


def shared_savings(norm: float, actual: float, minimum_savings_rate: float, corridor: float) -> float:
    """shared_savings_expr for one pair of numbers (worked examples, the report's explanation)."""
    frame = pl.DataFrame({"n": [float(norm)], "a": [float(actual)]})
    return frame.select(shared_savings_expr(pl.col("n"), pl.col("a"), minimum_savings_rate, corridor)).item()


# ------------------------------------------------------------------------------------------------- what-if
def what_if(evaluation: pl.DataFrame, reach: pl.DataFrame, assumptions: PaymentAssumptions) -> pl.DataFrame:
    """Budget effect per intervention x law x horizon year: reach x effect per participant x persistence^(h-1).

    `evaluation`: rows of evaluation_results (estimand effect_on_participants, a cost outcome, estimated);
    a `law` column is used when present, else indicator_id maps to a law by OUTCOME_LAWS. `reach`:
    intervention_id, reached (persons, already rounded). The interval is carried through as the 95 % limits
    of the effect times the same non-negative factor, so it stays the exact image of the evaluation's interval
    (the horizon total is a sum of the same estimate, so its limits are the sums of the limits: the effect is
    assumed fully correlated over the years). Returns intervention_id, law, horizon_year, reach, effect,
    amount, amount_low, amount_high.
    """
    rows = evaluation.filter((pl.col("estimand") == "effect_on_participants") & (pl.col("status") == "estimated")
                             & pl.col("estimate").is_not_null())
    if "law" not in rows.columns:
        rows = rows.with_columns(law=pl.col("indicator_id").replace_strict(OUTCOME_LAWS, default=None))
    rows = rows.filter(pl.col("law").is_not_null()).join(reach, on="intervention_id", how="inner")
    years = pl.DataFrame({"horizon_year": list(range(1, assumptions.horizon_years + 1))},
                         schema={"horizon_year": pl.Int64})
    factor = (pl.col("reached") * assumptions.reach_scale
              * pl.lit(assumptions.persistence, pl.Float64).pow(pl.col("horizon_year") - 1))
    return (rows.join(years, how="cross")
            .select("intervention_id", "law", "horizon_year",
                    reach=pl.col("reached") * assumptions.reach_scale, effect=pl.col("estimate"),
                    amount=pl.col("estimate") * factor, amount_low=pl.col("ci_low") * factor,
                    amount_high=pl.col("ci_high") * factor)
            .sort("intervention_id", "law", "horizon_year"))


# ------------------------------------------------------------------------------------------------ disclosure
def hidden_cost_cell(persons: pl.Expr, users: pl.Expr, max_person: pl.Expr, actual: pl.Expr,
                     min_cost_persons: int, dominance_share: float) -> pl.Expr:
    """The cost-cell rules: fewer than min_cost_persons residents, 1..min_cost_persons-1 persons with cost, or
    the largest person carrying more than dominance_share of the euros (indicators/disclosure.py)."""
    return ((persons < min_cost_persons) | ((users > 0) & (users < min_cost_persons))
            | ((actual > 0) & (max_person > dominance_share * actual)))


def _pct(share: float) -> str:
    """A share as a Dutch percentage in the assumption texts: 0.025 -> '2,5 %'."""
    return f"{share * 100:g}".replace(".", ",") + " %"


def _round(x: pl.Expr, base: int) -> pl.Expr:
    return ((x / base + 0.5).floor() * base).cast(pl.Int64)


# --------------------------------------------------------------------------------------------------- the table
def payment_scenarios(cells: pl.DataFrame, laws: Sequence[Law], evaluation: pl.DataFrame, reach: pl.DataFrame,
                      assumptions: PaymentAssumptions, min_cost_persons: int = 10, dominance_share: float = 0.5,
                      rounding_base: int = 5, min_count: int = 10) -> pl.DataFrame:
    """The published `payment_scenarios` rows (COLUMNS), disclosure applied.

    `cells`: transforms/sql/marts/payment_cells.sql; `evaluation`: evaluation_results; `reach`:
    intervention_id, reached (persons reached in the last year, exact).
    """
    a = assumptions
    payer_of = {x.law: x.payer for x in laws}
    segment_text = " x PHM-segment" if a.adjust_for_segment else ""
    norms = norm_amounts(cells, laws, a.adjust_for_segment).with_columns(
        payer=pl.col("law").replace_strict(payer_of),
        hidden=hidden_cost_cell(pl.col("persons"), pl.col("users"), pl.col("max_person"), pl.col("actual"),
                                min_cost_persons, dominance_share))
    key = ["year", "area_code", "area_level", "payer"]
    per_payer = (norms.group_by(key).agg(
        laws=pl.col("law").sort().str.join("+"), persons=pl.col("persons").first(),
        actual=pl.col("actual").sum(), norm=pl.col("norm").sum(), hidden=pl.col("hidden").any(),
        regio_in=(pl.col("law").replace_strict(a.regiobudget_share, default=0.0) * pl.col("actual")).sum()))
    frames = []
    # population budget: norm and actual per payer
    budget_text = (f"normbedrag = inwoners x regionale kosten per inwoner per 5-jaars leeftijdsgroep x geslacht"
                   f"{segment_text} van hetzelfde jaar (indirecte standaardisatie)")
    for measure, column in (("norm", "norm"), ("actual", "actual")):
        frames.append(per_payer.select(*key, "laws", "persons", "hidden", scenario=pl.lit("population_budget"),
                                       measure=pl.lit(measure), per_person=pl.col(column) / pl.col("persons"),
                                       assumptions=pl.lit(budget_text)))
    # shared savings: totals over all payers, shared out by the key
    totals = per_payer.group_by("year", "area_code", "area_level").agg(
        persons=pl.col("persons").first(), norm=pl.col("norm").sum(), actual=pl.col("actual").sum(),
        hidden=pl.col("hidden").any(), laws=pl.col("laws").sort().str.join("+"))
    totals = totals.with_columns(
        savings=pl.col("norm") - pl.col("actual"),
        shared=shared_savings_expr(pl.col("norm"), pl.col("actual"), a.minimum_savings_rate, a.corridor))
    split = ", ".join(f"{p} {_pct(s)}" for p, s in a.split_key.items())
    savings_text = (f"besparing = normbedrag - werkelijke kosten (alle betalers); gedeeld vanaf de eerste euro als "
                    f"besparing of verlies minstens {_pct(a.minimum_savings_rate)} van het normbedrag is "
                    f"(minimumbesparing), begrensd op {_pct(a.corridor)} van het normbedrag in beide richtingen "
                    f"(corridor); verdeelsleutel: {split}")
    tkey = ["year", "area_code", "area_level"]
    for measure, column in (("savings", "savings"), ("shared", "shared")):
        frames.append(totals.select(*tkey, "laws", "persons", "hidden", payer=pl.lit(ALL_PAYERS),
                                    scenario=pl.lit("shared_savings"), measure=pl.lit(measure),
                                    per_person=pl.col(column) / pl.col("persons"), assumptions=pl.lit(savings_text)))
    split_frame = pl.DataFrame({"payer": list(a.split_key), "share": list(a.split_key.values())})
    frames.append(totals.join(split_frame, how="cross").select(
        *tkey, "payer", "laws", "persons", "hidden", scenario=pl.lit("shared_savings"), measure=pl.lit("share"),
        per_person=pl.col("shared") * pl.col("share") / pl.col("persons"), assumptions=pl.lit(savings_text)))
    # regiobudget: a share of each law's spend
    regio_text = "regiobudget: " + ", ".join(f"{_pct(s)} van {law_name}" for law_name, s in
                                             a.regiobudget_share.items() if law_name in payer_of) + \
        " (uitgaven van hetzelfde jaar)"
    frames.append(per_payer.select(*key, "laws", "persons", "hidden", scenario=pl.lit("regiobudget"),
                                   measure=pl.lit("contribution"), per_person=pl.col("regio_in") / pl.col("persons"),
                                   assumptions=pl.lit(regio_text)))
    frames.append(totals.join(per_payer.group_by(tkey).agg(regio_in=pl.col("regio_in").sum()), on=tkey).select(
        *tkey, "laws", "persons", "hidden", payer=pl.lit(ALL_PAYERS), scenario=pl.lit("regiobudget"),
        measure=pl.lit("contribution"), per_person=pl.col("regio_in") / pl.col("persons"),
        assumptions=pl.lit(regio_text)))
    frames.append(_pooled(cells, [x for x in laws if x.law in a.pooled_laws], a, payer_of, min_cost_persons,
                          dominance_share))
    rows = pl.concat([f.select(*tkey, "payer", "laws", "scenario", "measure", "persons", "hidden", "per_person",
                               "assumptions") for f in frames if f.width], how="vertical_relaxed")
    rows = _complementary(rows)
    rows = rows.with_columns(persons_r=_round(pl.col("persons"), rounding_base)).with_columns(
        hidden=pl.col("hidden") | (pl.col("persons_r") < min_cost_persons))
    rows = rows.select(
        period=pl.col("year").cast(pl.Int32), area_code="area_code", area_level="area_level", scenario="scenario",
        payer="payer", laws="laws", measure="measure", horizon_year=pl.lit(None, pl.Int32),
        intervention_id=pl.lit(None, pl.Utf8),
        persons=pl.when(~pl.col("hidden")).then(pl.col("persons_r")),
        per_person=pl.when(~pl.col("hidden")).then(pl.col("per_person")),
        amount=pl.when(~pl.col("hidden")).then(pl.col("per_person") * pl.col("persons_r")),
        amount_low=pl.lit(None, pl.Float64), amount_high=pl.lit(None, pl.Float64),
        assumptions="assumptions", suppressed="hidden")
    years = cells["year"].unique().sort()
    region = cells.filter(pl.col("area_level") == "regio")["area_code"].unique()
    scen = _what_if_rows(evaluation, reach, a, payer_of, rounding_base, min_count,
                         int(years.max()) if years.len() else None, region[0] if region.len() else None)
    return pl.concat([f for f in (rows, scen) if f.width], how="vertical_relaxed").select(COLUMNS).sort(
        "scenario", "period", "area_level", "area_code", "payer", "measure", "intervention_id", "horizon_year",
        nulls_last=True)


def _pooled(cells: pl.DataFrame, laws: Sequence[Law], a: PaymentAssumptions, payer_of: dict[str, str],
            min_cost_persons: int, dominance_share: float) -> pl.DataFrame:
    """Per payer: the target group's spend on the pooled laws (group_cost) and what the payer puts in
    (contribution: its spend on the group in the first year of the run, per member, x this year's members)."""
    group = _by_law(cells.filter(pl.col("in_group")), laws)
    text = (f"gebundeld budget voor doelgroep {a.pooled_target_group} ({'+'.join(x.law for x in laws)}): "
            f"elke betaler legt in wat de doelgroep hem per lid kostte in het eerste jaar, x het aantal leden")
    if group.height == 0:
        return pl.DataFrame()
    by_law = group.group_by("year", "area_code", "area_level", "law").agg(
        persons=pl.col("persons").sum(), cost=pl.col("cost").sum(), users=pl.col("users").sum(),
        max_person=pl.col("max_person").max()).with_columns(
        payer=pl.col("law").replace_strict(payer_of),
        hidden=hidden_cost_cell(pl.col("persons"), pl.col("users"), pl.col("max_person"), pl.col("cost"),
                                min_cost_persons, dominance_share))
    key = ["year", "area_code", "area_level", "payer"]
    payer = by_law.group_by(key).agg(laws=pl.col("law").sort().str.join("+"), persons=pl.col("persons").first(),
                                     cost=pl.col("cost").sum(), hidden=pl.col("hidden").any())
    first = payer.filter(pl.col("year") == pl.col("year").min()).select(
        "area_code", "payer", base_pp=pl.col("cost") / pl.col("persons"), base_hidden="hidden")
    payer = payer.join(first, on=["area_code", "payer"], how="left")
    tkey = ["year", "area_code", "area_level"]
    alle = payer.group_by(tkey).agg(
        persons=pl.col("persons").first(), laws=pl.col("laws").sort().str.join("+"), cost=pl.col("cost").sum(),
        base=(pl.col("base_pp")).sum(), hidden=pl.col("hidden").any() | pl.col("base_hidden").any()
    ).with_columns(payer=pl.lit(ALL_PAYERS), base_pp=pl.col("base"), base_hidden=pl.lit(False))
    both = pl.concat([payer, alle.select(payer.columns)], how="vertical_relaxed")
    out = []
    for measure, per_person, hidden in (
            ("group_cost", pl.col("cost") / pl.col("persons"), pl.col("hidden")),
            ("contribution", pl.col("base_pp"), pl.col("hidden") | pl.col("base_hidden").fill_null(True))):
        out.append(both.select(*key, "laws", "persons", hidden=hidden, scenario=pl.lit("pooled_budget"),
                               measure=pl.lit(measure), per_person=per_person, assumptions=pl.lit(text)))
    return pl.concat(out)


def _complementary(rows: pl.DataFrame) -> pl.DataFrame:
    """A region row is hidden when a gemeente row of the same figure is, and an `alle` total when one of its
    payers is (else the difference of published rows gives the hidden one back)."""
    figure = ["year", "scenario", "measure", "payer"]
    gemeente = rows.filter(pl.col("area_level") == "gemeente").group_by(figure).agg(any_hidden=pl.col("hidden").any())
    rows = rows.join(gemeente, on=figure, how="left").with_columns(
        hidden=pl.col("hidden") | ((pl.col("area_level") == "regio") & pl.col("any_hidden").fill_null(False)))
    area = ["year", "area_code", "scenario"]
    payers = rows.filter(pl.col("payer") != ALL_PAYERS).group_by(area).agg(payer_hidden=pl.col("hidden").any())
    rows = rows.drop("any_hidden").join(payers, on=area, how="left").with_columns(
        hidden=pl.col("hidden") | ((pl.col("payer") == ALL_PAYERS) & pl.col("payer_hidden").fill_null(False)))
    # in shared_savings every payer's share is a fixed fraction of the total: hidden with it
    total = rows.filter((pl.col("scenario") == "shared_savings") & (pl.col("payer") == ALL_PAYERS)).group_by(
        area).agg(total_hidden=pl.col("hidden").any())
    return rows.drop("payer_hidden").join(total, on=area, how="left").with_columns(
        hidden=pl.col("hidden") | pl.col("total_hidden").fill_null(False)).drop("total_hidden")


def _what_if_rows(evaluation: pl.DataFrame, reach: pl.DataFrame, a: PaymentAssumptions, payer_of: dict[str, str],
                  rounding_base: int, min_count: int, period: int | None, region: str | None) -> pl.DataFrame:
    """What-if rows of the region in the last year: reach rounded before use; hidden below min_count."""
    if period is None or region is None or reach.height == 0 or evaluation.height == 0:
        return pl.DataFrame()
    reach = reach.with_columns(hidden=pl.col("reached") < min_count, reached=_round(pl.col("reached"), rounding_base))
    effects = what_if(evaluation, reach.select("intervention_id", "reached"), a)
    if effects.height == 0:
        return pl.DataFrame()
    effects = effects.join(reach.select("intervention_id", "hidden"), on="intervention_id")
    text = (f"bereik = {_pct(a.reach_scale)} van de bereikte deelnemers in {period}; effect per deelnemer per jaar "
            f"uit evaluation_results (effect op deelnemers, met 95%-interval); elk volgend jaar blijft "
            f"{_pct(a.persistence)} van het effect over; horizon {a.horizon_years} jaar")
    shown = ~pl.col("hidden")
    per_year = effects.select(
        period=pl.lit(period, pl.Int32), area_code=pl.lit(region), area_level=pl.lit("regio"),
        scenario=pl.lit("what_if"), payer=pl.col("law").replace_strict(payer_of, default=None), laws=pl.col("law"),
        measure=pl.lit("budget_effect"), horizon_year=pl.col("horizon_year").cast(pl.Int32),
        intervention_id="intervention_id",
        persons=pl.when(shown).then(pl.col("reach").round().cast(pl.Int64)),
        per_person=pl.when(shown).then(pl.col("amount") / pl.col("reach")),
        amount=pl.when(shown).then(pl.col("amount")), amount_low=pl.when(shown).then(pl.col("amount_low")),
        amount_high=pl.when(shown).then(pl.col("amount_high")), assumptions=pl.lit(text), suppressed="hidden")
    horizon = per_year.group_by("intervention_id", "payer", "laws").agg(
        pl.col("period", "area_code", "area_level", "scenario", "persons", "assumptions", "suppressed").first(),
        horizon_year=pl.col("horizon_year").max(),
        amount=pl.col("amount").sum().fill_null(0.0), amount_low=pl.col("amount_low").sum(),
        amount_high=pl.col("amount_high").sum()).with_columns(
        measure=pl.lit("budget_effect_horizon"), per_person=pl.lit(None, pl.Float64))
    horizon = horizon.with_columns(
        [pl.when(pl.col("suppressed")).then(None).otherwise(pl.col(c)).alias(c)
         for c in ("amount", "amount_low", "amount_high")])
    return pl.concat([per_year, horizon.select(per_year.columns)], how="vertical_relaxed")
