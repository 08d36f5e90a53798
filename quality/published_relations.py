"""The attacker's model of a publication: which published numbers are the same quantity, what each is known to
lie in, and every additive relation between them.

A quantity is (key, period, area, stratum). The key says what is counted (`Catalogue.disclosure_links()`:
two cells that publish the same key publish the same quantity); without links every indicator counts its
own quantities. Starting intervals: a count rounded to r lies in [r - base/2, r + base/2], a mean's magnitude
is value x rounded denominator, counts recovered from values (`counts_from_values`) and from derived tables
narrow them further; a quantity nobody publishes lies in [0, inf).

Relations, each an equality when the exact candidate satisfies it with equality (an attacker who knows the
definitions may assume it) and otherwise the inequality it satisfies, or left out:
  hierarchy   the areas one level below a parent add up to the parent (per key, stratum, period)
  strata      the strata of one dimension add up to `totaal` (or, like Zvw categories' insured years, each
              equals it); a grouped stratum (65+) is no member of that sum
  grouped     a grouped stratum is the sum of its members (65+ = 65-74 + 75+; the catalogue's stratum_groups),
              so 65+ - 75+ and totaal - 65+ are sums an attacker forms too
  partition   the numerators of a partition (segments) add up to their common denominator
  complement  numerator + (denominator - numerator) = denominator, so a complement is a quantity too
  alias       a totaal count the catalogue declares a stratum of the mart's rows (`numerator_is_stratum`,
              `denominator_is_stratum`) equals that stratum: he_laag_inkomen's numerator is the residents in
              income Q1, its denominator the residents of known income (the five quintiles, a grouped stratum)
Shared keys need no relation: they make two cells one quantity.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from quality.bound_propagation import LinearRelations

QUANTITY = ["key", "period", "area_code", "stratum"]
LEVEL_RANK = {"buurt": 1, "wijk": 2, "gemeente": 3, "regio": 4}
COUNT_KINDS = ("proportion", "survey", "count")
MAGNITUDE_KINDS = ("cost", "business", "mean")
# Two exact sums are equal when they differ by less than this (relative; magnitudes are float sums).
EQUAL = 1e-6


@dataclass(frozen=True)
class AttackModel:
    """Quantities with their starting intervals, the relations between them and which cell uses which.

    quantities: var, qid, key_i, period, area_i, stratum_i, exact, exact_spread, lo, hi, integral, magnitude
        (`spell` writes key, area_code and stratum out for the few that are reported)
    roles: cell, role (numerator, denominator, n, complement, magnitude), var, exact
    relation_rows: number of relation rows per family
    """

    quantities: pl.DataFrame
    roles: pl.DataFrame
    relations: LinearRelations
    relation_rows: dict[str, int]
    codes: _Codes

    def spell(self, frame: pl.DataFrame) -> pl.DataFrame:
        """Rows of `quantities` (or any frame with key_i, area_i, stratum_i) with their names written out."""
        return self.codes.spell(frame)


def _between(lo: pl.Expr, hi: pl.Expr) -> dict[str, pl.Expr]:
    return {"lo": lo, "hi": hi}


def _roles(cells: pl.DataFrame, half: float) -> pl.DataFrame:
    """One row per (cell, published quantity) with what the publication tells about it. A cell suppressed as
    "geen waarnemingen" publishes that its quantities are 0."""
    kind, method = pl.col("kind"), pl.col("method")
    ratio_type = pl.col("u_num").is_not_null()
    base = ["cell", "period", "area_code"]
    numerator = cells.filter(pl.col("u_num").is_not_null()).select(
        *base, role=pl.lit("numerator"), key=pl.col("numerator_key"), stratum=pl.col("stratum"),
        exact=pl.col("u_num"),
        lo=pl.max_horizontal(pl.col("p_num") - half, pl.col("know_num_lo")),
        hi=pl.min_horizontal(pl.col("p_num") + half, pl.col("know_num_hi")),
        integral=kind.is_in([*COUNT_KINDS, "rate"]),
        magnitude=kind.is_in(["cost", "business"]),
    )
    denominator = cells.filter(pl.col("u_den").is_not_null()).select(
        *base, role=pl.lit("denominator"), key=pl.col("denominator_key"), stratum=pl.col("stratum"),
        exact=pl.col("u_den"),  # for organisations the total exposure or weight (exposure_total)
        lo=pl.max_horizontal(pl.col("p_den") - half, pl.col("know_den_lo")),
        hi=pl.min_horizontal(pl.col("p_den") + half, pl.col("know_den_hi")),
        integral=kind.is_in([*COUNT_KINDS, "mean"]) | (pl.col("denominator_key") == pl.col("n_key"))
        | ((kind == "cost") & ~ratio_type),
        magnitude=kind == "business",
    )
    persons = cells.filter(pl.col("u_n").is_not_null()).select(
        *base, role=pl.lit("n"), key=pl.col("n_key"), stratum=pl.col("stratum"),
        exact=pl.col("u_n").cast(pl.Float64),
        **_between(pl.col("p_n") - half, pl.col("p_n") + half),
        integral=pl.lit(True), magnitude=pl.lit(False),
    )
    complement = cells.filter(kind.is_in(["proportion", "survey"]) & ratio_type
                              & pl.col("u_den").is_not_null()).select(
        *base, role=pl.lit("complement"),
        key=pl.concat_str(pl.lit("complement|"), pl.col("numerator_key"), pl.lit("|"), pl.col("denominator_key")),
        stratum=pl.col("stratum"), exact=pl.col("u_den") - pl.col("u_num"),
        **_between(pl.lit(None, pl.Float64), pl.lit(None, pl.Float64)),
        integral=pl.lit(True), magnitude=pl.lit(False),
    )
    # A mean's magnitude is value x rounded denominator (to the published precision of the value); a ratio's
    # is its rounded numerator again. A weighted mean (workforce scores) divides by a weight total that is
    # never published, so it gives no magnitude back.
    implied = pl.col("p_value") * pl.col("p_den") / pl.col("multiplier")
    spread = pl.col("value_tol") * pl.col("p_den") / pl.col("multiplier")
    magnitude = cells.filter(kind.is_in(MAGNITUDE_KINDS) & ~method.is_in(["top_share", "weighted_mean"])).select(
        *base, role=pl.lit("magnitude"), key=pl.col("magnitude_key"), stratum=pl.col("stratum"),
        exact=pl.when(ratio_type).then(pl.col("u_num")).otherwise(pl.col("u_total")),
        **_between(implied - pl.when(ratio_type).then(pl.lit(half)).otherwise(spread),
                   implied + pl.when(ratio_type).then(pl.lit(half)).otherwise(spread)),
        integral=pl.lit(False), magnitude=pl.lit(True),
    ).filter(pl.col("exact").is_not_null())
    columns = ["cell", "role", *QUANTITY, "exact", "lo", "hi", "integral", "magnitude"]
    aliases = [_alias(cells, frame, role) for frame, role in ((numerator, "numerator"), (denominator, "denominator"))]
    roles = pl.concat([f.select(columns) for f in (numerator, denominator, persons, complement, magnitude, *aliases)],
                      how="vertical_relaxed").filter(pl.col("key").is_not_null())
    empty = cells.filter(pl.col("suppressed") & (pl.col("reason") == "geen waarnemingen")).select("cell")
    if not empty.height:
        return roles
    zero = roles["cell"].is_in(empty["cell"].implode())
    return roles.with_columns(lo=pl.when(zero).then(0.0).otherwise("lo"), hi=pl.when(zero).then(0.0).otherwise("hi"))


def _alias(cells: pl.DataFrame, roles: pl.DataFrame, role: str) -> pl.DataFrame:
    """The totaal `role` counts the links declare a stratum of the mart's rows, as that stratum (`<role>@`)."""
    declared = cells.filter((pl.col("stratum") == "totaal") & pl.col(f"{role}_is_stratum").is_not_null()).select(
        "cell", key=pl.coalesce("stratum_key", "denominator_key"), stratum=pl.col(f"{role}_is_stratum"))
    return roles.drop("key", "stratum").join(declared, on="cell").with_columns(role=pl.lit(f"{role}@"))


