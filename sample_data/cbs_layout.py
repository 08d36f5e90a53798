"""The native synthetic records re-shaped as CBS Remote Access microdata (issue 19; /work/briefs/cbs_spec.md).

One small function per CBS file, each taking the generator's native frames (before defect injection) or
the `People` behind them and returning the file's rows with the CBS variable names; keys and dates are
strings as CBS delivers them. Everything a reader can recompute (residents per buurt on 1 January,
income quintile, Zvw cost per category, Wlz cost per spell, bijstand months, survey flags) comes back
exactly; the CBS quirks (overlapping address spells, `----`, negative unknown codes) are added so that
nothing is lost by the documented reading rules. Layout facts: docs in
../shared/reference/cbs_microdata_layouts.md; chosen codes: sample_data/reference/cbs_*.csv.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import polars as pl

from sample_data.days import NEVER, year_end, year_start

REFERENCE = Path(__file__).parent / "reference"
RIN_OFFSET = 100000001           # RINPERSOON = person index + RIN_OFFSET, 9 digits (any injective map will do)
OBJECT_OFFSET = 1000000001       # RINOBJECTNUMMER of the address objects
OPEN_BUS = "88888888"            # CBS's open end date in GBA BUS files
UNKNOWN = "----"
OVERLAP_SHARE = 0.005            # moves whose old address spell runs on 1-30 days past the move
UNKNOWN_OBJECT_SHARE = 0.25      # empty object-years (nobody lives there on 1 January) coded `----`
INCOME_UNKNOWN_SHARE = 0.1       # of the non-private households: -2 (unknown) instead of -1 (institutional)
PGB_SHARE = 0.1                  # Wmo provisions financed as a personal budget
# DEFAULT cut-offs of phm.toml [cutoffs] (tests/sample_data/test_cbs_layout.py checks they still agree):
# the GEMON flags are derived by CBS/GGD, so the CBS layout carries them at these cut-offs only.
DEFAULT_CUTOFFS = {"k10_moderate": 16, "k10_high": 30, "djg_lonely": 3, "djg_severe": 9, "self_rated_good_max": 2}
YES, NO = 1.0, 2.0


@cache
def code_list(name: str) -> pl.DataFrame:
    """A chosen code list `sample_data/reference/cbs_<name>.csv` (shared with the cbs_microdata reader)."""
    return pl.read_csv(REFERENCE / f"cbs_{name}.csv", infer_schema_length=0)


def rin(person: np.ndarray | pl.Series, name: str = "RINPERSOON") -> pl.Series:
    """The 9-digit RINPERSOON string of person indices."""
    return (pl.Series(name, np.asarray(person, dtype=np.int64)) + RIN_OFFSET).cast(pl.Utf8)


def ymd(days: np.ndarray, open_value: str = "") -> pl.Series:
    """`YYYYMMDD` strings of day numbers; NEVER becomes `open_value`."""
    days = np.asarray(days, dtype=np.int64)
    gone = days == NEVER
    dates = pl.Series(np.where(gone, 0, days).astype(np.int32)).cast(pl.Date).dt.strftime("%Y%m%d")
    return dates.scatter(np.flatnonzero(gone), open_value) if gone.any() else dates


def _ymd_col(column: str, open_value: str = "") -> pl.Expr:
    return pl.col(column).dt.strftime("%Y%m%d").fill_null(open_value)


def _keys(person: pl.Expr | str = "_person") -> list[pl.Expr]:
    person = pl.col(person) if isinstance(person, str) else person
    return [pl.lit("R").alias("RINPERSOONS"), (person + RIN_OFFSET).cast(pl.Utf8).alias("RINPERSOON")]


def _codes(name: str) -> dict[str, int]:
    """Project value -> the first CBS code of a chosen code list (columns cbs_code, <project column>)."""
    return {value: int(code) for code, value in reversed(code_list(name).rows())}


# --- persons and where they live -------------------------------------------------------------------------

def gbapersoon(people) -> pl.DataFrame:
    """GBAPERSOONTAB: every person of the simulation, sex and birth year/month (day always 01)."""
    person = np.arange(len(people))
    month = (np.asarray(people.birth_day, dtype="datetime64[D]").astype("datetime64[M]").astype(np.int64) % 12) + 1
    return pl.DataFrame({
        "RINPERSOONS": pl.repeat("R", len(person), eager=True),
        "RINPERSOON": rin(person),
        "GBAGESLACHT": pl.Series(["1", "2"]).gather(people.female.astype(np.int64)),
        "GBAGEBOORTEJAAR": pl.Series(people.birth_year.astype(np.int64)).cast(pl.Utf8),
        "GBAGEBOORTEMAAND": pl.Series(month).cast(pl.Utf8).str.zfill(2),
        "GBAGEBOORTEDAG": pl.repeat("01", len(person), eager=True),
    })


def gbaoverlijden(people) -> pl.DataFrame:
    """GBAOVERLIJDENTAB: one row per person who died (up to the end of the last simulated year)."""
    person = np.flatnonzero(people.death < NEVER)
    return pl.DataFrame({"RINPERSOON": rin(person)}).select(
        pl.lit("R").alias("RINPERSOONS"), "RINPERSOON",
        ymd(people.death[person]).alias("GBADatumOverlijden"))


def address_spells(rng: np.random.Generator, people) -> pl.DataFrame:
    """Address spells (person, object, buurt, start, end as day numbers): a new spell at entry and at each move.

    A person enters at birth, or some years before the first simulated 1 January; a move between two
    1 Januaries happens on a day in between. OVERLAP_SHARE of the moves keep the old spell running 1-30 days
    past the move (CBS quirk); the spec's rule (latest start covering 1 January wins) gives the new address.
    """
    ys = year_start(np.array(people.years))
    resident = people.buurt >= 0
    previous = np.concatenate([np.full((len(people), 1), -1, dtype=people.buurt.dtype), people.buurt[:, :-1]], axis=1)
    person, k = np.nonzero(resident & (people.buurt != previous))   # row-major: by person, then year
    buurt = people.buurt[person, k]
    entry = previous[person, k] < 0
    birth = people.birth_day[person]
    before = ys[0] - np.floor(rng.random(len(person)) * 20 * 365.25).astype(np.int64)
    entered = np.where(k == 0, np.minimum(np.maximum(birth, before), ys[0]), np.minimum(birth, ys[k]))
    low = ys[np.maximum(k - 1, 0)] + 1
    moved = low + np.floor(rng.random(len(person)) * (ys[k] - low + 1)).astype(np.int64)
    start = np.where(entry, entered, moved)
    last = np.append(person[1:] != person[:-1], True)
    end = np.where(last, people.death[person], np.append(start[1:], 0) - 1)
    overlap = np.flatnonzero(~entry & (rng.random(len(person)) < OVERLAP_SHARE))
    end[overlap - 1] = np.minimum(start[overlap] - 1 + rng.integers(1, 31, len(overlap)),
                                  people.death[person[overlap]])
    # about two persons per address object, objects numbered per buurt
    per_buurt = np.bincount(buurt, minlength=people.buurt.max() + 1)
    capacity = np.maximum(per_buurt // 2, 1)
    offset = np.concatenate([[0], np.cumsum(capacity)[:-1]])
    obj = offset[buurt] + np.floor(rng.random(len(person)) * capacity[buurt]).astype(np.int64)
    return pl.DataFrame({"_person": person, "_object": obj, "_buurt": buurt, "_start": start, "_end": end})


def gbaadresobject(spells: pl.DataFrame) -> pl.DataFrame:
    """GBAADRESOBJECTBUS: the address spells with CBS keys; an open end is 88888888."""
    return pl.DataFrame({
        "RINPERSOONS": pl.repeat("R", spells.height, eager=True),
        "RINPERSOON": rin(spells["_person"].to_numpy()),
        "GBADATUMAANVANGADRESHOUDING": ymd(spells["_start"].to_numpy()),
        "GBADATUMEINDEADRESHOUDING": ymd(spells["_end"].to_numpy(), OPEN_BUS),
        "SOORTOBJECTNUMMER": pl.repeat("I", spells.height, eager=True),
        "RINOBJECTNUMMER": (spells["_object"] + OBJECT_OFFSET).cast(pl.Utf8),
    })


def vslgwb(rng: np.random.Generator, spells: pl.DataFrame, buurt_codes: np.ndarray, years: list[int]) -> pl.DataFrame:
    """VSLGWBTAB: gemeente, wijk and buurt code of every address object per year (wide).

    An object nobody's spell covers on 1 January of a year gets `----` there now and then (CBS quirk);
    it never holds a resident that day, so no one is lost.
    """
    obj = spells["_object"].to_numpy()
    n_obj = int(obj.max()) + 1
    buurt_of = np.zeros(n_obj, dtype=np.int64)
    buurt_of[obj] = spells["_buurt"].to_numpy()
    start, end = spells["_start"].to_numpy(), spells["_end"].to_numpy()
    digits = pl.Series([str(c)[2:] for c in buurt_codes]).gather(buurt_of)
    columns: dict[str, pl.Series] = {
        "SOORTOBJECTNUMMER": pl.repeat("I", n_obj, eager=True),
        "RINOBJECTNUMMER": (pl.Series(np.arange(n_obj)) + OBJECT_OFFSET).cast(pl.Utf8),
    }
    for year in years:
        day = year_start(year)
        covered = np.bincount(obj[(start <= day) & (end >= day)], minlength=n_obj) > 0
        unknown = np.flatnonzero(~covered & (rng.random(n_obj) < UNKNOWN_OBJECT_SHARE))
        for prefix, width in (("gem", 4), ("wc", 6), ("bc", 8)):
            code = digits.str.slice(0, width)
            columns[f"{prefix}{year}"] = code.scatter(unknown, UNKNOWN) if len(unknown) else code
    return pl.DataFrame(columns)


def gbahuishoudens(rng: np.random.Generator, people, population: pl.DataFrame) -> pl.DataFrame:
    """GBAHUISHOUDENSBUS: one spell per run of the same native household type over the years.

    A change happens on a day between the two 1 Januaries; 2/3 (couple without children, not married /
    married) and 4/5 (with children) are drawn at random, both mean the project's type.
    """
    pop = population.select("_person", "year", "household_type").sort("_person", "year")
    person, year = pop["_person"].to_numpy(), pop["year"].to_numpy()
    kind = pop["household_type"].to_numpy()
    first = np.append(True, (person[1:] != person[:-1]) | (year[1:] != year[:-1] + 1))
    new = first | np.append(True, kind[1:] != kind[:-1])
    run = np.flatnonzero(new)
    p, y, typ = person[run], year[run], kind[run]
    ys, ys_before = year_start(y), year_start(y - 1)
    birth = people.birth_day[p]
    before = ys - np.floor(rng.random(len(run)) * 10 * 365.25).astype(np.int64)
    entered = np.where(y == people.years[0], np.minimum(np.maximum(birth, before), ys), np.minimum(birth, ys))
    changed = ys_before + 1 + np.floor(rng.random(len(run)) * (ys - ys_before)).astype(np.int64)
    start = np.where(first[run], entered, changed)
    last = np.append(p[1:] != p[:-1], True)
    end = np.where(last, people.death[p], np.append(start[1:], 0) - 1)
    table = code_list("household_types")
    choices = {t: [c for c, v in table.rows() if v == t] for t in set(table["household_type"])}
    vocab = sorted(choices)
    index = np.searchsorted(vocab, typ)
    n_codes = np.array([len(choices[t]) for t in vocab])
    pick = np.floor(rng.random(len(run)) * n_codes[index]).astype(np.int64)
    flat = [c for t in vocab for c in choices[t]]
    first_code = np.concatenate([[0], np.cumsum(n_codes)[:-1]])
    return pl.DataFrame({
        "RINPERSOONS": pl.repeat("R", len(run), eager=True),
        "RINPERSOON": rin(p),
        "DATUMAANVANGHH": ymd(start),
        "DATUMEINDEHH": ymd(end, OPEN_BUS),
        "TYPHH": pl.Series(flat).gather(first_code[index] + pick),
    })


# --- income ----------------------------------------------------------------------------------------------

def inpa(population: pl.DataFrame, year: int) -> pl.DataFrame:
    """INPATAB of a year: every resident is their own household's main earner (HKW = own key)."""
    part = population.filter(pl.col("year") == year).sort("_person")
    return part.select(*_keys(), pl.lit("R").alias("RINPERSOONSHKW"),
                       (pl.col("_person") + RIN_OFFSET).cast(pl.Utf8).alias("RINPERSOONHKW"))


