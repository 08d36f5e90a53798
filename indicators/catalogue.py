"""The indicator catalogue (`catalogue.yaml`): loading, validation and its published form.

One declarative file defines every indicator; computation, the published
`indicator_catalogue` table, the README and the report all read it from here.
"""

from __future__ import annotations

import difflib
import string
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import duckdb
import yaml

from quality.contracts import LAYOUTS
from quality.descriptions import DESCRIPTIONS, SUITES

CATALOGUE_PATH = Path(__file__).parent / "catalogue.yaml"
AIMS = {"population_health", "experienced_quality", "costs", "professional_wellbeing", "health_equity",
        "positive_health", "phm"}
METHODS = {"proportion", "weighted_proportion", "rate", "mean", "weighted_mean", "ratio", "direct_standardised",
           "top_share"}
STANDARDS = {"region", "esp2013"}
DIRECTIONS = {"higher_better", "lower_better", "neutral"}
LEVELS = ("buurt", "wijk", "gemeente", "regio")
DISCLOSURE_KIND = {"proportion": "proportion", "weighted_proportion": "survey", "rate": "rate",
                   "mean": "mean", "weighted_mean": "survey", "ratio": "rate", "direct_standardised": "proportion",
                   "top_share": "cost"}
DISCLOSURE_KINDS = {"proportion", "survey", "rate", "mean", "cost", "count", "business"}
DEFAULT_MULTIPLIER = {"proportion": 100.0, "weighted_proportion": 100.0, "rate": 1000.0, "mean": 1.0,
                      "weighted_mean": 1.0, "ratio": 1.0, "direct_standardised": 100.0, "top_share": 100.0}
REQUIRED = ("id", "name_nl", "name_en", "aim", "unit", "direction", "source", "mart", "method", "numerator")
REPO_ROOT = Path(__file__).resolve().parents[1]

# What a key of catalogue.yaml may hold: (python types, how an error message names it). `bool` is an `int` in
# Python, so a number never accepts true/false.
TEXT = ((str,), "a text")
SQL = ((str, int, float), "a SQL expression")
NUMBER = ((int, float), "a number")
INTEGER = ((int,), "a whole number")
FLAG = ((bool,), "true or false")
TEXTS = ((list,), "a list of texts")
MAPPING = ((dict,), "a mapping (key: value lines)")

# Every key an indicator entry may have; the top of catalogue.yaml says what each means.
INDICATOR_KEYS = {
    "id": TEXT, "expand": TEXT, "name_nl": TEXT, "name_en": TEXT, "aim": TEXT, "ph_dimension": TEXT, "unit": TEXT,
    "direction": TEXT, "source": TEXT, "mart": TEXT, "inputs": TEXTS, "method": TEXT, "standard": TEXT,
    "numerator": SQL, "denominator": SQL, "exposure": SQL, "weight": SQL, "multiplier": NUMBER, "strata": TEXTS,
    "levels": TEXTS, "stratum_levels": TEXTS, "min_denominator": INTEGER, "disclosure": TEXT,
    "numerator_key": TEXT, "partition": TEXT, "numerator_is_stratum": TEXT, "denominator_is_stratum": MAPPING,
    "rivm_reference": TEXT,
    "small_area": TEXT, "not_in_layouts": MAPPING,
    "top_fraction": NUMBER, "category_strata": TEXT, "report": MAPPING, "affected_by": TEXTS,
}
REPORT_KEYS = {"headline": FLAG, "map": INTEGER}
MART_KEYS = {"table": TEXT, "area_column": TEXT, "persons": TEXT, "strata": MAPPING, "weight": TEXT,
             "description": TEXT, "sources": TEXTS, "default_strata": TEXTS}
DEFAULT_KEYS = {"levels": TEXTS, "stratum_levels": TEXTS, "min_denominator": INTEGER}
TOP_KEYS = {"version": ((str, int, float), "a version"), "marts": MAPPING, "stratum_groups": MAPPING,
            "defaults": MAPPING, "indicators": ((list,), "a list of indicator entries"), "money_units": TEXTS}


