"""What a published cell shows: quantities, the sums that tie them together, and what each sensitive one needs.

A cell of `indicator_values` shows up to three counts (numerator, denominator, n) and, for a mean, a magnitude
(mean x denominator is the total). Many cells show the same quantity: every person-year indicator without a
filter shows the residents as its denominator, deaths are the numerator of the mortality rate and of segment
levenseinde (`Catalogue.disclosure_links`). Disclosure control therefore works on quantities, identified by
(key, period, area, stratum): a quantity is hidden only when every cell that shows it is suppressed.

Relations are the sums a reader can form: children one area level down add up to their parent, the strata of
one dimension add up to `totaal`, a grouped stratum is the sum of its members (65+ = 65-74 + 75+; it is no member
of its dimension's sum), the segments add up to the residents, residents in income quintile 1 are the
numerator of `he_laag_inkomen`, and a numerator never exceeds its denominator. A sum holds as equality when the
exact members add up to the exact total (a reader may assume so); when they fall short (residents of unknown
income) the total is an upper bound, and the shortfall is a hidden quantity of its own.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from indicators.protection import EQ, LE, Relations

AREA_LEVELS = ("buurt", "wijk", "gemeente", "regio")
COUNT_COLUMNS = ("numerator", "denominator", "n")
GROUP_TYPE = pl.List(pl.Struct({"stratum": pl.String, "member": pl.String}))
QKEY = ("key", "period", "area_code", "stratum")
_ADDS_UP = 1e-9  # relative tolerance: float sums (insured years, costs) differ in their last digits


@dataclass(frozen=True)
class QuantityModel:
    """Quantities (`qid` 0..n-1 in a stable order), which cell shows which, and the relations between them."""

    quantities: pl.DataFrame  # qid, key, period, area_code, area_level, stratum, value
    exposures: pl.DataFrame   # _rid (cell row), qid, column, magnitude (an amount rather than persons)
    relations: Relations


def default_links(cells: pl.DataFrame) -> pl.DataFrame:
    """Links for cells without a catalogue (tests, ad-hoc use): every indicator counts its own quantities."""
    ids = cells.select("indicator_id", "kind").unique("indicator_id").sort("indicator_id")
    own = pl.col("indicator_id")
    return ids.select(
        "indicator_id",
        (own + "|numerator").alias("numerator_key"),
        (own + "|denominator").alias("denominator_key"),
        (own + "|n").alias("n_key"),
        pl.when(pl.col("kind").is_in(["cost", "mean"])).then(own + "|total").alias("magnitude_key"),
        pl.lit(None, pl.String).alias("partition"),
        pl.lit(None, pl.String).alias("numerator_is_stratum"),
        pl.lit(None, pl.String).alias("denominator_is_stratum"),
        pl.lit(None, pl.String).alias("stratum_key"),
        pl.col("kind").is_in(["proportion", "survey"]).alias("bounded_by_denominator"),
        pl.lit([], GROUP_TYPE).alias("stratum_groups"),
    )


def links_frame(links: list[dict]) -> pl.DataFrame:
    """`Catalogue.disclosure_links()` as a frame with what the quantity model reads."""
    frame = pl.DataFrame(links, infer_schema_length=None)
    groups = (pl.col("stratum_groups").cast(GROUP_TYPE) if "stratum_groups" in frame.columns
              else pl.lit([], GROUP_TYPE).alias("stratum_groups"))
    optional = [pl.col(c) if c in frame.columns else pl.lit(None, pl.String).alias(c)
                for c in ("denominator_is_stratum", "stratum_key")]
    return frame.select(
        "indicator_id", "numerator_key", "denominator_key", "n_key", "magnitude_key", "partition",
        "numerator_is_stratum", *optional,
        pl.col("method").is_in(["proportion", "weighted_proportion", "direct_standardised"])
        .alias("bounded_by_denominator"),
        groups,
    )


def stratum_groups(links: pl.DataFrame) -> pl.DataFrame:
    """Grouped strata and their members (stratum, member), from the links' `stratum_groups` (none without)."""
    if "stratum_groups" not in links.columns:
        return pl.DataFrame(schema={"stratum": pl.String, "member": pl.String})
    return (links.select(pl.col("stratum_groups").cast(GROUP_TYPE)).explode("stratum_groups")
            .drop_nulls().unnest("stratum_groups").unique().sort("stratum", "member"))