def inha(rng: np.random.Generator, population: pl.DataFrame, year: int) -> pl.DataFrame:
    """INHATAB of a year: a percentile drawn inside the native quintile; no quintile -> -1 (or -2 unknown)."""
    part = population.filter(pl.col("year") == year).sort("_person")
    q = part["income_quintile"].to_numpy().astype(float)
    draw = rng.integers(1, 21, part.height)
    negative = np.where(rng.random(part.height) < INCOME_UNKNOWN_SHARE, -2, -1)
    percentile = np.where(np.isnan(q), negative, 20 * (np.nan_to_num(q, nan=1) - 1) + draw).astype(np.int64)
    return pl.DataFrame({
        "RINPERSOONSHKW": pl.repeat("R", part.height, eager=True),
        "RINPERSOONHKW": rin(part["_person"].to_numpy(), "RINPERSOONHKW"),
        "INHP100HBEST": percentile.astype(float),
    })


# --- care ------------------------------------------------------------------------------------------------

def zvw_columns(year: int, years: list[int]) -> list[str]:
    """The ZVWK* variables of a year's file: the code list within its years, minus GENBASGGZ in the first
    configured year and MULTIDISC in the last (CBS's set of categories changes over the years)."""
    out = []
    for variable, _, first, last in code_list("zvw_categories").rows():
        if (first and year < int(first)) or (last and year > int(last)):
            continue
        if (variable == "ZVWKGENBASGGZ" and year == years[0]) or (variable == "ZVWKMULTIDISC" and year == years[-1]):
            continue
        out.append(variable)
    return out


