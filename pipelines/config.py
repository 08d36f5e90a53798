"""Run configuration: `phm.toml`, validated on start so a wrong key fails before any work is done."""

from __future__ import annotations

import difflib
import functools
import hashlib
import json
import os
import re
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path

from indicators.disclosure_policy import DisclosurePolicy
from indicators.payment_scenarios import PaymentAssumptions
from indicators.prices import CPI_FILE, PriceSeriesError, deflators, read_cpi
from quality.completeness import DEFAULTS as COMPLETENESS_DEFAULTS
from quality.contracts import LAYOUTS, SOURCES
from quality.thresholds import CheckThresholds

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = REPO_ROOT / "phm.toml"
RIVM_2020 = "rivm_50090NED_gezondheid_wijk_buurt_2020_18plus_NL.csv"  # its gemeenten are the known ones
GEMEENTE_CODE = re.compile(r"^GM[0-9]{4}$")

KNOWN_SECTIONS = {
    "region": {"code", "name", "gemeenten", "layout", "cbs_root"},
    "regions": None,  # [regions.<CODE>] tables, checked against REGION_KEYS
    "run": {"years", "data_dir", "reference_dir", "allow_incomplete", "max_runtime_minutes"},
    "generator": {"seed", "scale"},
    "duckdb": {"threads", "memory_limit"},
    "disclosure": {f.name for f in fields(DisclosurePolicy)},
    "checks": {f.name for f in fields(CheckThresholds)},
    "completeness": set(COMPLETENESS_DEFAULTS),
    "cutoffs": None,  # free-form numbers, read by the indicator catalogue
    "automation": {"sensor_interval_seconds", "yearly_cron", "monthly_cron"},
    "alerts": {"file", "webhook", "email_to", "email_from", "smtp_host", "smtp_port"},
    "evaluation": {"min_treated_areas"},
    "input": {"layout", "cbs_root", "pseudonym_salt"},
    "prices": {"base_year"},
    "payment": {f.name for f in fields(PaymentAssumptions)},
}
# Operational settings: how and when runs start and whom a failure reaches. They change no published number,
# so they stay out of the configuration hash (changing a webhook is no reason for published values to move).
# The pseudonym salt changes no published number either, and a secret must not feed a hash that is published.
OPERATIONAL_KEYS = {"automation": None, "alerts": None, "run": {"max_runtime_minutes"}, "input": {"pseudonym_salt"}}
REGION_KEYS = {"name", "gemeenten", "data_dir", "years", "layout", "cbs_root"}
REGION_CODE = re.compile(r"^[A-Z][A-Z0-9_]{1,39}$")


class ConfigError(ValueError):
    """A configuration problem, with the file and key that cause it and what to do."""


@dataclass(frozen=True)
class AutomationSettings:
    """`[automation]`: how often the landing sensor looks, and when the schedules fire (cron, the schedules'
    timezone)."""

    sensor_interval_seconds: int = 60
    yearly_cron: str = "0 6 1 4 *"    # 1 April, 06:00: after the yearly deliveries of the previous year
    monthly_cron: str = "0 6 1 * *"   # first day of every month, 06:00


@dataclass(frozen=True)
class AlertSettings:
    """`[alerts]`: where the message about a failed run goes. `file` is relative to the region's data
    directory ("" = no file); e-mail is sent when both `smtp_host` and `email_to` are set."""

    file: str = "alerts.log"
    webhook: str = ""
    email_to: tuple[str, ...] = ()
    email_from: str = ""
    smtp_host: str = ""
    smtp_port: int = 25