def _exposures(cells: pl.DataFrame, links: pl.DataFrame) -> pl.DataFrame:
    """One row per (cell, shown quantity) with the quantity's exact value."""
    work = cells.select("_rid", "indicator_id", "period", "area_code", "area_level", "stratum", "kind",
                        *COUNT_COLUMNS, "total").join(links, on="indicator_id", how="left")
    # An amount rather than a count of persons: the numerator of a cost or business cell (euros, sick-leave
    # days), the denominator of a business cell (contract days, fte) and the total behind a mean.
    amount = {"numerator": pl.col("kind").is_in(["cost", "business"]), "denominator": pl.col("kind") == "business",
              "n": pl.lit(False)}
    parts = [
        work.select("_rid", "period", "area_code", "area_level", "stratum",
                    pl.col(f"{column}_key" if column != "n" else "n_key").alias("key"),
                    pl.col(column).cast(pl.Float64).alias("value"), pl.lit(column).alias("column"),
                    amount[column].alias("magnitude"))
        for column in COUNT_COLUMNS
    ]
    parts.append(work.select("_rid", "period", "area_code", "area_level", "stratum",
                             pl.col("magnitude_key").alias("key"), pl.col("total").cast(pl.Float64).alias("value"),
                             pl.lit("magnitude").alias("column"), pl.lit(True).alias("magnitude")))
    parts += [part.filter(pl.col("key").is_not_null()) for part in _aliases(work)]
    return pl.concat(parts).filter(pl.col("key").is_not_null() & pl.col("value").is_not_null())


def _aliases(work: pl.DataFrame) -> list[pl.DataFrame]:
    """The totaal counts the catalogue declares to be a stratum of the mart's rows, shown as that stratum too
    (column `numerator@` / `denominator@`: the relations tie each to its own quantity)."""
    base = pl.coalesce("stratum_key", "denominator_key")
    out = []
    for column in ("numerator", "denominator"):
        alias = pl.col(f"{column}_is_stratum")
        out.append(work.filter((pl.col("stratum") == "totaal") & alias.is_not_null()).select(
            "_rid", "period", "area_code", "area_level", alias.alias("stratum"), base.alias("key"),
            pl.col(column).cast(pl.Float64).alias("value"), pl.lit(f"{column}@").alias("column"),
            pl.lit(False).alias("magnitude")))
    return out


def _rows(members: pl.DataFrame, totals: pl.DataFrame, on: list[str], quantities: pl.DataFrame) -> pl.DataFrame:
    """Relations `sum(members) - total (=|<=) 0` for groups of `members` (qid + `on`) with a `totals` qid.

    Equality when the exact members add up to the exact total, `<=` when they fall short; a group whose
    members exceed the total (not additive, e.g. distinct persons) gives no relation.
    """
    value = quantities.select("qid", "value")
    sums = (members.join(value, on="qid").group_by(on)
            .agg(pl.col("value").sum().alias("_sum"), pl.len().alias("_members")))
    groups = totals.join(value.rename({"qid": "_tid", "value": "_total"}), on="_tid").join(sums, on=on)
    gap = pl.col("_total") - pl.col("_sum")
    tolerance = _ADDS_UP * pl.max_horizontal(pl.lit(1.0), pl.col("_total").abs())
    groups = groups.with_columns(
        pl.when(gap.abs() <= tolerance).then(pl.lit(EQ)).when(gap > 0).then(pl.lit(LE)).otherwise(None)
        .cast(pl.Int8).alias("kind"),
        pl.struct(on).rank("dense").cast(pl.Int64).alias("group"),
    ).filter(pl.col("kind").is_not_null())
    return pl.concat([
        members.join(groups.select(*on, "group", "kind"), on=on)
        .select("group", "kind", "qid", pl.lit(1.0).alias("coef")),
        groups.select("group", "kind", pl.col("_tid").alias("qid"), pl.lit(-1.0).alias("coef")),
    ])