@dataclass(frozen=True)
class _Codes:
    """Small integer codes for keys, areas and strata, so quantities are joined and grouped as one int64."""

    key: dict[str, int]
    area: dict[str, int]
    stratum: dict[str, int]

    @staticmethod
    def of(keys: list[str], areas: list[str], strata: list[str]) -> _Codes:
        def number(values: list[str]) -> dict[str, int]:
            return {v: i for i, v in enumerate(sorted(set(values)))}
        return _Codes(number(keys), number(areas), number(["totaal", *strata]))

    def qid(self, key: pl.Expr, period: pl.Expr, area: pl.Expr, stratum: pl.Expr) -> pl.Expr:
        return ((key * 10_000 + period.cast(pl.Int64)) * (len(self.area) + 1) + area) * (len(self.stratum) + 1) \
            + stratum

    def spell(self, frame: pl.DataFrame) -> pl.DataFrame:
        """`frame` (with key_i, area_i, stratum_i) with key, area_code and stratum written out again."""
        def spelt(codes: dict[str, int], column: str) -> pl.Expr:
            return pl.col(column).replace_strict({i: v for v, i in codes.items()}, return_dtype=pl.String)
        return frame.with_columns(key=spelt(self.key, "key_i"), area_code=spelt(self.area, "area_i"),
                                  stratum=spelt(self.stratum, "stratum_i"))

    def encode(self, frame: pl.DataFrame) -> pl.DataFrame:
        frame = frame.with_columns(
            key_i=pl.col("key").replace_strict(self.key, return_dtype=pl.Int64),
            area_i=pl.col("area_code").replace_strict(self.area, return_dtype=pl.Int64),
            stratum_i=pl.col("stratum").replace_strict(self.stratum, return_dtype=pl.Int64))
        return frame.with_columns(qid=self.qid(pl.col("key_i"), pl.col("period"), pl.col("area_i"),
                                               pl.col("stratum_i")))