OVERIG_SPLIT = ("ZVWKMONDZORG", "ZVWKOVERIG", 0.4)   # a realistic spread: part of `overig` is mondzorg


def zvwzorgkosten(zvw: pl.DataFrame, year: int, years: list[int]) -> pl.DataFrame:
    """ZVWZORGKOSTENTAB of a year: one row per insured person with native costs, euros per CBS category.

    Each native category's amount goes to the first of its CBS variables in this year's file (positive
    `overig` amounts are split over mondzorg and overig); a category the person did not use is 0.
    """
    columns = zvw_columns(year, years)
    part = zvw.filter(pl.col("year") == year)
    wide = part.pivot(on="cost_category", index="_person", values="amount_eur", aggregate_function="sum")
    wide = wide.sort("_person")
    target: dict[str, list[pl.Expr]] = {c: [] for c in columns}
    mapping = code_list("zvw_categories")
    for category in mapping["cost_category"].unique(maintain_order=True):
        variables = [v for v in mapping.filter(pl.col("cost_category") == category)["cbs_variable"] if v in columns]
        amount = pl.col(category).fill_null(0.0) if category in wide.columns else pl.lit(0.0)
        a, b, share = OVERIG_SPLIT
        if category == "overig" and a in variables and b in variables:
            first = pl.when(amount > 0).then((amount * share).round(2)).otherwise(amount)
            target[a].append(first)
            target[b].append(amount - first)
        else:
            target[variables[0]].append(amount)
    return wide.select(*_keys(), *[(pl.sum_horizontal(e) if e else pl.lit(0.0)).cast(pl.Float64).alias(c)
                                   for c, e in target.items()])


