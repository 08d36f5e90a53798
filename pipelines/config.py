"""Run configuration: `phm.toml`, validated on start so a wrong key fails before any work is done."""

from __future__ import annotations

import hashlib
import json
import os
import re
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path

from indicators.disclosure import DisclosurePolicy
from quality.contracts import SOURCES

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = REPO_ROOT / "phm.toml"
GEMEENTE_CODE = re.compile(r"^GM[0-9]{4}$")

KNOWN_SECTIONS = {
    "region": {"code", "name", "gemeenten"},
    "regions": None,  # [regions.<CODE>] tables, checked against REGION_KEYS
    "run": {"years", "data_dir", "reference_dir", "allow_incomplete"},
    "generator": {"seed", "scale"},
    "duckdb": {"threads", "memory_limit"},
    "disclosure": {f.name for f in fields(DisclosurePolicy)},
    "checks": {"min_linkage_coverage", "max_quarantine_share", "run_to_run_tolerance"},
    "completeness": {"optional", "min_share_of_previous_year", "min_population_share_of_previous_year",
                     "min_records_per_resident"},
    "cutoffs": None,  # free-form numbers, read by the indicator catalogue
}
REGION_KEYS = {"name", "gemeenten", "data_dir", "years"}
REGION_CODE = re.compile(r"^[A-Z][A-Z0-9_]{1,39}$")


class ConfigError(ValueError):
    """A configuration problem, with the file and key that cause it and what to do."""


@dataclass(frozen=True)
class Settings:
    """Everything a run needs to know, resolved to absolute paths."""

    config_path: Path
    region_code: str
    region_name: str
    gemeenten: tuple[str, ...]
    years: tuple[int, ...]
    data_dir: Path
    reference_dir: Path
    seed: int = 20241
    scale: float = 1.0
    duckdb_threads: int = 2
    duckdb_memory_limit: str = "4GB"
    disclosure: dict = field(default_factory=dict)
    checks: dict = field(default_factory=dict)
    completeness: dict = field(default_factory=dict)
    # "source:year" or "source" entries an operator allows to be incomplete: published as "bron onvolledig"
    allow_incomplete: tuple[str, ...] = ()
    cutoffs: dict = field(default_factory=dict)
    raw: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def landing_dir(self) -> Path:
        return self.data_dir / "landing"

    @property
    def warehouse_path(self) -> Path:
        return self.data_dir / "warehouse.duckdb"

    @property
    def published_dir(self) -> Path:
        return self.data_dir / "published"

    @property
    def config_hash(self) -> str:
        """Hash of the effective configuration, recorded in the run manifest."""
        payload = json.dumps(self.raw, sort_keys=True, default=str).encode()
        return hashlib.sha256(payload).hexdigest()[:16]


def _require(cond: bool, path: Path, key: str, message: str) -> None:
    if not cond:
        raise ConfigError(f"{path}: [{key}] {message}")


