"""Data contracts of the CBS microdata files: one Pandera schema per CBS file (docs/architecture.md,
"Landing contracts"; the files as fixed in the issue-19 spec and /work/shared/reference/cbs_microdata_layouts.md).

A CBS file is judged as it is delivered: variable names (upper case: SPSS names are case-insensitive), key and
date variables as text (`YYYYMMDD`, open end `88888888` or empty), codes against their code lists, amounts as
numbers. The judging itself is the native ingest's (transforms/ingest.py): a row that breaks its file's contract
goes to `quarantine.<source>` with every reason, so rows read = loaded + quarantined per CBS file.

Two files are wide and differ by year, so their contract is built from the file's own header:
VSLGWBTAB (gem/wc/bc<YYYY> for every configured year, else an error naming the year) and ZVWZORGKOSTENTAB (every
ZVWK* column must be known to `cbs_zvw_categories.csv`, else an error naming the file and the variable).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, replace
from pathlib import Path

import pandera.polars as pa
import polars as pl

from quality.contracts import CONTRACTS, Col, Contract
from transforms.cbs.files import BUS, SINGLE, YEARLY, CbsFileSpec
from transforms.readers import LandingFileError

OPEN_END = "88888888"   # CBS's "not ended" date in spell files
UNKNOWN = "----"        # CBS's unknown area code in VSLGWBTAB
ZVW_PREFIX = "ZVWK"


def _date_check(name: str) -> pa.Check:
    """A valid calendar date written YYYYMMDD (or the open end 88888888)."""
    return pa.Check(
        lambda d: d.lazyframe.select(
            pl.col(d.key).is_null() | (pl.col(d.key) == OPEN_END)
            | (pl.col(d.key).str.len_bytes() == 8)
            & pl.col(d.key).str.strptime(pl.Date, "%Y%m%d", strict=False).is_not_null()
        ),
        name="date_yyyymmdd", error=f"{name} is not a date YYYYMMDD",
    )


def _date(name: str, nullable: bool = False) -> Col:
    return Col(pl.Utf8, nullable=nullable, checks=(_date_check(name),))


def _text(pattern: str, nullable: bool = False) -> Col:
    return Col(pl.Utf8, nullable=nullable, checks=(pa.Check.str_matches(pattern),))


def _codes(values: list[str], nullable: bool = False) -> Col:
    return Col(pl.Utf8, nullable=nullable, checks=(pa.Check.isin(values),))


_PERSON = {"RINPERSOONS": _text(r"^[A-Z]$"), "RINPERSOON": _text(r"^[0-9]{9}$")}
_EARNER = {"RINPERSOONSHKW": _text(r"^[A-Z]$"), "RINPERSOONHKW": _text(r"^[0-9]{9}$")}
_OBJECT = {"SOORTOBJECTNUMMER": _text(r"^[A-Z]$"), "RINOBJECTNUMMER": _text(r"^[0-9]{1,16}$")}
_PERSON_KEY = ("RINPERSOONS", "RINPERSOON")
_AMOUNT = Col(pl.Float64, nullable=True, checks=(pa.Check.in_range(-1e7, 1e8),))
_FLAG = _codes(["1", "2"], nullable=True)  # GEMON: 1 ja, 2 nee, empty = system-missing


@dataclass(frozen=True)
class CbsContract:
    """The contract of one CBS file: where it lies (`spec`), which raw source it feeds, the Pandera contract,
    and the person keys the reader pseudonymises (letter column, number column, pseudonym column)."""

    spec: CbsFileSpec
    source: str
    contract: Contract
    persons: tuple[tuple[str, str, str], ...] = (("RINPERSOONS", "RINPERSOON", "pseudo_id"),)

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def key_numbers(self) -> tuple[str, ...]:
        """The RINPERSOON columns: a .sav may hold them as numbers (old files), zero-padded on reading."""
        return tuple(number for _, number, _ in self.persons)

    @property
    def raw_keys(self) -> tuple[str, ...]:
        """Every column of a raw person key: never stored outside the reader's staging."""
        return tuple(c for letter, number, _ in self.persons for c in (letter, number))


def _c(name: str, kind: str, source: str, columns: dict[str, Col], key: tuple[str, ...] = (),
       date_order: tuple[tuple[str, str], ...] = (), formats: tuple[str, ...] = ("sav",),
       persons=(("RINPERSOONS", "RINPERSOON", "pseudo_id"),), **spec) -> CbsContract:
    return CbsContract(CbsFileSpec(name, kind, formats, **spec), source,
                       Contract(name, columns, key=key, date_order=date_order), persons)


_SPELL = (("GBADATUMAANVANGADRESHOUDING", "GBADATUMEINDEADRESHOUDING"),)