def lbzbasis(hospital: pl.DataFrame, year: int, first_year: int) -> pl.DataFrame:
    """LBZBASISTAB of a year: the native admissions (opname) that start in the year; ED visits are not in LBZ."""
    adm = hospital.with_row_index("_row").filter(pl.col("event_type") == "opname")
    file_year = pl.max_horizontal(pl.col("start_date").dt.year(), pl.lit(first_year))
    part = adm.filter(file_year == year).sort("_person", "start_date", "_row")
    return part.select(
        *_keys(),
        (pl.lit("LBZ") + pl.col("_row").cast(pl.Utf8).str.zfill(9)).alias("LBZIdopname"),
        _ymd_col("start_date").alias("LBZOpnamedatum"),
        _ymd_col("end_date").alias("LBZOntslagdatum"),
        pl.col("icd10_code").str.replace(".", "", literal=True).alias("LBZIcd10hoofddiagnose"),
        pl.when(pl.col("end_date") > pl.col("start_date")).then(pl.lit("1")).otherwise(pl.lit("2"))
        .alias("LBZOpnametype"),
        pl.when(pl.col("acute")).then(pl.lit("1")).otherwise(pl.lit("0")).alias("LBZSpoed"),
    )


def _wlz_years(wlz: pl.DataFrame, years: list[int]) -> pl.DataFrame:
    """Wlz spells x configured years they overlap, with the days of the spell's cost in each year-file.

    The native cost covers start..min(end, extraction); the first year-file also carries the days before
    the first year, so the pieces add up to the whole spell's cost.
    """
    extraction = int(year_end(years[-1]))
    spells = wlz.with_row_index("_spell").with_columns(
        _s=pl.col("start_date").cast(pl.Int64),
        _u=pl.min_horizontal(pl.col("end_date").cast(pl.Int64).fill_null(extraction), pl.lit(extraction)))
    grid = pl.DataFrame({"_year": years, "_ys": [int(year_start(y)) for y in years],
                         "_ye": [int(year_end(y)) for y in years]})
    grid = grid.with_columns(_from=pl.when(pl.col("_year") == years[0]).then(pl.lit(-(2**40)))
                             .otherwise(pl.col("_ys")))
    rows = spells.join(grid, how="cross").filter((pl.col("_s") <= pl.col("_ye")) & (pl.col("_u") >= pl.col("_ys")))
    rows = rows.with_columns(_days=(pl.min_horizontal("_u", "_ye") - pl.max_horizontal("_s", "_from") + 1)
                             .clip(lower_bound=0))
    rows = rows.sort("_spell", "_year").with_columns(
        _share=(pl.col("cost_eur") * pl.col("_days") / pl.col("_days").sum().over("_spell")).round(2),
        _last=pl.col("_year") == pl.col("_year").max().over("_spell"))
    # the last year-file takes the remainder, so the sum over the files is the native cost exactly
    rest = pl.col("cost_eur") - pl.col("_share").filter(~pl.col("_last")).sum().over("_spell")
    return rows.with_columns(_piece=pl.when(pl.col("_last")).then(rest).otherwise(pl.col("_share")))