def _quantities(roles: pl.DataFrame, knowledge: pl.DataFrame) -> tuple[pl.DataFrame, np.ndarray]:
    """One row per distinct quantity (numbered `var` in qid order) and the var of every role.

    The exact value is the first role's (`exact_spread` says whether the cells agree); the starting interval
    is the intersection of everything the roles and the extra knowledge say.
    """
    qid = roles["qid"].to_numpy()
    order = np.argsort(qid)  # deterministic; which role's exact value comes first does not matter
    ordered = qid[order]
    first = np.r_[True, ordered[1:] != ordered[:-1]]
    starts = np.flatnonzero(first)
    var_of_role = np.empty(qid.size, dtype=np.int64)
    var_of_role[order] = np.cumsum(first) - 1

    def column(name: str, fill: float) -> np.ndarray:
        return roles[name].cast(pl.Float64).fill_nan(None).fill_null(fill).to_numpy()[order]

    exact = column("exact", np.nan)
    lo = np.maximum.reduceat(column("lo", 0.0), starts)
    hi = np.minimum.reduceat(column("hi", np.inf), starts)
    if knowledge.height:
        learnt = knowledge["qid"].to_numpy()
        where = np.searchsorted(ordered[starts], learnt)
        known = (where < starts.size) & (ordered[starts][np.minimum(where, starts.size - 1)] == learnt)
        np.maximum.at(lo, where[known], knowledge["lo"].fill_null(0.0).to_numpy()[known])
        np.minimum.at(hi, where[known], knowledge["hi"].fill_null(np.inf).to_numpy()[known])
    quantities = pl.DataFrame({
        "var": np.arange(starts.size, dtype=np.int64), "qid": ordered[starts],
        **{name: roles[name].to_numpy()[order][starts] for name in ("key_i", "period", "area_i", "stratum_i")},
        "exact": exact[starts],
        "exact_spread": np.maximum.reduceat(exact, starts) - np.minimum.reduceat(exact, starts),
        "lo": np.maximum(lo, 0.0), "hi": hi,
        "integral": np.logical_or.reduceat(roles["integral"].fill_null(False).to_numpy()[order], starts),
        "magnitude": np.logical_or.reduceat(roles["magnitude"].fill_null(False).to_numpy()[order], starts),
    })
    return quantities, var_of_role