def load_settings(path: Path | str | None = None, data_dir: Path | str | None = None,
                  region: str | None = None) -> Settings:
    """Read and validate `phm.toml` for one region (default: its `[region]`).

    `PHM_DATA_DIR` (or `data_dir`) overrides the data directory. Further regions of the same deployment are
    `[regions.<CODE>]` tables (name, gemeenten, optional years and data_dir) that share every other setting;
    each has its own data directory, by default `<data_dir>/regions/<CODE>`.
    """
    path = Path(path or os.environ.get("PHM_CONFIG") or DEFAULT_CONFIG).resolve()
    raw = _read(path)
    primary = raw.get("region", {})
    run = raw.get("run", {})
    extra = raw.get("regions", {})
    primary_code = str(primary.get("code", "REGIO"))
    codes = [primary_code, *extra]
    _require(len(set(codes)) == len(codes), path, "regions", f"region code {primary_code} is used twice")
    for code, table in extra.items():
        _require(bool(REGION_CODE.match(code)), path, f"regions.{code}",
                 "a region code is upper case letters, digits and _ (e.g. RG_WESTFRIESLAND)")
        _require(isinstance(table, dict), path, f"regions.{code}", "must be a table with name and gemeenten")
        for key in table:
            _require(key in REGION_KEYS, path, f"regions.{code}.{key}",
                     f"unknown key; expected one of {sorted(REGION_KEYS)}")
    code = region or primary_code
    _require(code in codes, path, "regions", f"no region {code!r}; configured regions: {', '.join(codes)}")
    chosen = primary if code == primary_code else extra[code]
    key = "region" if code == primary_code else f"regions.{code}"

    gemeenten = chosen.get("gemeenten", [])
    _require(isinstance(gemeenten, list) and len(gemeenten) > 0, path, f"{key}.gemeenten",
             "must be a non-empty list of CBS gemeente codes such as \"GM0361\"")
    for gm in gemeenten:
        _require(isinstance(gm, str) and bool(GEMEENTE_CODE.match(gm)), path, f"{key}.gemeenten",
                 f"{gm!r} is not a CBS gemeente code (GM followed by four digits, e.g. \"GM0361\")")
    _require(len(set(gemeenten)) == len(gemeenten), path, f"{key}.gemeenten", "lists a gemeente twice")
    years_key = f"{key}.years" if "years" in chosen else "run.years"
    years = chosen.get("years", run.get("years", []))
    _require(isinstance(years, list) and len(years) > 0 and all(isinstance(y, int) for y in years),
             path, years_key, "must be a non-empty list of years, e.g. [2022, 2023, 2024]")
    _require(all(2000 <= y <= 2100 for y in years), path, years_key, f"{years} contains an implausible year")
    _require(years == sorted(set(years)), path, years_key, "must be ascending without repeats")

    base = path.parent
    data = Path(data_dir or os.environ.get("PHM_DATA_DIR") or run.get("data_dir", "data"))
    data = data if data.is_absolute() else (Path.cwd() / data if data_dir or os.environ.get("PHM_DATA_DIR")
                                            else base / data)
    if code != primary_code:
        own = chosen.get("data_dir")
        data = (Path(own) if Path(own).is_absolute() else base / own) if own else data / "regions" / code
    reference = Path(run.get("reference_dir", "sample_data/reference"))
    reference = reference if reference.is_absolute() else base / reference
    _require(reference.is_dir(), path, "run.reference_dir", f"{reference} does not exist")

    known = _known_gemeenten(reference)
    unknown = [gm for gm in gemeenten if gm not in known]
    _require(not unknown, path, f"{key}.gemeenten",
             f"{', '.join(unknown)} not found in the CBS/RIVM reference data in {reference}; "
             f"use the CBS code of the gemeente, e.g. GM0361 for Alkmaar")
    generator = raw.get("generator", {})
    duck = raw.get("duckdb", {})
    threads = duck.get("threads", 2)
    _require(isinstance(threads, int) and threads >= 1, path, "duckdb.threads", "must be a positive integer")
    cutoffs = raw.get("cutoffs", {})
    for name, value in cutoffs.items():
        _require(isinstance(value, int | float), path, f"cutoffs.{name}", f"must be a number, got {value!r}")
    allow = run.get("allow_incomplete", [])
    _require(isinstance(allow, list) and all(isinstance(a, str) for a in allow), path, "run.allow_incomplete",
             'must be a list such as ["wmo:2024"] (source:year, or a source for every year)')
    for entry in allow:
        source, _, year = entry.partition(":")
        _require(source in SOURCES, path, "run.allow_incomplete",
                 f"{entry!r}: {source!r} is not a source; expected one of {sorted(SOURCES)}")
        _require(not year or (year.isdigit() and int(year) in years), path, "run.allow_incomplete",
                 f"{entry!r}: {year!r} is not one of the configured years {years}")
    completeness = raw.get("completeness", {})
    for source in completeness.get("optional", []):
        _require(source in SOURCES, path, "completeness.optional",
                 f"{source!r} is not a source; expected one of {sorted(SOURCES)}")
    for source in completeness.get("min_records_per_resident", {}):
        _require(source in SOURCES, path, "completeness.min_records_per_resident",
                 f"{source!r} is not a source; expected one of {sorted(SOURCES)}")

    return Settings(
        config_path=path,
        region_code=code,
        region_name=str(chosen.get("name", "Regio")),
        gemeenten=tuple(gemeenten),
        years=tuple(years),
        data_dir=data.resolve(),
        reference_dir=reference.resolve(),
        seed=int(generator.get("seed", 20241)),
        scale=float(generator.get("scale", 1.0)),
        duckdb_threads=threads,
        duckdb_memory_limit=str(duck.get("memory_limit", "4GB")),
        disclosure=dict(raw.get("disclosure", {})),
        checks=dict(raw.get("checks", {})),
        completeness=dict(completeness),
        allow_incomplete=tuple(allow),
        cutoffs=dict(cutoffs),
        raw={**raw, "region": {"code": code, **chosen}},
    )


def load_regions(path: Path | str | None = None, data_dir: Path | str | None = None) -> list[Settings]:
    """Settings of every region in the configuration, `[region]` first."""
    path = Path(path or os.environ.get("PHM_CONFIG") or DEFAULT_CONFIG).resolve()
    raw = _read(path)
    codes = [str(raw.get("region", {}).get("code", "REGIO")), *raw.get("regions", {})]
    return [load_settings(path, data_dir, code) for code in codes]


def _read(path: Path) -> dict:
    """The TOML of `path`, with unknown sections and keys refused by name."""
    if not path.exists():
        raise ConfigError(f"{path}: configuration file not found; copy phm.toml from the repository root")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    for section, value in raw.items():
        _require(section in KNOWN_SECTIONS, path, section, f"unknown section; expected one of {sorted(KNOWN_SECTIONS)}")
        allowed = KNOWN_SECTIONS[section]
        if allowed is not None and isinstance(value, dict):
            for key in value:
                _require(key in allowed, path, f"{section}.{key}", f"unknown key; expected one of {sorted(allowed)}")
    return raw


def _known_gemeenten(reference: Path) -> set[str]:
    """Gemeente codes of the RIVM 2020 reference file (the area classification the pipeline uses)."""
    import duckdb

    path = reference / "rivm_50090NED_gezondheid_wijk_buurt_2020_18plus_NL.csv"
    if not path.exists():
        raise ConfigError(f"{path}: reference file missing; restore sample_data/reference from the repository")
    with duckdb.connect() as con:
        rows = con.execute("SELECT DISTINCT trim(Codering_3) FROM read_csv(?, all_varchar=true) "
                           "WHERE trim(SoortRegio_2) = 'Gemeente'", [str(path)]).fetchall()
    return {r[0] for r in rows}