class CatalogueError(ValueError):
    """A catalogue entry that cannot be computed; names the indicator and the field."""


@dataclass(frozen=True)
class Mart:
    """A unit of analysis that indicators read."""

    name: str
    table: str
    area_column: str
    persons: str
    strata: dict[str, str]
    weight: str | None = None
    description: str = ""
    sources: tuple[str, ...] = ()  # landing sources every indicator on this mart needs
    # the dimensions an indicator that lists no strata gets (None: all of `strata`); others (segment,
    # opstapeling: the cost ledger's) are published only where an entry names them
    default_strata: tuple[str, ...] | None = None

    @property
    def default_dimensions(self) -> tuple[str, ...]:
        return tuple(self.strata) if self.default_strata is None else self.default_strata


@dataclass(frozen=True)
class Indicator:
    """One catalogue entry with its SQL resolved against the configured cut-offs."""

    id: str
    name_nl: str
    name_en: str
    aim: str
    unit: str
    direction: str
    source: str
    mart: Mart
    method: str
    numerator: str
    denominator: str = "true"
    exposure: str = "1"
    weight: str = "1"
    multiplier: float = 100.0
    strata: tuple[str, ...] = ("totaal",)
    levels: tuple[str, ...] = LEVELS
    min_denominator: int = 50
    disclosure: str = "proportion"
    ph_dimension: str | None = None
    standard: str | None = None  # direct_standardised: 'region' (own population) or 'esp2013'
    # Levels where strata other than `totaal` are published (buurten: totaal only, see catalogue.yaml).
    stratum_levels: tuple[str, ...] = ("wijk", "gemeente", "regio")
    # Disclosure links between indicators (catalogue.yaml, "Counts that other indicators publish too"):
    numerator_key: str | None = None      # indicators with the same key count the same persons
    partition: str | None = None          # numerators of one partition add up to their common denominator
    numerator_is_stratum: str | None = None  # the totaal numerator is the mart's count of rows in this stratum
    # The totaal denominator is the mart's count of rows in a stratum that sums others ({'inkomen:bekend':
    # ('inkomen:q1', ..., 'inkomen:q5')}: residents with a known income are the residents of the five quintiles).
    denominator_is_stratum: tuple[str, tuple[str, ...]] | None = None
    own_inputs: tuple[str, ...] = ()  # landing sources this indicator needs beyond its mart's
    rivm_reference: str | None = None  # column of the RIVM 2020 small-area estimates it is checked against
    small_area: str | None = None  # model of its buurt and wijk estimates (fay_herriot: indicators/small_area.py)
    top_fraction: float | None = None  # top_share: the costliest fraction of residents (0.05 = 5 %)
    category_strata: str | None = None  # a longer mart whose strata the indicator also publishes (Zvw categories)
    headline: bool = False  # the report draws its trend on every area page
    map_order: int | None = None  # the report's maps offer it, at this place in the menu (1 opens the map)
    affected_by: tuple[str, ...] = ()  # quality checks whose failure puts this indicator at risk
    # input layouts that do not deliver what it needs, with why ({'cbs_microdata': 'LBZ has no ED visits'}): in a
    # region of such a layout every cell is published as suppressed, reason "niet geleverd"
    not_in_layouts: tuple[tuple[str, str], ...] = ()

    @property
    def inputs(self) -> tuple[str, ...]:
        """Every landing source the indicator needs: its mart's and its own (catalogue `inputs`)."""
        return tuple(sorted({*self.mart.sources, *self.own_inputs}))

    @property
    def rows_key(self) -> str:
        """The count of mart rows that pass the denominator filter (persons on a person-level mart)."""
        return f"{self.mart.name}|{self.denominator}|rows"

    @property
    def persons_key(self) -> str:
        """The persons behind a cell (the mart's `persons`; the rows themselves on a person-level mart)."""
        if self.mart.persons.strip().lower().replace(" ", "") == "count(*)":
            return self.rows_key
        return f"{self.mart.name}|{self.denominator}|persons"

    def count_keys(self) -> dict[str, str]:
        """Which published count of this indicator is which quantity: {'numerator'|'denominator'|'n': key}.

        Two cells that publish the same key for the same period, area and stratum publish the same number,
        so disclosure control treats them as one: what is hidden in one must be hidden in all.
        """
        base = f"{self.mart.name}|{self.denominator}"
        if self.method in ("rate", "ratio"):
            numerator = f"{base}|sum:{self.numerator}"
            denominator = self.persons_key if self.exposure.strip() == "1" else f"{base}|sum:{self.exposure}"
        elif self.method == "weighted_mean" and self.disclosure == "business":
            # organisations' scores weighted by their respondents: the denominator is the respondents
            numerator, denominator = None, f"{base}|sum:{self.weight}"
        elif self.method in ("mean", "weighted_mean"):
            numerator, denominator = None, self.rows_key
        elif self.method == "top_share":  # the share alone: neither amount is published
            numerator, denominator = None, None
        else:  # proportions, weighted proportions (respondents) and standardised rates (observed / persons)
            numerator, denominator = f"{base}|count:{self.numerator}", self.rows_key
        if self.numerator_key and numerator is not None:
            numerator = self.numerator_key
        return {"numerator": numerator, "denominator": denominator, "n": self.persons_key}


