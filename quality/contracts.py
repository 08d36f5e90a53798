"""Landing data contracts: one Pandera (polars) schema per source (docs/architecture.md, "Landing contracts").

A contract says which columns a file must have, their types, allowed values and row rules.
The ingest reads every column as text, casts it with the types declared here, and lets
Pandera judge the typed rows; rows that fail go to quarantine with every reason.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import pandera.polars as pa
import polars as pl

# The layouts in which a region's data can arrive: the project's landing files, or CBS microdata as delivered in
# Remote Access (transforms/cbs/ adapts them into the same raw tables; docs/cbs_microdata.md).
LAYOUTS = ("native", "cbs_microdata")
PSEUDO_ID = r"^[0-9a-f]{64}$"
BUURT_CODE = r"^BU[0-9]{4}[0-9A-Z]{4}$"
GEMEENTE_CODE = r"^GM[0-9]{4}$"

HOUSEHOLD_TYPES = ["eenpersoons", "paar_zonder_kinderen", "paar_met_kinderen", "eenouder", "institutioneel", "overig"]
COST_CATEGORIES = ["huisartsenzorg", "farmacie", "medisch_specialistisch", "ggz", "wijkverpleging", "paramedisch",
                   "hulpmiddelen", "ziekenvervoer", "overig"]
WMO_TYPES = ["huishoudelijke_hulp", "begeleiding", "dagbesteding", "hulpmiddelen", "woningaanpassing", "vervoer",
             "beschermd_wonen"]
JEUGD_TYPES = ["ambulant", "verblijf", "jeugdbescherming", "jeugdreclassering", "pgb"]
JEUGD_REFERRERS = ["huisarts", "gemeente", "gecertificeerde_instelling", "medisch_specialist", "overig"]
REGULATIONS = ["bijstand", "schuldhulpverlening", "ioaw", "bbz"]
ORG_TYPES = ["huisartsenpraktijk", "wijkverpleging", "sociaal_wijkteam", "ziekenhuis", "vvt", "ggz", "jeugdhulp"]
EVENT_TYPES = ["seh_bezoek", "opname"]
WLZ_SETTINGS = ["intramuraal", "thuis"]
SURVEY_FLAGS = ("k10_moderate_or_high_reported", "k10_high_reported", "lonely_reported", "severely_lonely_reported",
                "good_health_reported")
ATC4 = r"^[A-Z][0-9]{2}[A-Z]$"  # ATC code of 4 characters (therapeutic subgroup, e.g. C10A), as CBS MEDICIJNTAB


@dataclass(frozen=True)
class Col:
    """One contract column: polars type, whether it may be empty, and its value checks."""

    dtype: type[pl.DataType] | pl.DataType
    nullable: bool = False
    checks: tuple[pa.Check, ...] = ()
    # A file may lack the column: ingest fills NULL (a layout that delivers it, another that does not).
    optional: bool = False

    def __post_init__(self) -> None:
        if self.optional and not self.nullable:
            raise ValueError("an optional contract column must be nullable: a file without it gives NULL")


@dataclass(frozen=True)
class Contract:
    """The contract of one landing source."""

    source: str
    columns: dict[str, Col]
    key: tuple[str, ...] = ()           # natural key: a second row with the same key is quarantined
    year_column: str | None = None      # must equal the year in the file name
    date_order: tuple[tuple[str, str], ...] = ()  # (earlier, later) pairs that must be ordered
    area_columns: tuple[str, ...] = ()  # columns whose codes must exist in the region's areas
    extra_checks: tuple[pa.Check, ...] = field(default_factory=tuple)
    # The year a record belongs to, as SQL on the raw table: its year column, else the year it starts (a file
    # of episodes or provisions also carries those still running from earlier years). None: delivered
    # without years (interventions). The completeness gate counts a year's records by it.
    starts_in: str | None = None

    @property
    def record_year(self) -> str | None:
        return self.year_column or (f"year({self.starts_in})" if self.starts_in else None)

    def schema(self, area_codes: Iterable[str] | None = None) -> pa.DataFrameSchema:
        """The Pandera schema; with `area_codes`, area columns must hold codes of the region."""
        codes = sorted(set(area_codes)) if area_codes is not None else None
        columns = {}
        for name, col in self.columns.items():
            checks = list(col.checks)
            if codes is not None and name in self.area_columns:
                checks.append(pa.Check.isin(codes, error=f"{name} is not an area of the configured region"))
            columns[name] = pa.Column(col.dtype, checks=checks, nullable=col.nullable, coerce=False)
        frame_checks = [_ordered(a, b) for a, b in self.date_order] + list(self.extra_checks)
        return pa.DataFrameSchema(columns, checks=frame_checks, strict=False, name=self.source)


def _ordered(earlier: str, later: str) -> pa.Check:
    return pa.Check(
        lambda data: data.lazyframe.select(
            pl.col(later).is_null() | pl.col(earlier).is_null() | (pl.col(later) >= pl.col(earlier))
        ),
        name=f"{later}_not_before_{earlier}",
        error=f"{later} is before {earlier}",
    )


def _pseudo() -> Col:
    return Col(pl.Utf8, checks=(pa.Check.str_matches(PSEUDO_ID, error="pseudo_id is not a 64-character hex pseudonym"),))


def _isin(values: list[str], nullable: bool = False) -> Col:
    return Col(pl.Utf8, nullable=nullable, checks=(pa.Check.isin(values),))


def _range(dtype, low, high, nullable: bool = False) -> Col:
    return Col(dtype, nullable=nullable, checks=(pa.Check.in_range(low, high),))


def _score(low: int, high: int, nullable: bool = False) -> Col:
    return _range(pl.Int64, low, high, nullable)


_YEAR = _range(pl.Int64, 1990, 2100)
_AMOUNT = Col(pl.Float64, nullable=True, checks=(pa.Check.in_range(-1e7, 1e8),))
_COST = Col(pl.Float64, nullable=True, checks=(pa.Check.in_range(0, 1e8),))


def _survey_columns() -> dict[str, Col]:
    cols: dict[str, Col] = {
        "pseudo_id": _pseudo(),
        "survey_year": _YEAR,
        "weight": Col(pl.Float64, checks=(pa.Check.in_range(0, 1000, include_min=False),)),
        "self_rated_health": _score(1, 5, nullable=True),
    }
    cols |= {f"k10_{i:02d}": _score(1, 5, nullable=True) for i in range(1, 11)}
    cols |= {f"djg_{i:02d}": _score(0, 1, nullable=True) for i in range(1, 12)}
    cols["gali"] = _score(1, 3, nullable=True)
    cols |= {f"mastery_{i:02d}": _score(1, 5, nullable=True) for i in range(1, 8)}
    cols |= {f"sbsq_{i:02d}": _score(0, 4, nullable=True) for i in range(1, 4)}
    cols["height_cm"] = _range(pl.Float64, 50, 250, nullable=True)
    cols["weight_kg"] = _range(pl.Float64, 20, 350, nullable=True)
    for flag in ("smoker", "informal_carer", "volunteer", "difficulty_making_ends_meet"):
        cols[flag] = Col(pl.Boolean, nullable=True)
    for dim in ("lichaamsfuncties", "mentaal_welbevinden", "zingeving", "kwaliteit_van_leven", "meedoen",
                "dagelijks_functioneren"):
        cols[f"ph_{dim}"] = _range(pl.Float64, 0, 10, nullable=True)
    cols["care_rating"] = _range(pl.Float64, 0, 10, nullable=True)
    cols["unmet_care_need"] = Col(pl.Boolean, nullable=True)
    # Derived 0/1 indicators as CBS's Gezondheidsmonitor (GEMON) delivers them instead of the raw items; absent
    # from native files. The survey indicators use a flag where present and the item score otherwise.
    cols |= {flag: Col(pl.Boolean, nullable=True, optional=True) for flag in SURVEY_FLAGS}
    return cols


CONTRACTS: dict[str, Contract] = {
    c.source: c
    for c in [
        Contract(
            "population",
            {
                "pseudo_id": _pseudo(),
                "year": _YEAR,
                "birth_year": _range(pl.Int64, 1890, 2100),
                "sex": _isin(["M", "V"]),
                "buurt_code": Col(pl.Utf8, checks=(pa.Check.str_matches(BUURT_CODE),)),
                "household_type": _isin(HOUSEHOLD_TYPES),
                "income_quintile": _score(1, 5, nullable=True),
                "death_date": Col(pl.Date, nullable=True),
            },
            key=("pseudo_id", "year"),
            year_column="year",
            area_columns=("buurt_code",),
            extra_checks=(
                pa.Check(
                    lambda d: d.lazyframe.select(pl.col("birth_year") <= pl.col("year")),
                    name="born_before_year", error="birth_year is after the population year",
                ),
                pa.Check(
                    lambda d: d.lazyframe.select(
                        pl.col("death_date").is_null() | (pl.col("death_date").dt.year() == pl.col("year"))
                    ),
                    name="death_in_year", error="death_date is not in the population year",
                ),
            ),
        ),
        Contract(
            "gp_episodes",
            {
                "pseudo_id": _pseudo(),
                "practice_id": Col(pl.Utf8),
                "icpc_code": Col(pl.Utf8, checks=(pa.Check.str_matches(r"^[A-Z][0-9]{2}(\.[0-9]{1,2})?$"),)),
                "start_date": Col(pl.Date),
                "end_date": Col(pl.Date, nullable=True),
            },
            date_order=(("start_date", "end_date"),),
            starts_in="start_date",
        ),
        Contract(
            "hospital_events",
            {
                "pseudo_id": _pseudo(),
                "event_type": _isin(EVENT_TYPES),
                "start_date": Col(pl.Date),
                "end_date": Col(pl.Date, nullable=True),
                "icd10_code": Col(pl.Utf8, nullable=True,
                                  checks=(pa.Check.str_matches(r"^[A-Z][0-9]{2}(\.?[0-9A-Z]{1,4})?$"),)),
                "acute": Col(pl.Boolean),
            },
            date_order=(("start_date", "end_date"),),
            starts_in="start_date",
        ),
        Contract(
            "zvw_costs",
            {
                "pseudo_id": _pseudo(),
                "year": _YEAR,
                "insured_days": _range(pl.Int64, 0, 366),
                "cost_category": _isin(COST_CATEGORIES),
                "amount_eur": _AMOUNT,
            },
            year_column="year",
        ),
        Contract(
            "wmo",
            {
                "pseudo_id": _pseudo(),
                "provision_id": Col(pl.Utf8),
                "provision_type": _isin(WMO_TYPES),
                "request_date": Col(pl.Date, nullable=True),
                "start_date": Col(pl.Date),
                "end_date": Col(pl.Date, nullable=True),
                "cost_eur": _COST,
            },
            key=("provision_id",),
            date_order=(("start_date", "end_date"),),
            starts_in="start_date",
        ),
        Contract(
            "jeugd",
            {
                "pseudo_id": _pseudo(),
                "provision_id": Col(pl.Utf8),
                "provision_type": _isin(JEUGD_TYPES),
                "referrer": _isin(JEUGD_REFERRERS, nullable=True),
                "start_date": Col(pl.Date),
                "end_date": Col(pl.Date, nullable=True),
                "cost_eur": _COST,
            },
            key=("provision_id",),
            date_order=(("start_date", "end_date"),),
            starts_in="start_date",
        ),
        Contract(
            "participatie",
            {
                "pseudo_id": _pseudo(),
                "year": _YEAR,
                "regulation": _isin(REGULATIONS),
                "months": _range(pl.Int64, 1, 12),
                # euros the gemeente paid in the year (benefit, not the service of debt help); a layout without
                # amounts (CBS SECMBUS) leaves it NULL and the cost ledger shows no Participatiewet euros
                "benefit_eur": Col(pl.Float64, nullable=True, optional=True, checks=(pa.Check.in_range(0, 1e6),)),
            },
            key=("pseudo_id", "year", "regulation"),
            year_column="year",
        ),
        Contract(
            "wlz",
            {
                "pseudo_id": _pseudo(),
                "care_profile": Col(pl.Utf8, checks=(pa.Check.str_matches(r"^[A-Z]{2,3}(-?[A-Z0-9]{1,3})?$"),)),
                "setting": _isin(WLZ_SETTINGS),
                "start_date": Col(pl.Date),
                "end_date": Col(pl.Date, nullable=True),
                "cost_eur": _COST,
            },
            date_order=(("start_date", "end_date"),),
            starts_in="start_date",
        ),
        Contract(
            "medicines",
            {
                "pseudo_id": _pseudo(),
                "year": _YEAR,
                "atc4": Col(pl.Utf8, checks=(pa.Check.str_matches(ATC4, error="atc4 is not a 4-character ATC code"),)),
            },
            key=("pseudo_id", "year", "atc4"),
            year_column="year",
        ),
        Contract(
            "health_survey",
            _survey_columns(),
            key=("pseudo_id", "survey_year"),
            year_column="survey_year",
        ),
        Contract(
            "workforce",
            {
                "org_id": Col(pl.Utf8),
                "org_type": _isin(ORG_TYPES),
                "gemeente_code": Col(pl.Utf8, checks=(pa.Check.str_matches(GEMEENTE_CODE),)),
                "year": _YEAR,
                "fte": _range(pl.Float64, 0, 100000),
                "employees": _range(pl.Int64, 0, 100000),
                "sick_leave_days": _range(pl.Float64, 0, 1e7),
                "contract_days": _range(pl.Float64, 0, 1e8),
                "leavers": _range(pl.Int64, 0, 100000),
                "open_vacancies": _range(pl.Int64, 0, 100000),
                "survey_respondents": _range(pl.Int64, 0, 100000),
                "work_satisfaction_mean": _range(pl.Float64, 1, 10, nullable=True),
                "burnout_complaints_pct": _range(pl.Float64, 0, 100, nullable=True),
            },
            key=("org_id", "year"),
            year_column="year",
            area_columns=("gemeente_code",),
        ),
        Contract(
            "interventions",
            {
                "intervention_id": Col(pl.Utf8, checks=(pa.Check.str_matches(r"^[a-z0-9_]+$"),)),
                "name": Col(pl.Utf8),
                "target_group": Col(pl.Utf8),
                "buurt_code": Col(pl.Utf8, checks=(pa.Check.str_matches(BUURT_CODE),)),
                "start_date": Col(pl.Date),
                "end_date": Col(pl.Date, nullable=True),
            },
            key=("intervention_id", "buurt_code"),
            date_order=(("start_date", "end_date"),),
            area_columns=("buurt_code",),
        ),
        Contract(
            "intervention_participants",
            {
                "pseudo_id": _pseudo(),
                "intervention_id": Col(pl.Utf8),
                "referral_date": Col(pl.Date),
                "start_date": Col(pl.Date, nullable=True),
                "completed": Col(pl.Boolean, nullable=True),
            },
            key=("pseudo_id", "intervention_id", "referral_date"),
            date_order=(("referral_date", "start_date"),),
        ),
    ]
}

SOURCES: tuple[str, ...] = tuple(CONTRACTS)


def sql_type(dtype) -> str:
    """The DuckDB type a contract column is cast to."""
    mapping = {pl.Utf8: "VARCHAR", pl.Int64: "BIGINT", pl.Float64: "DOUBLE", pl.Date: "DATE", pl.Boolean: "BOOLEAN"}
    for pl_type, name in mapping.items():
        if dtype == pl_type:
            return name
    raise TypeError(f"no SQL type for {dtype}")