def _relation_kind(members: pl.Expr, total: pl.Expr) -> pl.Expr:
    """'eq' when the exact members add up to the exact total, 'le' when they stay below it, else null."""
    slack = EQUAL * pl.max_horizontal(pl.lit(1.0), total.abs())
    return (pl.when((members - total).abs() <= slack).then(pl.lit("eq"))
            .when(members < total).then(pl.lit("le")))


def _sum_rows(groups: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Entries (group, var, coef) and kinds (group, kind) for `sum(members) - total (= or <=) 0` per group.

    `groups` has one row per member: group, var, exact, total_var, total_exact.
    """
    kinds = (groups.group_by("group").agg(members=pl.col("exact").sum(), total=pl.col("total_exact").first(),
                                          total_var=pl.col("total_var").first())
             .with_columns(kind=_relation_kind(pl.col("members"), pl.col("total")))
             .filter(pl.col("kind").is_not_null()))
    entries = pl.concat([
        groups.join(kinds.select("group"), on="group").select("group", "var", coef=pl.lit(1.0)),
        kinds.select("group", var=pl.col("total_var"), coef=pl.lit(-1.0)),
    ])
    return entries, kinds.select("group", "kind")


def _hierarchy(quantities: pl.DataFrame, areas: pl.DataFrame, codes: _Codes) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Per parent quantity: its children one area level below add up to it."""
    level = dict(zip(areas["area_code"], areas["area_level"], strict=True))
    links = areas.filter(pl.col("parent_code").is_in(list(codes.area))).select(
        area_i=pl.col("area_code").replace_strict(codes.area, return_dtype=pl.Int64),
        parent_i=pl.col("parent_code").replace_strict(codes.area, return_dtype=pl.Int64),
        rank=pl.col("area_level").replace_strict(LEVEL_RANK, default=0),
        parent_rank=pl.col("parent_code").replace_strict(level, default="").replace_strict(LEVEL_RANK, default=0),
    ).filter(pl.col("parent_rank") == pl.col("rank") + 1)
    children = quantities.select("key_i", "period", "area_i", "stratum_i", "var", "exact").join(links, on="area_i")
    children = children.with_columns(parent=codes.qid(pl.col("key_i"), pl.col("period"), pl.col("parent_i"),
                                                      pl.col("stratum_i")))
    parents = quantities.select(parent=pl.col("qid"), total_var=pl.col("var"), total_exact=pl.col("exact"))
    return _sum_rows(children.join(parents, on="parent").with_columns(group=pl.col("total_var")))


def _strata(quantities: pl.DataFrame, codes: _Codes, grouped: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Per totaal quantity and dimension: the dimension's strata add up to it (or each equals it); grouped strata
    (the sums of other strata) are left out."""
    dimensions = pl.DataFrame({"stratum_i": list(codes.stratum.values()), "stratum": list(codes.stratum)}).filter(
        pl.col("stratum").str.contains(":", literal=True)
        & ~pl.col("stratum").is_in(grouped["group"].unique().implode())).select(
        pl.col("stratum_i").cast(pl.Int64), dimension=pl.col("stratum").str.split(":").list.first())
    members = quantities.select("key_i", "period", "area_i", "stratum_i", "var", "exact").join(dimensions,
                                                                                               on="stratum_i")
    totals = quantities.select(total=pl.col("qid"), total_var=pl.col("var"), total_exact=pl.col("exact"))
    joined = (members.with_columns(total=codes.qid(pl.col("key_i"), pl.col("period"), pl.col("area_i"),
                                                   pl.lit(codes.stratum["totaal"], pl.Int64)))
              .join(totals, on="total")
              .with_columns(group=pl.struct("total_var", "dimension").rank("dense").cast(pl.Int64)))
    entries, kinds = _sum_rows(joined)
    # A dimension whose members each equal the total (the insured years of every Zvw category) is a set of copies.
    copies = (joined.join(kinds.select("group"), on="group", how="anti")
              .filter(((pl.col("exact") - pl.col("total_exact")).abs()
                       <= EQUAL * pl.max_horizontal(pl.lit(1.0), pl.col("total_exact").abs())).all().over("group"))
              .with_columns(group=pl.int_range(pl.len()).cast(pl.Int64) + joined.height + 1))
    copy_entries = pl.concat([copies.select("group", "var", coef=pl.lit(1.0)),
                              copies.select("group", var=pl.col("total_var"), coef=pl.lit(-1.0))])
    return pl.concat([entries, copy_entries]), pl.concat([kinds, copies.select("group", kind=pl.lit("eq"))])


def _grouped(quantities: pl.DataFrame, codes: _Codes, grouped: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Per grouped-stratum quantity (key, period, area): its member strata add up to it."""
    known = grouped.filter(pl.col("group").is_in(list(codes.stratum)) & pl.col("member").is_in(list(codes.stratum)))
    pairs = known.select(
        group_i=pl.col("group").replace_strict(codes.stratum, return_dtype=pl.Int64),
        stratum_i=pl.col("member").replace_strict(codes.stratum, return_dtype=pl.Int64))
    members = quantities.select("key_i", "period", "area_i", "stratum_i", "var", "exact").join(pairs, on="stratum_i")
    totals = quantities.select(total=pl.col("qid"), total_var=pl.col("var"), total_exact=pl.col("exact"))
    joined = (members.with_columns(total=codes.qid(pl.col("key_i"), pl.col("period"), pl.col("area_i"),
                                                   pl.col("group_i")))
              .join(totals, on="total").with_columns(group=pl.col("total_var")))
    return _sum_rows(joined)


def _partitions(cells: pl.DataFrame, roles: pl.DataFrame, quantities: pl.DataFrame) -> tuple[pl.DataFrame,
                                                                                               pl.DataFrame]:
    """Per partition, period, area and stratum: the partition's numerators add up to their denominator."""
    in_partition = cells.filter(pl.col("partition").is_not_null()).select("cell", "partition")
    placed = roles.join(in_partition, on="cell").join(quantities.select("var", "period", "area_i", "stratum_i"),
                                                      on="var")
    common = ["partition", "period", "area_i", "stratum_i"]
    totals = placed.filter(pl.col("role") == "denominator").group_by(common).agg(
        total_var=pl.col("var").first(), total_exact=pl.col("exact").first())
    groups = (placed.filter(pl.col("role") == "numerator").unique(subset=[*common, "var"]).join(totals, on=common)
              .with_columns(group=pl.struct(common).rank("dense").cast(pl.Int64)))
    return _sum_rows(groups)


def _complements(roles: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """numerator + complement - denominator = 0 for every proportion cell (once per complement quantity)."""
    def of(role: str) -> pl.DataFrame:
        return roles.filter(pl.col("role") == role).select("cell", pl.col("var").alias(role))

    wide = (of("complement").join(of("numerator"), on="cell").join(of("denominator"), on="cell")
            .unique(subset=["complement"]).with_columns(group=pl.col("complement")))
    entries = pl.concat([wide.select("group", var=pl.col(name), coef=pl.lit(coef))
                         for name, coef in (("numerator", 1.0), ("complement", 1.0), ("denominator", -1.0))])
    return entries, wide.select("group", kind=pl.lit("eq"))


def _aliases(roles: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """own count - the stratum it is declared to be = 0, per cell (once per pair of quantities)."""
    alias = roles.filter(pl.col("role").str.ends_with("@")).select(
        "cell", role=pl.col("role").str.strip_suffix("@"), alias=pl.col("var"))
    pairs = (roles.join(alias, on=["cell", "role"]).filter(pl.col("var") != pl.col("alias"))
             .select("var", "alias").unique().sort("var", "alias")
             .with_columns(group=pl.int_range(pl.len()).cast(pl.Int64)))
    entries = pl.concat([pairs.select("group", "var", coef=pl.lit(1.0)),
                         pairs.select("group", var=pl.col("alias"), coef=pl.lit(-1.0))])
    return entries, pairs.select("group", kind=pl.lit("eq"))


def _assemble(parts: dict[str, tuple[pl.DataFrame, pl.DataFrame]]) -> tuple[LinearRelations, dict[str, int]]:
    """Stack the families' rows: a family's row is its group id plus an offset (a group id that was filtered
    out leaves an empty row, which relates nothing)."""
    rows, cols, coefs, equality, counts, offset = [], [], [], [], {}, 0
    for family, (entry, kind) in parts.items():
        size = int(max(entry["group"].max() or 0, kind["group"].max() or 0)) + 1 if kind.height else 0
        rows.append(entry["group"].cast(pl.Int64).to_numpy() + offset)
        cols.append(entry["var"].cast(pl.Int64).to_numpy())
        coefs.append(entry["coef"].cast(pl.Float64).to_numpy())
        sense = np.zeros(size, dtype=bool)
        sense[kind["group"].cast(pl.Int64).to_numpy()] = (kind["kind"] == "eq").to_numpy()
        equality.append(sense)
        counts[family] = kind["group"].n_unique()
        offset += size
    relations = LinearRelations(row=np.concatenate(rows), col=np.concatenate(cols), coef=np.concatenate(coefs),
                                equality=np.concatenate(equality))
    return relations, counts


def build_model(cells: pl.DataFrame, areas: pl.DataFrame, rounding_base: float,
                knowledge: pl.DataFrame | None = None, grouped: pl.DataFrame | None = None) -> AttackModel:
    """Quantities, starting intervals and relations of a publication (see module docstring).

    `cells` is the audit's joined frame (exact `u_*`, published `p_*`, link keys, recovered `know_*` bounds);
    `knowledge` optionally adds intervals (key, period, area_code, stratum, lo, hi) learnt from other tables;
    `grouped` (group, member) the strata that are sums of other strata (`grouped_strata`).
    """
    grouped = grouped_strata(None) if grouped is None else grouped
    roles = _roles(cells, rounding_base / 2)
    if not roles.height:
        return _empty_model()
    extra = empty_knowledge() if knowledge is None else knowledge.filter(
        pl.col("key").is_in(roles["key"].unique().to_list()))
    codes = _Codes.of(roles["key"].unique().to_list(),
                      [*roles["area_code"].unique(), *areas["area_code"], *extra["area_code"].unique()],
                      [*roles["stratum"].unique(), *extra["stratum"].unique()])
    roles = codes.encode(roles)
    quantities, var_of_role = _quantities(roles, codes.encode(extra))
    roles = roles.select("cell", "role", "exact").with_columns(var=var_of_role)
    relations, counts = _assemble({
        "hierarchy": _hierarchy(quantities, areas, codes), "strata": _strata(quantities, codes, grouped),
        "grouped": _grouped(quantities, codes, grouped),
        "partition": _partitions(cells, roles, quantities), "complement": _complements(roles),
        "alias": _aliases(roles)})
    return AttackModel(quantities, roles, relations, counts, codes)


def _empty_model() -> AttackModel:
    quantities = pl.DataFrame(schema={
        "var": pl.Int64, "qid": pl.Int64, "key_i": pl.Int64, "period": pl.Int64, "area_i": pl.Int64,
        "stratum_i": pl.Int64, "exact": pl.Float64, "exact_spread": pl.Float64, "lo": pl.Float64, "hi": pl.Float64,
        "integral": pl.Boolean, "magnitude": pl.Boolean})
    roles = pl.DataFrame(schema={"cell": pl.Int64, "role": pl.String, "exact": pl.Float64, "var": pl.Int64})
    nothing = np.zeros(0, dtype=np.int64)
    relations = LinearRelations(nothing, nothing, np.zeros(0), np.zeros(0, dtype=bool))
    return AttackModel(quantities, roles, relations, {}, _Codes({}, {}, {"totaal": 0}))


def grouped_strata(links: pl.DataFrame | None) -> pl.DataFrame:
    """(group, member) for every grouped stratum the links declare (`stratum_groups` of the catalogue)."""
    empty = pl.DataFrame(schema={"group": pl.String, "member": pl.String})
    if links is None or "stratum_groups" not in links.columns or not links.height:
        return empty
    pairs = links.select(pl.col("stratum_groups").explode()).drop_nulls()
    if not pairs.height:
        return empty
    return pairs.unnest("stratum_groups").select(group=pl.col("stratum"), member=pl.col("member")).unique() \
        .sort("group", "member")


def empty_knowledge() -> pl.DataFrame:
    """The shape of extra knowledge for `build_model`: intervals on quantities learnt outside the cells."""
    return pl.DataFrame(schema={"key": pl.String, "period": pl.Int64, "area_code": pl.String, "stratum": pl.String,
                                "lo": pl.Float64, "hi": pl.Float64})