@dataclass(frozen=True)
class InputSettings:
    """`[input]`: in which layout the region's data arrive. `native`: the project's landing files
    (`<data_dir>/landing/<source>/`); `cbs_microdata`: CBS Remote Access files where they lie under `cbs_root`
    (transforms/cbs/), pseudonymised on reading with `pseudonym_salt` (env PHM_PSEUDONYM_SALT overrides)."""

    layout: str = "native"
    cbs_root: Path = Path("cbs")
    pseudonym_salt: str = field(default="", repr=False)


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
    disclosure: DisclosurePolicy = field(default_factory=DisclosurePolicy)
    checks: CheckThresholds = field(default_factory=CheckThresholds)
    completeness: dict = field(default_factory=dict)
    # "source:year" or "source" entries an operator allows to be incomplete: published as "bron onvolledig"
    allow_incomplete: tuple[str, ...] = ()
    cutoffs: dict = field(default_factory=dict)
    automation: AutomationSettings = field(default_factory=AutomationSettings)
    alerts: AlertSettings = field(default_factory=AlertSettings)
    max_runtime_minutes: int = 240   # [run]: the daemon's run monitoring fails a run that runs longer
    min_treated_areas: int = 3       # [evaluation]: as indicators/evaluation.py: MIN_TREATED_AREAS
    input: InputSettings = field(default_factory=InputSettings)
    price_base_year: int | None = None  # [prices]: money in prices of this year (None: the last of `years`)
    payment: PaymentAssumptions = field(default_factory=PaymentAssumptions)  # [payment]: payment scenarios
    raw: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def price_year(self) -> int:
        """The base year of constant prices: `[prices] base_year`, else the last configured year."""
        return self.price_base_year if self.price_base_year is not None else self.years[-1]

    @property
    def landing_dir(self) -> Path:
        return self.data_dir / "landing"

    @property
    def layout(self) -> str:
        return self.input.layout

    @property
    def cbs_root(self) -> Path:
        """The folder of the CBS files (`[input] cbs_root`, relative to the region's data folder)."""
        root = self.input.cbs_root
        return root if root.is_absolute() else self.data_dir / root

    @property
    def warehouse_path(self) -> Path:
        return self.data_dir / "warehouse.duckdb"

    @property
    def published_dir(self) -> Path:
        return self.data_dir / "published"

    @property
    def config_hash(self) -> str:
        """Hash of the effective configuration, recorded in the run manifest."""
        payload = json.dumps(_without_operational(self.raw), sort_keys=True, default=str).encode()
        return hashlib.sha256(payload).hexdigest()[:16]


def _require(cond: bool, path: Path, key: str, message: str) -> None:
    if not cond:
        raise ConfigError(f"{path}: [{key}] {message}")


def config_path(path: Path | str | None = None) -> Path:
    """The configuration file: `path`, else `PHM_CONFIG`, else the repository's phm.toml."""
    return Path(path or os.environ.get("PHM_CONFIG") or DEFAULT_CONFIG).resolve()


def load_settings(path: Path | str | None = None, data_dir: Path | str | None = None,
                  region: str | None = None) -> Settings:
    """Read, validate and resolve `phm.toml` for one region (default: its `[region]`).

    `PHM_DATA_DIR` (or `data_dir`) overrides the data directory. Further regions of the same deployment are
    `[regions.<CODE>]` tables (name, gemeenten, optional years and data_dir) that share every other setting;
    each has its own data directory, by default `<data_dir>/regions/<CODE>`.
    """
    path = config_path(path)
    return resolve(read_config(path), path, region, data_dir)


def load_regions(path: Path | str | None = None, data_dir: Path | str | None = None) -> list[Settings]:
    """Settings of every region in the configuration, `[region]` first (the file read once)."""
    path = config_path(path)
    raw = read_config(path)
    return [resolve(raw, path, code, data_dir) for code in _region_codes(raw, path)]


def read_config(path: Path) -> dict:
    """The TOML of `path`, with unknown sections and keys refused by name."""
    raw = parse_toml(path)
    validate_keys(raw, path)
    return raw


def parse_toml(path: Path) -> dict:
    """The TOML of `path` as read (the one place that reads the configuration file)."""
    if not path.exists():
        raise ConfigError(f"{path}: configuration file not found; copy phm.toml from the repository root")
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc


def validate_keys(raw: dict, path: Path) -> None:
    """Refuse a section or key the pipeline does not know: a typo must not silently mean a default."""
    for section, value in raw.items():
        _require(section in KNOWN_SECTIONS, path, section,
                 f"unknown section{_suggestion(section, KNOWN_SECTIONS)}; expected one of {sorted(KNOWN_SECTIONS)}")
        allowed = KNOWN_SECTIONS[section]
        if allowed is not None and isinstance(value, dict):
            for key in value:
                _require(key in allowed, path, f"{section}.{key}",
                         f"unknown key{_suggestion(key, allowed)}; expected one of {sorted(allowed)}")


def _suggestion(word: str, known) -> str:
    close = difflib.get_close_matches(word, sorted(known), n=1)
    return f" (did you mean {close[0]}?)" if close else ""


def resolve(raw: dict, path: Path, region: str | None = None, data_dir: Path | str | None = None) -> Settings:
    """Settings of one region from the validated TOML: types checked, defaults filled, paths made absolute."""
    code, chosen, key = _region(raw, path, region)
    run = raw.get("run", {})
    gemeenten = _gemeenten(chosen, path, key)
    years = _years(chosen, run, path, key)
    reference = _reference_dir(run, path)
    known = known_gemeenten(reference)
    unknown = [gm for gm in gemeenten if gm not in known]
    _require(not unknown, path, f"{key}.gemeenten",
             f"{', '.join(unknown)} not found in the CBS/RIVM reference data in {reference}; "
             f"use the CBS code of the gemeente, e.g. GM0361 for Alkmaar")
    generator = raw.get("generator", {})
    duck = raw.get("duckdb", {})
    threads = duck.get("threads", 2)
    _require(isinstance(threads, int) and threads >= 1, path, "duckdb.threads", "must be a positive integer")
    data = _data_dir(run, chosen, path, code, code == _primary_code(raw), data_dir).resolve()
    return Settings(
        config_path=path,
        region_code=code,
        region_name=str(chosen.get("name", "Regio")),
        gemeenten=tuple(gemeenten),
        years=tuple(years),
        data_dir=data,
        reference_dir=reference.resolve(),
        seed=int(generator.get("seed", 20241)),
        scale=float(generator.get("scale", 1.0)),
        duckdb_threads=threads,
        duckdb_memory_limit=str(duck.get("memory_limit", "4GB")),
        disclosure=_typed(DisclosurePolicy, raw.get("disclosure", {}), path, "disclosure"),
        checks=_typed(CheckThresholds, raw.get("checks", {}), path, "checks"),
        completeness=_completeness(raw.get("completeness", {}), path),
        allow_incomplete=_allow_incomplete(run, years, path),
        cutoffs=_cutoffs(raw.get("cutoffs", {}), path),
        automation=_automation(raw.get("automation", {}), path),
        alerts=_alerts(raw.get("alerts", {}), path),
        max_runtime_minutes=_positive_int(run.get("max_runtime_minutes", 240), path, "run.max_runtime_minutes"),
        min_treated_areas=_positive_int(raw.get("evaluation", {}).get("min_treated_areas", 3), path,
                                        "evaluation.min_treated_areas"),
        input=_input(raw.get("input", {}), chosen, path, key),
        price_base_year=_price_base_year(raw.get("prices", {}), years, reference, path),
        payment=_typed(PaymentAssumptions, raw.get("payment", {}), path, "payment"),
        raw={**raw, "region": {"code": code, **chosen}},
    )


def _primary_code(raw: dict) -> str:
    return str(raw.get("region", {}).get("code", "REGIO"))


def _region_codes(raw: dict, path: Path) -> list[str]:
    """`[region]`'s code and those of the `[regions.<CODE>]` tables, each checked."""
    primary, extra = _primary_code(raw), raw.get("regions", {})
    codes = [primary, *extra]
    _require(len(set(codes)) == len(codes), path, "regions", f"region code {primary} is used twice")
    for code, table in extra.items():
        _require(bool(REGION_CODE.match(code)), path, f"regions.{code}",
                 "a region code is upper case letters, digits and _ (e.g. RG_WESTFRIESLAND)")
        _require(isinstance(table, dict), path, f"regions.{code}", "must be a table with name and gemeenten")
        for key in table:
            _require(key in REGION_KEYS, path, f"regions.{code}.{key}",
                     f"unknown key; expected one of {sorted(REGION_KEYS)}")
    return codes