def gebwlz(wlz: pl.DataFrame, year: int, years: list[int]) -> pl.DataFrame:
    """GEBWLZTAB of a year: every Wlz spell the year's file carries (a spell appears in each year it runs)."""
    part = _wlz_years(wlz, years).filter(pl.col("_year") == year).sort("_person", "start_date", "care_profile")
    return part.select(*_keys(), _ymd_col("start_date").alias("BEGINWLZGEB"), _ymd_col("end_date").alias("EINDEWLZGEB"),
                       pl.when(pl.col("setting") == "intramuraal").then(pl.lit("1")).otherwise(pl.lit("2"))
                       .alias("WLZLEVERINGSVORM"), pl.col("care_profile").alias("WLZGZZP"))


def wlzzin(wlz: pl.DataFrame, year: int, years: list[int]) -> pl.DataFrame:
    """WLZZINTAB of a year: the part of each spell's native cost carried by this year's file."""
    part = _wlz_years(wlz, years).filter(pl.col("_year") == year).sort("_person", "start_date", "care_profile")
    return part.select(*_keys(), _ymd_col("start_date").alias("BEGINWLZGEB"),
                       pl.col("_piece").cast(pl.Float64).alias("BEDRAGWLZZIN"))


def wmo(rng: np.random.Generator, frame: pl.DataFrame) -> pl.DataFrame:
    """WMOBUS: every native Wmo provision as a spell; CBS has no cost and no request date."""
    codes = _codes("wmo_types")
    part = frame.sort("_person", "start_date", "provision_id")
    pgb = rng.random(part.height) < PGB_SHARE
    return part.select(
        *_keys(), pl.col("provision_id").alias("WMOIDARRANGEMENT"),
        pl.col("provision_type").replace_strict(codes, return_dtype=pl.Float64).alias("TypeArrangementWmo"),
        _ymd_col("start_date").alias("BegindatumWmo"), _ymd_col("end_date").alias("EinddatumWmo"),
        pl.Series(np.where(pgb, "2", "1")).alias("FinancieringsvormWmo"))


def jgdhulp(rng: np.random.Generator, frame: pl.DataFrame) -> pl.DataFrame:
    """JGDHULPBUS: every native youth-care provision as a spell; an unknown referrer is -1."""
    types = _codes("jeugd_types")
    referrers = _codes("jeugd_referrers")
    part = frame.sort("_person", "start_date", "provision_id")
    ended = part["end_date"].is_not_null().to_numpy()
    reason = np.where(ended, np.where(rng.random(part.height) < 0.8, 1.0, 2.0), np.nan)
    return part.select(
        *_keys(), pl.col("provision_id").alias("JGDHIDHULP"),
        pl.col("provision_type").replace_strict(types, return_dtype=pl.Float64).alias("JGDHHULPVORM"),
        _ymd_col("start_date").alias("JGDHBEGINDATUM"), _ymd_col("end_date").alias("JGDHEINDDATUM"),
        pl.col("referrer").replace_strict(referrers, default=-1, return_dtype=pl.Float64).fill_null(-1.0)
        .alias("JGDHVERWIJZER"),
        pl.Series(reason).fill_nan(None).alias("JGDHREDENEINDE"))