CBS_CONTRACTS: dict[str, CbsContract] = {c.name: c for c in [
    _c("GBAPERSOONTAB", SINGLE, "population", {
        **_PERSON, "GBAGESLACHT": _codes(["1", "2"]), "GBAGEBOORTEJAAR": _text(r"^(18|19|20)[0-9]{2}$"),
        "GBAGEBOORTEMAAND": _text(r"^(0[1-9]|1[0-2])$"), "GBAGEBOORTEDAG": _text(r"^[0-3][0-9]$", nullable=True),
    }, key=_PERSON_KEY),
    _c("GBAADRESOBJECTBUS", BUS, "population", {
        **_PERSON, "GBADATUMAANVANGADRESHOUDING": _date("GBADATUMAANVANGADRESHOUDING"),
        "GBADATUMEINDEADRESHOUDING": _date("GBADATUMEINDEADRESHOUDING"), **_OBJECT,
    }, key=(*_PERSON_KEY, "GBADATUMAANVANGADRESHOUDING", "RINOBJECTNUMMER"), date_order=_SPELL),
    _c("VSLGWBTAB", SINGLE, "population", dict(_OBJECT), key=("SOORTOBJECTNUMMER", "RINOBJECTNUMMER"), persons=()),
    _c("GBAOVERLIJDENTAB", SINGLE, "population", {**_PERSON, "GBADATUMOVERLIJDEN": _date("GBADATUMOVERLIJDEN")},
       key=_PERSON_KEY),
    _c("GBAHUISHOUDENSBUS", BUS, "population", {
        **_PERSON, "DATUMAANVANGHH": _date("DATUMAANVANGHH"), "DATUMEINDEHH": _date("DATUMEINDEHH"),
        "TYPHH": _codes([str(i) for i in range(1, 9)]),
    }, key=(*_PERSON_KEY, "DATUMAANVANGHH"), date_order=(("DATUMAANVANGHH", "DATUMEINDEHH"),)),
    _c("INPATAB", YEARLY, "population", {**_PERSON, **_EARNER}, key=_PERSON_KEY,
       persons=(("RINPERSOONS", "RINPERSOON", "pseudo_id"), ("RINPERSOONSHKW", "RINPERSOONHKW", "earner_id"))),
    _c("INHATAB", YEARLY, "population", {
        **_EARNER,
        "INHP100HBEST": Col(pl.Int64, checks=(pa.Check(
            lambda d: d.lazyframe.select((pl.col(d.key) < 0) | pl.col(d.key).is_between(1, 100)),
            name="percentile_or_negative_code", error="INHP100HBEST is neither a percentile 1-100 nor a negative code"),)),
    }, key=("RINPERSOONSHKW", "RINPERSOONHKW"), persons=(("RINPERSOONSHKW", "RINPERSOONHKW", "earner_id"),)),
    _c("ZVWZORGKOSTENTAB", YEARLY, "zvw_costs", dict(_PERSON), key=_PERSON_KEY),
    _c("LBZBASISTAB", YEARLY, "hospital_events", {
        **_PERSON, "LBZIDOPNAME": Col(pl.Utf8), "LBZOPNAMEDATUM": _date("LBZOPNAMEDATUM"),
        "LBZONTSLAGDATUM": _date("LBZONTSLAGDATUM", nullable=True),
        "LBZICD10HOOFDDIAGNOSE": _text(r"^[A-Z][0-9]{2}[0-9A-Z]{0,4}$", nullable=True),
        "LBZOPNAMETYPE": _codes(["1", "2"]), "LBZSPOED": _codes(["0", "1"]),
    }, key=("LBZIDOPNAME",), date_order=(("LBZOPNAMEDATUM", "LBZONTSLAGDATUM"),), formats=("csv",)),
    _c("GEBWLZTAB", YEARLY, "wlz", {
        **_PERSON, "BEGINWLZGEB": _date("BEGINWLZGEB"), "EINDEWLZGEB": _date("EINDEWLZGEB", nullable=True),
        "WLZLEVERINGSVORM": _codes(["1", "2"]), "WLZGZZP": _text(r"^[A-Z]{2,3}(-?[A-Z0-9]{1,3})?$"),
    }, key=(*_PERSON_KEY, "BEGINWLZGEB", "WLZGZZP"), date_order=(("BEGINWLZGEB", "EINDEWLZGEB"),)),
    _c("WLZZINTAB", YEARLY, "wlz", {
        **_PERSON, "BEGINWLZGEB": _date("BEGINWLZGEB"), "BEDRAGWLZZIN": _AMOUNT,
    }, key=(*_PERSON_KEY, "BEGINWLZGEB")),
    _c("WMOBUS", BUS, "wmo", {
        **_PERSON, "WMOIDARRANGEMENT": Col(pl.Utf8), "TYPEARRANGEMENTWMO": _codes([str(i) for i in range(1, 8)]),
        "BEGINDATUMWMO": _date("BEGINDATUMWMO"), "EINDDATUMWMO": _date("EINDDATUMWMO", nullable=True),
        "FINANCIERINGSVORMWMO": _codes(["1", "2"], nullable=True),
    }, key=("WMOIDARRANGEMENT",), date_order=(("BEGINDATUMWMO", "EINDDATUMWMO"),)),
    _c("JGDHULPBUS", BUS, "jeugd", {
        **_PERSON, "JGDHIDHULP": Col(pl.Utf8), "JGDHHULPVORM": _codes([str(i) for i in range(1, 6)]),
        "JGDHBEGINDATUM": _date("JGDHBEGINDATUM"), "JGDHEINDDATUM": _date("JGDHEINDDATUM", nullable=True),
        "JGDHVERWIJZER": _codes(["-1", "1", "2", "3", "4", "5"], nullable=True),
        "JGDHREDENEINDE": _text(r"^-?[0-9]{1,2}$", nullable=True),
    }, key=("JGDHIDHULP",), date_order=(("JGDHBEGINDATUM", "JGDHEINDDATUM"),)),
    _c("SECMBUS", BUS, "participatie", {
        **_PERSON, "AANVSECM": _date("AANVSECM"), "EINDSECM": _date("EINDSECM"), "SECM": _text(r"^[0-9]{2}$"),
    }, key=(*_PERSON_KEY, "AANVSECM"), date_order=(("AANVSECM", "EINDSECM"),)),
    _c("GEMON", YEARLY, "health_survey", {
        **_PERSON, **{flag: _FLAG for flag in ("GGADA202", "GGADA203", "GGEES217", "GGEES209", "KLGGA208",
                                               "LFRKA205", "MCMZGS203", "MMIKA201")},
        "EWGGD": Col(pl.Float64, checks=(pa.Check.in_range(0, 1000, include_min=False),)),
    }, key=_PERSON_KEY),
    _c("HUISARTS", YEARLY, "gp_episodes", {
        **_PERSON, "EPISODEID": Col(pl.Utf8), "ICPC": CONTRACTS["gp_episodes"].columns["icpc_code"],
        "BEGINDATUM": _date("BEGINDATUM"), "EINDDATUM": _date("EINDDATUM", nullable=True),
    }, key=("EPISODEID",), date_order=(("BEGINDATUM", "EINDDATUM"),), formats=("csv",), stem="EPISODE"),
    _c("MEDICIJNTAB", YEARLY, "medicines", {**_PERSON, "ATC4": _text(r"^[A-Z][0-9]{2}[A-Z]$")},
       key=(*_PERSON_KEY, "ATC4"), formats=("parquet", "sav")),
]}