def _region(raw: dict, path: Path, region: str | None) -> tuple[str, dict, str]:
    """The chosen region's code, its table and the table's name in messages."""
    codes = _region_codes(raw, path)
    primary = _primary_code(raw)
    code = region or primary
    _require(code in codes, path, "regions", f"no region {code!r}; configured regions: {', '.join(codes)}")
    if code == primary:
        return code, raw.get("region", {}), "region"
    return code, raw["regions"][code], f"regions.{code}"


def _gemeenten(chosen: dict, path: Path, key: str) -> list[str]:
    gemeenten = chosen.get("gemeenten", [])
    _require(isinstance(gemeenten, list) and len(gemeenten) > 0, path, f"{key}.gemeenten",
             "must be a non-empty list of CBS gemeente codes such as \"GM0361\"")
    for gm in gemeenten:
        _require(isinstance(gm, str) and bool(GEMEENTE_CODE.match(gm)), path, f"{key}.gemeenten",
                 f"{gm!r} is not a CBS gemeente code (GM followed by four digits, e.g. \"GM0361\")")
    _require(len(set(gemeenten)) == len(gemeenten), path, f"{key}.gemeenten", "lists a gemeente twice")
    return gemeenten


def _years(chosen: dict, run: dict, path: Path, key: str) -> list[int]:
    """The region's own years, else `[run] years`: ascending, plausible, without repeats."""
    years_key = f"{key}.years" if "years" in chosen else "run.years"
    years = chosen.get("years", run.get("years", []))
    _require(isinstance(years, list) and len(years) > 0 and all(isinstance(y, int) for y in years),
             path, years_key, "must be a non-empty list of years, e.g. [2022, 2023, 2024]")
    _require(all(2000 <= y <= 2100 for y in years), path, years_key, f"{years} contains an implausible year")
    _require(years == sorted(set(years)), path, years_key, "must be ascending without repeats")
    return years


def _data_dir(run: dict, chosen: dict, path: Path, code: str, primary: bool,
              data_dir: Path | str | None) -> Path:
    """An override (argument or PHM_DATA_DIR) is relative to the working directory, the configured one to the
    file; a further region defaults to `<data_dir>/regions/<CODE>`."""
    base = path.parent
    override = data_dir or os.environ.get("PHM_DATA_DIR")
    data = Path(override or run.get("data_dir", "data"))
    data = data if data.is_absolute() else (Path.cwd() / data if override else base / data)
    if primary:
        return data
    own = chosen.get("data_dir")
    return (Path(own) if Path(own).is_absolute() else base / own) if own else data / "regions" / code


def _reference_dir(run: dict, path: Path) -> Path:
    reference = Path(run.get("reference_dir", "sample_data/reference"))
    reference = reference if reference.is_absolute() else path.parent / reference
    _require(reference.is_dir(), path, "run.reference_dir", f"{reference} does not exist")
    return reference


def _typed(cls, table: dict, path: Path, section: str):
    """`[section]` as its frozen dataclass (DisclosurePolicy, CheckThresholds), whose errors gain the file."""
    _require(isinstance(table, dict), path, section, f"must be a table ([{section}] with its keys)")
    try:
        return cls.from_mapping(table)
    except ValueError as exc:  # "<section>.<key> <what is wrong>": the key goes into the brackets
        key, _, problem = str(exc).partition(" ")
        raise ConfigError(f"{path}: [{key}] {problem}") from exc


def _completeness(table: dict, path: Path) -> dict:
    """`[completeness]` over the gate's defaults (`quality/completeness.py`)."""
    for source in table.get("optional", []):
        _require(source in SOURCES, path, "completeness.optional",
                 f"{source!r} is not a source; expected one of {sorted(SOURCES)}")
    for source in table.get("min_records_per_resident", {}):
        _require(source in SOURCES, path, "completeness.min_records_per_resident",
                 f"{source!r} is not a source; expected one of {sorted(SOURCES)}")
    return {**COMPLETENESS_DEFAULTS, **table}