def secm(participatie: pl.DataFrame, years: list[int]) -> pl.DataFrame:
    """SECMBUS: a native bijstand row of m months is a SECM 22 spell of m whole months from 1 January,
    followed by SECM 11 (employed) for the rest of the year. Debt help, IOAW and Bbz are not in SECM."""
    b = participatie.filter((pl.col("regulation") == "bijstand") & pl.col("year").is_in(years))
    month_end = pl.date(pl.col("year") + (pl.col("months") == 12).cast(pl.Int64),
                        pl.col("months") % 12 + 1, 1) - pl.duration(days=1)
    spells = b.select("_person", "year", pl.date(pl.col("year"), 1, 1).alias("_a"), month_end.alias("_e"),
                      pl.lit("22").alias("SECM"))
    rest = b.filter(pl.col("months") < 12).select(
        "_person", "year", pl.date(pl.col("year"), pl.col("months") + 1, 1).alias("_a"),
        pl.date(pl.col("year"), 12, 31).alias("_e"), pl.lit("11").alias("SECM"))
    both = pl.concat([spells, rest]).sort("_person", "_a")
    return both.select(*_keys(), _ymd_col("_a").alias("AANVSECM"), _ymd_col("_e").alias("EINDSECM"), "SECM")


GEMON_FLAGS = ("GGADA202", "GGADA203", "GGEES217", "GGEES209", "KLGGA208", "LFRKA205", "MCMZGS203", "MMIKA201")


def gemon(survey: pl.DataFrame, year: int, cutoffs: dict | None = None) -> pl.DataFrame:
    """GEMON of a survey year: the derived 1 (ja) / 2 (nee) flags of each respondent at the default cut-offs."""
    c = DEFAULT_CUTOFFS | (cutoffs or {})
    part = survey.filter(pl.col("survey_year") == year).sort("_person")
    k10 = pl.sum_horizontal([pl.col(f"k10_{i:02d}") for i in range(1, 11)])
    k10 = pl.when(pl.any_horizontal([pl.col(f"k10_{i:02d}").is_null() for i in range(1, 11)])).then(None).otherwise(k10)
    djg = pl.sum_horizontal([pl.col(f"djg_{i:02d}") for i in range(1, 12)])
    djg = pl.when(pl.any_horizontal([pl.col(f"djg_{i:02d}").is_null() for i in range(1, 12)])).then(None).otherwise(djg)

    def flag(condition: pl.Expr, name: str) -> pl.Expr:
        return pl.when(condition).then(YES).when(condition.not_()).then(NO).otherwise(None).alias(name)

    return part.select(
        *_keys(),
        flag(k10 >= c["k10_moderate"], "GGADA202"), flag(k10 >= c["k10_high"], "GGADA203"),
        flag(djg >= c["djg_lonely"], "GGEES217"), flag(djg >= c["djg_severe"], "GGEES209"),
        flag(pl.col("self_rated_health") <= c["self_rated_good_max"], "KLGGA208"),
        flag(pl.col("smoker"), "LFRKA205"), flag(pl.col("informal_carer"), "MCMZGS203"),
        flag(pl.col("difficulty_making_ends_meet"), "MMIKA201"),
        pl.col("weight").cast(pl.Float64).alias("ewGGD"),
    )


def huisarts_episodes(gp: pl.DataFrame, year: int, first_year: int) -> pl.DataFrame:
    """GP episodes of a year in the research-environment form (by start year, earlier ones in the first)."""
    rows = gp.with_row_index("_row")
    file_year = pl.max_horizontal(pl.col("start_date").dt.year(), pl.lit(first_year))
    part = rows.filter(file_year == year).sort("_person", "start_date", "icpc_code", "_row")
    return part.select(*_keys(), (pl.lit("EP") + pl.col("_row").cast(pl.Utf8).str.zfill(9)).alias("EPISODEID"),
                       pl.col("icpc_code").alias("ICPC"), _ymd_col("start_date").alias("BEGINDATUM"),
                       _ymd_col("end_date").alias("EINDDATUM"))


def medicijn(medicines: pl.DataFrame, year: int) -> pl.DataFrame:
    """MEDICIJNTAB of a year: one row per person x ATC4 (from the native medicines source)."""
    part = medicines.filter(pl.col("year") == year).sort("_person", "atc4")
    return part.select(*_keys(), pl.col("atc4").alias("ATC4"))