@dataclass(frozen=True)
class Catalogue:
    version: str
    marts: dict[str, Mart]
    indicators: tuple[Indicator, ...]
    # Strata that are the sum of other strata of their dimension ('leeftijd:65+' -> 65-74 and 75+): published
    # beside their members, never a member of the dimension's partition.
    stratum_groups: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # Units of money: indicators in them are also published in constant prices (indicators/prices.py)
    money_units: tuple[str, ...] = ()

    def money_ids(self) -> list[str]:
        """The indicators whose unit is money (catalogue `money_units`): deflated to the price base year."""
        return [i.id for i in self.indicators if i.unit in self.money_units]

    def groups_of(self, dimension: str) -> dict[str, tuple[str, ...]]:
        """The grouped strata of one dimension as {value: member values}, e.g. {'65+': ('65-74', '75+')}."""
        prefix = f"{dimension}:"
        return {group.removeprefix(prefix): tuple(m.removeprefix(prefix) for m in members)
                for group, members in self.stratum_groups.items() if group.startswith(prefix)}

    def by_id(self, indicator_id: str) -> Indicator:
        for ind in self.indicators:
            if ind.id == indicator_id:
                return ind
        raise KeyError(indicator_id)

    def for_mart(self, mart: str) -> list[Indicator]:
        return [ind for ind in self.indicators if ind.mart.name == mart]

    def disclosure_links(self) -> list[dict]:
        """What a reader of the catalogue knows about how published numbers hang together, per indicator.

        Both disclosure control and its independent audit read this (it is data, not rule code): the
        quantity each published count is (`count_keys`), the magnitude behind a mean or cost value, partitions
        whose numerators add up to their denominator, and numerators that equal another stratum's denominator.
        """
        out = []
        for i in self.indicators:
            keys = i.count_keys()
            out.append({
                "indicator_id": i.id, "method": i.method, "kind": i.disclosure, "multiplier": i.multiplier,
                "numerator_key": keys["numerator"], "denominator_key": keys["denominator"], "n_key": keys["n"],
                # the total behind a mean, which value x denominator gives back (a ratio publishes it as numerator)
                "magnitude_key": f"{i.mart.name}|{i.denominator}|sum:{i.numerator}" if i.method == "mean" else None,
                "partition": i.partition, "numerator_is_stratum": i.numerator_is_stratum,
                "denominator_is_stratum": i.denominator_is_stratum[0] if i.denominator_is_stratum else None,
                # whose strata numerator_is_stratum and denominator_is_stratum name: the mart's rows (residents)
                "stratum_key": f"{i.mart.name}|true|rows",
                "top_fraction": i.top_fraction,
                "strata": list(i.strata), "levels": list(i.levels), "stratum_levels": list(i.stratum_levels),
                # grouped strata of the indicator's dimensions, as the sums a reader knows (65+ = 65-74 + 75+)
                "stratum_groups": [{"stratum": group, "member": member}
                                   for group, members in self.stratum_groups.items() if group.split(":")[0] in i.strata
                                   for member in members]
                + [{"stratum": i.denominator_is_stratum[0], "member": member}
                   for member in (i.denominator_is_stratum[1] if i.denominator_is_stratum else ())],
            })
        return out

    def not_delivered(self, layout: str) -> list[str]:
        """Indicators the input `layout` cannot carry (`not_in_layouts`): published as "niet geleverd"."""
        return [i.id for i in self.indicators if layout in dict(i.not_in_layouts)]

    def rows(self, price_base_year: int | None = None) -> list[dict]:
        """The catalogue as published: the columns of `indicator_catalogue` (indicators/published_schema.py);
        `price_base_year` on the money indicators, whose constant-price numbers are in prices of that year."""
        return [
            {
                "indicator_id": i.id, "name_nl": i.name_nl, "name_en": i.name_en, "aim": i.aim,
                "ph_dimension": i.ph_dimension, "unit": i.unit, "direction": i.direction,
                "numerator": i.numerator, "denominator": i.denominator, "source": i.source, "method": i.method,
                "multiplier": i.multiplier, "strata": ",".join(i.strata), "min_denominator": i.min_denominator,
                "levels": ",".join(i.levels), "standard": i.standard, "inputs": ",".join(i.inputs),
                "small_area": i.small_area,
                "price_base_year": price_base_year if i.unit in self.money_units else None,
                "not_in_layouts": "; ".join(f"{layout}: {why}" for layout, why in i.not_in_layouts) or None,
                "catalogue_version": self.version,
            }
            for i in self.indicators
        ]