def _allow_incomplete(run: dict, years: list[int], path: Path) -> tuple[str, ...]:
    allow = run.get("allow_incomplete", [])
    _require(isinstance(allow, list) and all(isinstance(a, str) for a in allow), path, "run.allow_incomplete",
             'must be a list such as ["wmo:2024"] (source:year, or a source for every year)')
    for entry in allow:
        source, _, year = entry.partition(":")
        _require(source in SOURCES, path, "run.allow_incomplete",
                 f"{entry!r}: {source!r} is not a source; expected one of {sorted(SOURCES)}")
        _require(not year or (year.isdigit() and int(year) in years), path, "run.allow_incomplete",
                 f"{entry!r}: {year!r} is not one of the configured years {years}")
    return tuple(allow)


def _input(table: dict, chosen: dict, path: Path, key: str) -> InputSettings:
    """`[input]`, with the region's own `layout` / `cbs_root` over it; the salt from PHM_PSEUDONYM_SALT first."""
    _require(isinstance(table, dict), path, "input", "must be a table ([input] with its keys)")
    layout_key = f"{key}.layout" if "layout" in chosen else "input.layout"
    layout = chosen.get("layout", table.get("layout", "native"))
    _require(layout in LAYOUTS, path, layout_key,
             f"{layout!r} is not a layout{_suggestion(str(layout), LAYOUTS)}; expected one of {list(LAYOUTS)}")
    root_key = f"{key}.cbs_root" if "cbs_root" in chosen else "input.cbs_root"
    root = chosen.get("cbs_root", table.get("cbs_root", "cbs"))
    _require(isinstance(root, str) and bool(root), path, root_key,
             f"must be a folder name (relative to the region's data folder), got {root!r}")
    salt = os.environ.get("PHM_PSEUDONYM_SALT", table.get("pseudonym_salt", ""))
    _require(isinstance(salt, str), path, "input.pseudonym_salt", "must be a string")
    _require(layout != "cbs_microdata" or bool(salt), path, "input.pseudonym_salt",
             "is empty while the layout is cbs_microdata: set a secret salt (or PHM_PSEUDONYM_SALT) so that "
             "pseudonyms cannot be recomputed from RINPERSOON")
    return InputSettings(layout=layout, cbs_root=Path(root), pseudonym_salt=salt)


def _cutoffs(table: dict, path: Path) -> dict:
    for name, value in table.items():
        _require(isinstance(value, int | float), path, f"cutoffs.{name}", f"must be a number, got {value!r}")
    return dict(table)


def _price_base_year(table: dict, years: list[int], reference: Path, path: Path) -> int:
    """`[prices] base_year` (default: the last configured year), checked with the configured years against the
    CPI series now: a year the series lacks stops the run before any work, naming the file and the year
    (indicators/prices.py)."""
    _require(isinstance(table, dict), path, "prices", "must be a table ([prices] with base_year)")
    base = table.get("base_year", years[-1])
    _require(isinstance(base, int) and not isinstance(base, bool) and 2000 <= base <= 2100, path,
             "prices.base_year", f"must be a year such as {years[-1]}, got {base!r}")
    try:
        deflators(read_cpi(reference), years, base, source=str(reference / CPI_FILE))
    except PriceSeriesError as exc:
        raise ConfigError(f"{path}: [prices] {exc}") from exc
    return base


def _positive_int(value, path: Path, key: str) -> int:
    _require(isinstance(value, int) and not isinstance(value, bool) and value > 0, path, key,
             f"must be a positive whole number, got {value!r}")
    return value