def files_of(source: str) -> list[CbsContract]:
    """The CBS files that feed raw `source`, in the order the adapter names them."""
    return [c for c in CBS_CONTRACTS.values() if c.source == source]


def zvw_categories(reference_dir: Path) -> dict[str, tuple[str, int | None, int | None]]:
    """`cbs_zvw_categories.csv`: CBS variable -> (project cost category, first year, last year)."""
    path = reference_dir / "cbs_zvw_categories.csv"
    with path.open(encoding="utf-8") as fh:
        return {row["cbs_variable"].upper(): (row["cost_category"], int(row["first_year"]) if row["first_year"]
                                              else None, int(row["last_year"]) if row["last_year"] else None)
                for row in csv.DictReader(fh)}


def contract_for(contract: CbsContract, path: Path, header: tuple[str, ...], year: int,
                 years: tuple[int, ...], reference_dir: Path) -> Contract:
    """The Pandera contract of one file with this `header`; the wide files' contracts follow their header.

    VSLGWBTAB must have gem/wc/bc<Y> for every configured year; ZVWZORGKOSTENTAB may have only ZVWK*
    columns that the mapping knows for the file's year."""
    base = contract.contract
    if contract.name == "VSLGWBTAB":
        for y in years:
            missing = [f"{p}{y}" for p in ("GEM", "WC", "BC") if f"{p}{y}" not in header]
            if missing:
                raise LandingFileError(f"{path}: year {y} missing: no variable(s) {', '.join(missing)}; the run "
                                       f"needs gem/wc/bc for every configured year ({years[0]}-{years[-1]}): "
                                       f"ask CBS for a VSLGWBTAB covering {y}")
        area = {f"GEM{y}": _text(r"^([0-9]{4}|----)$") for y in years}
        area |= {f"WC{y}": _text(r"^([0-9]{6}|----)$") for y in years}
        area |= {f"BC{y}": _text(r"^([0-9]{8}|----)$") for y in years}
        return replace(base, columns={**base.columns, **area})
    if contract.name == "ZVWZORGKOSTENTAB":
        known = zvw_categories(reference_dir)
        costs = {}
        for name in header:
            if name in base.columns:
                continue
            first, last = known.get(name, (None, None, None))[1:]
            if name not in known or (first and year < first) or (last and year > last):
                raise LandingFileError(
                    f"{path}: variable {name} is not a Zvw cost category of "
                    f"{reference_dir / 'cbs_zvw_categories.csv'} for {year}; add it to that mapping (cbs_variable, "
                    f"cost_category, first_year, last_year) or remove it from the file")
            costs[name] = _AMOUNT
        if not costs:
            raise LandingFileError(f"{path}: no ZVWK* cost variable; expected e.g. ZVWKHUISARTS")
        return replace(base, columns={**base.columns, **costs})
    return base