def _relations(quantities: pl.DataFrame, areas: pl.DataFrame, links: pl.DataFrame,
               exposures: pl.DataFrame, cells: pl.DataFrame, complements: pl.DataFrame) -> Relations:
    q = quantities.select("qid", "key", "period", "area_code", "area_level", "stratum")
    rank = {level: i for i, level in enumerate(AREA_LEVELS)}
    parents = (
        areas.select("area_code", "area_level", "parent_code")
        .join(areas.select(pl.col("area_code").alias("parent_code"), pl.col("area_level").alias("parent_level")),
              on="parent_code")
        .filter(pl.col("parent_level").replace_strict(rank, default=None)
                == pl.col("area_level").replace_strict(rank, default=None) + 1)
        .select("area_code", "parent_code")
    )
    groups = []
    # 1. hierarchy: children one level below their parent, per key, period and stratum
    children = q.join(parents, on="area_code")
    parent_q = q.select(pl.col("qid").alias("_tid"), "key", "period", pl.col("area_code").alias("parent_code"),
                        "stratum")
    groups.append(_rows(children.select("qid", "key", "period", "parent_code", "stratum"), parent_q,
                        ["key", "period", "parent_code", "stratum"], quantities))
    # 2. strata of one dimension add up to totaal, per key, period and area; a grouped stratum (65+) is no
    #    member of that sum
    grouped = stratum_groups(links)
    strata = q.filter(pl.col("stratum").str.contains(":") & ~pl.col("stratum").is_in(grouped["stratum"].implode())
                      ).with_columns(pl.col("stratum").str.extract(r"^([^:]+):", 1).alias("dim"))
    totaal = q.filter(pl.col("stratum") == "totaal").select(pl.col("qid").alias("_tid"), "key", "period",
                                                            "area_code")
    dims = strata.select("key", "period", "area_code", "dim").unique()
    groups.append(_rows(strata.select("qid", "key", "period", "area_code", "dim"), totaal.join(dims, on=[
        "key", "period", "area_code"]), ["key", "period", "area_code", "dim"], quantities))
    # 2b. a stratum that repeats its totaal (every Zvw cost category counts all insured years and persons of
    #     the area): member - totaal = 0, so that a category cell shows the totaal as a reader would see it
    same = (pl.col("value") - pl.col("_total")).abs() <= _ADDS_UP * pl.max_horizontal(pl.lit(1.0),
                                                                                     pl.col("_total").abs())
    copies = (strata.join(quantities.select("qid", "value"), on="qid")
              .join(totaal.join(quantities.select(pl.col("qid").alias("_tid"), pl.col("value").alias("_total")),
                                on="_tid"), on=["key", "period", "area_code"])
              .filter(same.all().over("key", "period", "area_code", "dim") & (pl.len().over(
                  "key", "period", "area_code", "dim") > 1)))
    if copies.height:
        copies = copies.sort("qid").with_row_index("group").with_columns(pl.col("group").cast(pl.Int64))
        groups.append(pl.concat([
            copies.select("group", pl.lit(EQ, pl.Int8).alias("kind"), "qid", pl.lit(1.0).alias("coef")),
            copies.select("group", pl.lit(EQ, pl.Int8).alias("kind"), pl.col("_tid").alias("qid"),
                          pl.lit(-1.0).alias("coef")),
        ]))
    # 2c. a grouped stratum is the sum of its members (65+ = 65-74 + 75+), per key, period and area: so that
    #     65+ - 75+ cannot give back a hidden 65-74
    if grouped.height:
        members = q.join(grouped.rename({"stratum": "aggregate"}), left_on="stratum", right_on="member").select(
            "qid", "key", "period", "area_code", "aggregate")
        groups.append(_rows(members, q.select(pl.col("qid").alias("_tid"), "key", "period", "area_code",
                                              pl.col("stratum").alias("aggregate")),
                            ["key", "period", "area_code", "aggregate"], quantities))
    # 3. partitions: the numerators of a partition's indicators add up to their common denominator
    parted = links.filter(pl.col("partition").is_not_null())
    if parted.height:
        shown = exposures.join(cells.select("_rid", "indicator_id"), on="_rid").join(
            parted.select("indicator_id", "partition", "denominator_key"), on="indicator_id")
        nums = (shown.filter(pl.col("column") == "numerator").join(q, on="qid")
                .select("qid", "partition", "denominator_key", "period", "area_code", "stratum").unique())
        dens = q.select(pl.col("qid").alias("_tid"), pl.col("key").alias("denominator_key"), "period", "area_code",
                        "stratum")
        on = ["partition", "denominator_key", "period", "area_code", "stratum"]
        groups.append(_rows(nums, nums.select(on).unique().join(dens, on=on[1:]), on, quantities))
    # 4. a count that is a stratum of the mart's rows (he_laag_inkomen's numerator = residents in income Q1):
    #    own quantity - the stratum's quantity = 0, per cell that shows both
    alias = exposures.filter(pl.col("column").str.ends_with("@")).with_columns(
        pl.col("column").str.strip_suffix("@"))
    if alias.height:
        pairs = (exposures.join(alias.select("_rid", "column", pl.col("qid").alias("_aid")), on=["_rid", "column"])
                 .filter(pl.col("qid") != pl.col("_aid")).select("qid", "_aid").unique().sort("qid", "_aid")
                 .with_row_index("group").with_columns(pl.col("group").cast(pl.Int64)))
        groups.append(pl.concat([
            pairs.select("group", pl.lit(EQ, pl.Int8).alias("kind"), "qid", pl.lit(1.0).alias("coef")),
            pairs.select("group", pl.lit(EQ, pl.Int8).alias("kind"), pl.col("_aid").alias("qid"),
                         pl.lit(-1.0).alias("coef")),
        ]))
    entries = pl.concat([g.with_columns(pl.lit(i).alias("family")) for i, g in enumerate(groups)])
    # 5. a numerator never exceeds its denominator: numerator - denominator <= 0
    bounded = links.filter(pl.col("bounded_by_denominator")).select("indicator_id")
    pairs = (exposures.join(cells.select("_rid", "indicator_id").join(bounded, on="indicator_id"), on="_rid")
             .filter(pl.col("column").is_in(["numerator", "denominator"]))
             .pivot(on="column", index="_rid", values="qid", aggregate_function="first"))
    if {"numerator", "denominator"} <= set(pairs.columns):
        pairs = (pairs.drop_nulls(["numerator", "denominator"]).select("numerator", "denominator").unique()
                 .sort("numerator", "denominator").with_row_index("group"))
        entries = pl.concat([entries, pl.concat([
            pairs.select(pl.col("group").cast(pl.Int64), pl.lit(LE, pl.Int8).alias("kind"),
                         pl.col("numerator").alias("qid"),
                         pl.lit(1.0).alias("coef")),
            pairs.select(pl.col("group").cast(pl.Int64), pl.lit(LE, pl.Int8).alias("kind"),
                         pl.col("denominator").alias("qid"),
                         pl.lit(-1.0).alias("coef")),
        ]).with_columns(pl.lit(len(groups)).alias("family"))], how="vertical_relaxed")
    bound_family = len(groups)
    # 6. a small complement is a hidden quantity of its own: numerator + complement - denominator = 0
    if complements.height:
        comp = complements.with_row_index("group").with_columns(pl.col("group").cast(pl.Int64))
        entries = pl.concat([entries, pl.concat([
            comp.select("group", pl.lit(EQ, pl.Int8).alias("kind"), pl.col(c).alias("qid"), pl.lit(k).alias("coef"))
            for c, k in (("numerator", 1.0), ("qid", 1.0), ("denominator", -1.0))
        ]).with_columns(pl.lit(bound_family + 1).alias("family"))], how="vertical_relaxed")
    entries = entries.with_columns(pl.struct("family", "group").rank("dense").cast(pl.Int64).alias("row") - 1)
    rows = entries.group_by("row").agg(pl.first("kind"), pl.first("family")).sort("row")
    return Relations(entries["row"].to_numpy(), entries["qid"].cast(pl.Int64).to_numpy(),
                     entries["coef"].to_numpy(), rows["kind"].cast(pl.Int8).to_numpy(),
                     (rows["family"] != bound_family).to_numpy())