def _automation(table: dict, path: Path) -> AutomationSettings:
    """`[automation]`, validated: a positive sensor interval and cron strings Dagster accepts."""
    _require(isinstance(table, dict), path, "automation", "must be a table ([automation] with its keys)")
    default = AutomationSettings()
    crons = {}
    for key in ("yearly_cron", "monthly_cron"):
        cron = table.get(key, getattr(default, key))
        _require(isinstance(cron, str) and (cron == getattr(default, key) or _valid_cron(cron)), path,
                 f"automation.{key}",
                 f"{cron!r} is not a cron string of five fields (minute hour day month weekday), "
                 f"e.g. \"{getattr(default, key)}\"")
        crons[key] = cron
    interval = _positive_int(table.get("sensor_interval_seconds", default.sensor_interval_seconds), path,
                             "automation.sensor_interval_seconds")
    return AutomationSettings(sensor_interval_seconds=interval, **crons)


def _valid_cron(cron: str) -> bool:
    """What @dg.schedule itself accepts (Dagster is imported only for a cron other than the default)."""
    from dagster._utils.schedules import is_valid_cron_string

    return is_valid_cron_string(cron)


def _alerts(table: dict, path: Path) -> AlertSettings:
    """`[alerts]`, validated: strings, a http(s) webhook, e-mail addresses, a port, and a server for e-mail."""
    _require(isinstance(table, dict), path, "alerts", "must be a table ([alerts] with its keys)")
    default = AlertSettings()
    for key in ("file", "webhook", "email_from", "smtp_host"):
        value = table.get(key, getattr(default, key))
        _require(isinstance(value, str), path, f"alerts.{key}", f"must be a string (\"\" = off), got {value!r}")
    webhook = table.get("webhook", "")
    _require(not webhook or webhook.startswith(("http://", "https://")), path, "alerts.webhook",
             f"{webhook!r} is not a http:// or https:// URL")
    email_to = table.get("email_to", [])
    email_to = [email_to] if isinstance(email_to, str) and email_to else email_to
    _require(isinstance(email_to, list) and all(isinstance(a, str) and "@" in a for a in email_to), path,
             "alerts.email_to", f'must be a list of e-mail addresses such as ["beheer@ggd.nl"], got {email_to!r}')
    email_from = table.get("email_from", "")
    _require(not email_from or "@" in email_from, path, "alerts.email_from",
             f"{email_from!r} is not an e-mail address")
    port = table.get("smtp_port", default.smtp_port)
    _require(isinstance(port, int) and not isinstance(port, bool) and 0 < port < 65536, path, "alerts.smtp_port",
             f"must be a port number (25, 465 or 587), got {port!r}")
    smtp_host = table.get("smtp_host", "")
    _require(not email_to or smtp_host, path, "alerts.smtp_host",
             f"is empty while email_to is set ({', '.join(email_to)}): name the mail server that sends them")
    return AlertSettings(file=table.get("file", default.file), webhook=webhook, email_to=tuple(email_to),
                         email_from=email_from, smtp_host=smtp_host, smtp_port=port)


def _without_operational(raw: dict) -> dict:
    """The configuration without OPERATIONAL_KEYS, for the configuration hash."""
    kept = {}
    for section, value in raw.items():
        dropped = OPERATIONAL_KEYS.get(section, ())
        if dropped is None:
            continue
        kept[section] = {k: v for k, v in value.items() if k not in dropped} if isinstance(value, dict) else value
    return kept


def known_gemeenten(reference: Path) -> frozenset[str]:
    """Gemeente codes of the RIVM 2020 reference file (the area classification the pipeline uses)."""
    path = reference / RIVM_2020
    if not path.exists():
        raise ConfigError(f"{path}: reference file missing; restore sample_data/reference from the repository")
    stat = path.stat()
    return _gemeenten_of(str(path.resolve()), stat.st_mtime_ns, stat.st_size)


@functools.cache
def _gemeenten_of(path: str, mtime_ns: int, size: int) -> frozenset[str]:
    """Read once per file version: the file is 3.7 MB and every load of the settings asks for it."""
    import duckdb

    with duckdb.connect() as con:
        rows = con.execute("SELECT DISTINCT trim(Codering_3) FROM read_csv(?, all_varchar=true) "
                           "WHERE trim(SoortRegio_2) = 'Gemeente'", [path]).fetchall()
    return frozenset(r[0] for r in rows)