def _fill(text: str, cutoffs: dict, where: str) -> str:
    names = {name for _, name, _, _ in string.Formatter().parse(text) if name}
    missing = names - set(cutoffs)
    if missing:
        raise CatalogueError(f"{where}: cut-off {', '.join(sorted(missing))} is not in [cutoffs] of phm.toml")
    return text.format(**cutoffs)


def load_catalogue(cutoffs: dict, expansions: dict[str, list[dict]] | None = None,
                   path: Path = CATALOGUE_PATH) -> Catalogue:
    """Read and validate the catalogue, filling cut-offs such as {k10_high} from phm.toml.

    An entry with `expand: <name>` is a template: it becomes one indicator per row of
    `expansions[name]` (segments, target groups, interventions found in the data); without
    those rows the template is left out.
    """
    frozen = tuple(sorted((k, tuple(tuple(sorted(r.items())) for r in rows))
                          for k, rows in (expansions or {}).items()))
    return _load(path, tuple(sorted(cutoffs.items())), frozen)


def report_indicators(path: Path = CATALOGUE_PATH) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The report's headline indicators (catalogue order) and map indicators (by `report: map`), as ids.

    Read without [cutoffs]: an id never holds a cut-off, and the report renders without settings.
    """
    entries = _read(path).entries
    headline = tuple(e.values["id"] for e in entries if e.values.get("report", {}).get("headline"))
    maps = sorted((e.values["report"]["map"], e.values["id"]) for e in entries if "map" in e.values.get("report", {}))
    return headline, tuple(i for _, i in maps)


def mart_tables(path: Path = CATALOGUE_PATH) -> tuple[str, ...]:
    """The warehouse tables the catalogue's marts name: what the indicator cells read, so their asset's
    dependencies (read without [cutoffs]: a table name holds none)."""
    return tuple(sorted({mart.table for mart in _read(path).marts.values()}))


def check_impact(check_name: str, expansions: dict[str, list[dict]] | None = None,
                 path: Path = CATALOGUE_PATH) -> tuple[tuple[str, str], ...]:
    """(id, source) of every indicator whose `affected_by` names the check, templates expanded, in catalogue order.

    Quality checks call this with only a connection at hand, so it needs no [cutoffs] (ids hold none).
    """
    out = []
    for entry in _read(path).entries:
        if check_name not in entry.values.get("affected_by", ()):
            continue
        name = entry.values.get("expand")
        for row in (expansions or {}).get(name, []) if name else [{}]:
            out.append((_fill(entry.values["id"], row, entry.where("id")), entry.values["source"]))
    return tuple(out)


@dataclass(frozen=True)
class _Entry:
    """One indicator entry as written in the file, with the line of each key for messages."""

    values: dict
    lines: dict[str, int]
    line: int
    file: str

    def where(self, key: str | None = None) -> str:
        return f"{self.file} line {self.lines.get(key, self.line)}: indicator {self.values.get('id', '?')}"


@dataclass(frozen=True)
class _Document:
    """catalogue.yaml read and validated; cut-offs and templates are not filled in yet."""

    version: str
    marts: dict[str, Mart]
    stratum_groups: dict[str, tuple[str, ...]]
    defaults: dict
    entries: tuple[_Entry, ...]
    money_units: tuple[str, ...] = ()


def _display(path: Path) -> str:
    """The file as a reader finds it: relative to the repository when it is in it."""
    try:
        return str(Path(path).resolve().relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


def _suggest(word: str, allowed) -> str:
    close = difflib.get_close_matches(str(word), [str(a) for a in allowed], n=1)
    return f"; did you mean '{close[0]}'?" if close else f"; allowed: {', '.join(sorted(map(str, allowed)))}"


def _keys(node: yaml.Node, file: str, what: str) -> dict[str, tuple[int, yaml.Node]]:
    """The keys of a mapping node with their (1-based) line; a key written twice is an error, not a silent last."""
    if not isinstance(node, yaml.MappingNode):
        raise CatalogueError(f"{file} line {node.start_mark.line + 1}: {what} must be a mapping (key: value lines)")
    out: dict[str, tuple[int, yaml.Node]] = {}
    for key, value in node.value:
        line = key.start_mark.line + 1
        if key.value in out:
            raise CatalogueError(f"{file} line {line}: {what} has key '{key.value}' twice (also on line "
                                 f"{out[key.value][0]})")
        out[str(key.value)] = (line, value)
    return out


def _check(values: dict, lines: dict[str, tuple[int, yaml.Node]], allowed: dict, file: str, what: str) -> None:
    """Every key known and of its type: an unknown key is a typo, never silently ignored."""
    for key, value in values.items():
        line = lines[str(key)][0]
        if key not in allowed:
            raise CatalogueError(f"{file} line {line}: {what} has unknown key '{key}'{_suggest(key, allowed)}")
        types, name = allowed[key]
        wrong_bool = isinstance(value, bool) and bool not in types
        items_ok = allowed[key] is not TEXTS or all(isinstance(v, str) for v in value)
        if value is None or not isinstance(value, types) or wrong_bool or not items_ok:
            shown = repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "..."
            raise CatalogueError(f"{file} line {line}: {what}: {key} must be {name}, not {shown}")


def _one_of(value, allowed, where: str, key: str) -> None:
    if value not in allowed:
        raise CatalogueError(f"{where}: {key} {value!r} is not one of {sorted(allowed)}{_suggest(value, allowed)}")


CHECK_NAMES = {*DESCRIPTIONS, *(f"gx_{suite}" for suite in SUITES)}


@cache
def _read(path: Path) -> _Document:
    file = _display(path)
    text = Path(path).read_text(encoding="utf-8")
    root, doc = yaml.compose(text, Loader=yaml.SafeLoader), yaml.safe_load(text)
    top = _keys(root, file, "the catalogue")
    _check(doc, top, TOP_KEYS, file, "the catalogue")
    for key in ("marts", "indicators"):
        if key not in doc:
            raise CatalogueError(f"{file}: the catalogue needs a top-level key '{key}'")
    mart_nodes = _keys(top["marts"][1], file, "marts")
    marts = {}
    for name, spec in doc["marts"].items():
        lines = _keys(mart_nodes[name][1], file, f"mart {name}")
        _check(spec, lines, MART_KEYS, file, f"mart {name}")
        for key in ("table", "area_column"):
            if key not in spec:
                raise CatalogueError(f"{file} line {mart_nodes[name][0]}: mart {name} needs '{key}'")
        marts[name] = Mart(name, spec["table"], spec["area_column"], spec.get("persons", "count(*)"),
                           {str(k): str(v) for k, v in spec.get("strata", {}).items()}, spec.get("weight"),
                           spec.get("description", ""), tuple(spec.get("sources", ())),
                           tuple(spec["default_strata"]) if "default_strata" in spec else None)
        unknown = [d for d in marts[name].default_dimensions if d not in marts[name].strata]
        if unknown:
            raise CatalogueError(f"{file} line {mart_nodes[name][0]}: mart {name} default_strata {unknown} are not "
                                 f"among its strata{_suggest(unknown[0], list(marts[name].strata))}")
    defaults = doc.get("defaults") or {}
    if defaults:
        lines = _keys(top["defaults"][1], file, "defaults")
        _check(defaults, lines, DEFAULT_KEYS, file, "defaults")
        for key in ("levels", "stratum_levels"):
            for level in defaults.get(key, ()):
                _one_of(level, LEVELS, f"{file} line {lines[key][0]}: defaults", key)
    groups = _stratum_groups(doc.get("stratum_groups") or {}, marts, file)
    entries = []
    for node, values in zip(top["indicators"][1].value, doc["indicators"], strict=True):
        what = f"indicator {values.get('id', '?')}" if isinstance(values, dict) else "an indicator entry"
        lines = _keys(node, file, what)
        entry = _Entry(values, {k: line for k, (line, _) in lines.items()}, node.start_mark.line + 1, file)
        _check(values, lines, INDICATOR_KEYS, file, what)
        if "report" in values:
            _check(values["report"], _keys(lines["report"][1], file, f"{what}: report"), REPORT_KEYS, file,
                   f"{what}: report")
        _validate(entry, marts)
        entries.append(entry)
    maps: dict[int, str] = {}
    for entry in entries:
        place = entry.values.get("report", {}).get("map")
        if place in maps:
            raise CatalogueError(f"{entry.where('report')}: report map {place} is taken by {maps[place]}")
        if place is not None:
            maps[place] = entry.values["id"]
    return _Document(str(doc.get("version", "1")), marts, groups, defaults, tuple(entries),
                     tuple(doc.get("money_units", ())))


def _validate(entry: _Entry, marts: dict[str, Mart]) -> None:
    """The values of one entry: names that must exist, numbers in their range, keys that need each other."""
    e, where = entry.values, entry.where
    for key in REQUIRED:
        if key not in e:
            raise CatalogueError(f"{where()}: field {key} is required")
    for key, allowed in (("aim", AIMS), ("method", METHODS), ("direction", DIRECTIONS), ("mart", marts)):
        _one_of(e[key], allowed, where(key), key)
    mart = marts[e["mart"]]
    unknown = [s for s in e.get("strata", ()) if s != "totaal" and s not in mart.strata]
    if unknown:
        raise CatalogueError(f"{where('strata')}: strata {unknown} are not defined for mart {mart.name}"
                             f"{_suggest(unknown[0], ['totaal', *mart.strata])}")
    for key in ("levels", "stratum_levels"):
        for level in e.get(key, ()):
            _one_of(level, LEVELS, where(key), key)
    if "disclosure" in e:
        _one_of(e["disclosure"], DISCLOSURE_KINDS, where("disclosure"), "disclosure")
    link = e.get("numerator_is_stratum")
    # a dimension of the mart or of a longer mart that lends it strata (doelgroep: one row per member)
    lent = {d for m in marts.values() for d in m.strata if m.table != mart.table and m.area_column == mart.area_column}
    if link is not None and (":" not in link or link.split(":")[0] not in {*mart.strata, *lent}):
        raise CatalogueError(f"{where('numerator_is_stratum')}: numerator_is_stratum {link!r} is not a stratum "
                             f"of mart {mart.name}")
    summed = e.get("denominator_is_stratum")
    if summed is not None:
        (group, members), = summed.items() if len(summed) == 1 else ((None, None),)
        dimension = str(group).split(":")[0]
        if (group is None or ":" not in group or dimension not in mart.strata or not isinstance(members, list)
                or not members or any(not str(m).startswith(dimension + ":") for m in members)):
            raise CatalogueError(f"{where('denominator_is_stratum')}: denominator_is_stratum must be one stratum of "
                                 f"mart {mart.name} with the list of strata of its dimension it sums, e.g. "
                                 "{inkomen:bekend: [inkomen:q1, inkomen:q2]}")
    if e["method"] == "direct_standardised" and e.get("standard") not in STANDARDS:
        raise CatalogueError(f"{where('standard')}: direct_standardised needs standard: one of {sorted(STANDARDS)}")
    if (e["method"] == "top_share") != ("top_fraction" in e):
        raise CatalogueError(f"{where('top_fraction')}: top_fraction belongs to (and is needed by) method "
                             "top_share")
    if "top_fraction" in e and not 0 < e["top_fraction"] < 1:
        raise CatalogueError(f"{where('top_fraction')}: top_fraction {e['top_fraction']} must lie between 0 and 1")
    if "category_strata" in e:
        _one_of(e["category_strata"], marts, where("category_strata"), "category_strata")
    for check in e.get("affected_by", ()):
        _one_of(check, CHECK_NAMES, where("affected_by"), "affected_by")
    for layout, why in e.get("not_in_layouts", {}).items():
        _one_of(layout, LAYOUTS, where("not_in_layouts"), "not_in_layouts")
        if not isinstance(why, str) or not why.strip():
            raise CatalogueError(f"{where('not_in_layouts')}: not_in_layouts.{layout} must say why (a text)")
    report = e.get("report", {})
    if report and "expand" in e:
        raise CatalogueError(f"{where('report')}: a template (expand) cannot be a report headline or map")
    if report.get("map", 1) < 1:
        raise CatalogueError(f"{where('report')}: report map {report['map']} must be 1 or more (1 opens the map)")


def _expand(entries: tuple[_Entry, ...], expansions: dict[str, list[dict]]) -> list[tuple[_Entry, dict]]:
    out = []
    for entry in entries:
        name = entry.values.get("expand")
        for row in expansions.get(name, []) if name else [{}]:
            out.append((entry, row))
    return out


@cache
def _load(path: Path, cutoff_items: tuple, expansion_items: tuple) -> Catalogue:
    cutoffs = dict(cutoff_items)
    expansions = {k: [dict(r) for r in rows] for k, rows in expansion_items}
    doc = _read(path)
    defaults = doc.defaults
    seen: set[str] = set()
    indicators = []
    for raw, row in _expand(doc.entries, expansions):
        values = {**cutoffs, **row}
        entry = {k: (_fill(v, values, raw.where(k)) if isinstance(v, str) else v)
                 for k, v in raw.values.items() if k != "expand"}
        if entry["id"] in seen:
            raise CatalogueError(f"{raw.where('id')}: id {entry['id']} used twice")
        seen.add(entry["id"])
        mart = doc.marts[entry["mart"]]
        weight = entry.get("weight") or (mart.weight if entry["method"].startswith("weighted") else None) or "1"
        report = entry.get("report", {})
        indicators.append(Indicator(
            id=entry["id"],
            name_nl=entry["name_nl"],
            name_en=entry["name_en"],
            aim=entry["aim"], unit=entry["unit"], direction=entry["direction"], source=entry["source"],
            mart=mart, method=entry["method"],
            numerator=str(entry["numerator"]),
            denominator=str(entry.get("denominator", "true")),
            exposure=str(entry.get("exposure", "1")),
            weight=str(weight),
            multiplier=float(entry.get("multiplier", DEFAULT_MULTIPLIER[entry["method"]])),
            strata=tuple(entry.get("strata", ["totaal", *mart.default_dimensions])),
            levels=tuple(entry.get("levels", defaults.get("levels", LEVELS))),
            min_denominator=int(entry.get("min_denominator", defaults.get("min_denominator", 50))),
            disclosure=entry.get("disclosure", DISCLOSURE_KIND[entry["method"]]),
            ph_dimension=entry.get("ph_dimension"),
            standard=entry.get("standard"),
            stratum_levels=tuple(entry.get("stratum_levels", defaults.get("stratum_levels", LEVELS))),
            numerator_key=entry.get("numerator_key"),
            partition=entry.get("partition"),
            numerator_is_stratum=entry.get("numerator_is_stratum"),
            denominator_is_stratum=next(((g, tuple(m)) for g, m in entry["denominator_is_stratum"].items()), None)
            if entry.get("denominator_is_stratum") else None,
            own_inputs=tuple(entry.get("inputs", ())),
            rivm_reference=entry.get("rivm_reference"),
            small_area=_small_area(entry, raw.where("small_area")),
            top_fraction=float(entry["top_fraction"]) if "top_fraction" in entry else None,
            category_strata=entry.get("category_strata"),
            headline=bool(report.get("headline", False)),
            map_order=report.get("map"),
            affected_by=tuple(entry.get("affected_by", ())),
            not_in_layouts=tuple(sorted((str(k), str(v)) for k, v in entry.get("not_in_layouts", {}).items())),
        ))
    return Catalogue(doc.version, doc.marts, tuple(indicators), doc.stratum_groups, doc.money_units)


SMALL_AREA_MODELS = ("fay_herriot",)


def _small_area(entry: dict, where: str) -> str | None:
    """The `small_area` model of an entry: only a survey share has a direct estimate with a sampling variance."""
    model = entry.get("small_area")
    if model is not None and (model not in SMALL_AREA_MODELS or entry["method"] != "weighted_proportion"):
        raise CatalogueError(f"{where}: small_area must be one of {list(SMALL_AREA_MODELS)} on a "
                             f"weighted_proportion indicator, got {model!r} on {entry['method']}")
    return model


def _stratum_groups(spec: dict, marts: dict[str, Mart], file: str) -> dict[str, tuple[str, ...]]:
    """`stratum_groups` of the catalogue: a grouped stratum and its members share a dimension that a mart has."""
    out = {}
    dimensions = {name for mart in marts.values() for name in mart.strata}
    for group, members in spec.items():
        dimension = str(group).split(":")[0]
        where = f"{file}: stratum_groups {group!r}"
        if ":" not in str(group) or dimension not in dimensions:
            raise CatalogueError(f"{where} must be <dimension>:<value> of a dimension in {sorted(dimensions)}")
        if not isinstance(members, list) or len(members) < 2 or any(
                str(m).split(":")[0] != dimension or ":" not in str(m) or m == group for m in members):
            raise CatalogueError(f"{where} needs two or more other strata of dimension {dimension}, e.g. "
                                 f"[{dimension}:a, {dimension}:b]")
        out[str(group)] = tuple(str(m) for m in members)
    return out


def expansions_from_warehouse(con) -> dict[str, list[dict]]:
    """Rows that expand the catalogue's templates: segments, target groups and interventions in the data."""
    def rows(sql: str) -> list[dict]:
        try:
            return con.execute(sql).pl().to_dicts()
        except duckdb.CatalogException:  # a table that does not exist yet expands to nothing
            return []
    return {
        "segments": rows("SELECT segment, label_nl FROM ref.segment_rules ORDER BY priority"),
        "target_groups": rows("SELECT target_group, label_nl FROM ref.target_groups ORDER BY target_group"),
        "interventions": rows("SELECT intervention_id, any_value(name) AS name, any_value(target_group) "
                              "AS target_group FROM raw.interventions GROUP BY 1 ORDER BY 1"),
    }