def _small_complements(cells: pl.DataFrame, exposures: pl.DataFrame, links: pl.DataFrame,
                       min_count: int) -> pl.DataFrame:
    """Numerator and denominator quantities of cells that fail a rule on a complement of 1..min_count-1."""
    bounded = links.filter(pl.col("bounded_by_denominator")).select("indicator_id")
    complement = pl.col("denominator") - pl.col("numerator")
    flagged = cells.join(bounded, on="indicator_id").filter(
        pl.col("_primary").is_not_null() & (complement > 0) & (complement < min_count)).select("_rid")
    pairs = (exposures.join(flagged, on="_rid").filter(pl.col("column").is_in(["numerator", "denominator"]))
             .pivot(on="column", index="_rid", values="qid", aggregate_function="first"))
    if not {"numerator", "denominator"} <= set(pairs.columns):
        return pl.DataFrame(schema={"numerator": pl.UInt32, "denominator": pl.UInt32})
    return (pairs.drop_nulls(["numerator", "denominator"]).select("numerator", "denominator").unique()
            .sort("numerator", "denominator"))


def build_model(cells: pl.DataFrame, areas: pl.DataFrame, links: pl.DataFrame, min_count: int = 10) -> QuantityModel:
    """The quantities that `cells` (with a `_rid` row id, exact counts and `_primary`) show, and their relations.

    A cell that fails a rule on a small complement adds that complement as a quantity no cell shows."""
    shown = _exposures(cells, links)
    quantities = (
        shown.group_by(QKEY).agg(pl.first("area_level"), pl.col("value").first())
        .sort(QKEY).with_row_index("qid")
    )
    exposures = shown.join(quantities.select("qid", *QKEY), on=QKEY).select("_rid", "qid", "column", "magnitude")
    complements = _small_complements(cells, exposures, links, min_count)
    if complements.height:
        parts = complements.join(quantities.select(pl.col("qid").alias("numerator"), *QKEY, "area_level", "value"),
                                 on="numerator").join(
            quantities.select(pl.col("qid").alias("denominator"), pl.col("value").alias("_den")), on="denominator")
        added = parts.select(
            (pl.lit("complement|") + pl.col("key")).alias("key"), "period", "area_code", "stratum", "area_level",
            (pl.col("_den") - pl.col("value")).alias("value"), "numerator", "denominator",
        ).sort(QKEY).with_row_index("qid", offset=quantities.height)
        quantities = pl.concat([quantities, added.select(quantities.columns)])
        complements = added.select("qid", "numerator", "denominator")
    else:
        complements = pl.DataFrame(schema={"qid": pl.UInt32, "numerator": pl.UInt32, "denominator": pl.UInt32})
    relations = _relations(quantities, areas, links, exposures, cells, complements)
    return QuantityModel(quantities, exposures, relations)


def requirements(cells: pl.DataFrame, model: QuantityModel, policy) -> pl.DataFrame:
    """Sensitive quantities with the interval an outsider must not be able to narrow: qid, value, low, high.

    Counts of 1..min_count-1 persons shown by a cell that fails a rule (a numerator, n or denominator; the
    events of a rate whose persons with an event are that few; the numerator of a small complement): the
    outsider may exclude neither max(0, v - w) nor v + w, w = protection_width; for a small complement the
    upper end is the denominator (it may not be excluded that everyone counts). Amounts of cost and business
    cells that fail a rule: v (1 - q) and max(v (1 + q), largest contribution / dominance share), q =
    magnitude_protection, so that the largest contributor cannot be shown to dominate. Cells suppressed only
    for precision (a denominator below 50, fewer than 30 respondents) hide their numbers but need no cover:
    their counts are not small. A zero is never sensitive.
    """
    w, q_mag = float(policy.protection_width), float(policy.magnitude_protection)
    flagged = cells.filter(pl.col("_primary").is_not_null()).select(
        "_rid", "kind", "numerator", "denominator", "persons_with_event", "max_contribution", "max_exposure")
    shown = model.exposures.join(flagged, on="_rid").join(model.quantities.select("qid", "value"), on="qid")
    small = (pl.col("value") > 0) & (pl.col("value") < policy.min_count)
    few_persons = ((pl.col("persons_with_event") > 0) & (pl.col("persons_with_event") < policy.min_count)) \
        .fill_null(False)
    is_numerator = pl.col("column") == "numerator"
    share = pl.when(pl.col("kind") == "business").then(pl.lit(policy.unit_dominance_share)) \
        .otherwise(pl.lit(policy.dominance_share))
    largest = pl.when(~pl.col("kind").is_in(["cost", "business"])).then(None) \
        .when(pl.col("column") == "denominator").then(pl.col("max_exposure")) \
        .otherwise(pl.col("max_contribution"))
    magnitude = pl.col("magnitude")
    count_rule = ~magnitude & (small | (is_numerator & (pl.col("value") > 0) & few_persons))
    req = shown.filter(count_rule | (magnitude & (pl.col("value") > 0))).with_columns(
        low=pl.when(magnitude).then(pl.col("value") * (1 - q_mag))
        .otherwise(pl.max_horizontal(pl.lit(0.0), pl.col("value") - w)),
        high=pl.when(magnitude).then(pl.max_horizontal(pl.col("value") * (1 + q_mag),
                                                       (largest / share).fill_null(0.0)))
        .otherwise(pl.col("value") + w),
    ).select("qid", "value", "low", "high")
    complements = model.quantities.filter(pl.col("key").str.starts_with("complement|")).select(
        "qid", "value", pl.max_horizontal(pl.lit(0.0), pl.col("value") - w).alias("low"),
        (pl.col("value") + w).alias("high"))
    return (pl.concat([req, complements], how="vertical_relaxed")
            .group_by("qid").agg(pl.first("value"), pl.col("low").min(), pl.col("high").max()).sort("qid"))
