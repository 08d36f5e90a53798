"""The indicator catalogue (`catalogue.yaml`): loading, validation and its published form.

One declarative file defines every indicator; computation, the published
`indicator_catalogue` table, the README and the report all read it from here.
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import duckdb
import yaml

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
    numerator_is_stratum: str | None = None  # the totaal numerator is the denominator count of this stratum
    own_inputs: tuple[str, ...] = ()  # landing sources this indicator needs beyond its mart's
    extra: dict = field(default_factory=dict, compare=False)

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
                "top_fraction": float(i.extra["top_fraction"]) if "top_fraction" in i.extra else None,
                "strata": list(i.strata), "levels": list(i.levels), "stratum_levels": list(i.stratum_levels),
                # grouped strata of the indicator's dimensions, as the sums a reader knows (65+ = 65-74 + 75+)
                "stratum_groups": [{"stratum": group, "member": member}
                                   for group, members in self.stratum_groups.items() if group.split(":")[0] in i.strata
                                   for member in members],
            })
        return out

    def rows(self) -> list[dict]:
        """The catalogue as published (DESIGN section 8 fields)."""
        return [
            {
                "indicator_id": i.id, "name_nl": i.name_nl, "name_en": i.name_en, "aim": i.aim,
                "ph_dimension": i.ph_dimension, "unit": i.unit, "direction": i.direction,
                "numerator": i.numerator, "denominator": i.denominator, "source": i.source, "method": i.method,
                "multiplier": i.multiplier, "strata": ",".join(i.strata), "min_denominator": i.min_denominator,
                "levels": ",".join(i.levels), "standard": i.standard, "inputs": ",".join(i.inputs),
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


def _expand(entries: list[dict], expansions: dict[str, list[dict]]) -> list[tuple[dict, dict]]:
    out = []
    for entry in entries:
        name = entry.get("expand")
        if name is None:
            out.append((entry, {}))
            continue
        for row in expansions.get(name, []):
            out.append(({k: v for k, v in entry.items() if k != "expand"}, row))
    return out


@cache
def _load(path: Path, cutoff_items: tuple, expansion_items: tuple) -> Catalogue:
    cutoffs = dict(cutoff_items)
    expansions = {k: [dict(r) for r in rows] for k, rows in expansion_items}
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    marts = {
        name: Mart(name, spec["table"], spec["area_column"], spec.get("persons", "count(*)"),
                   dict(spec.get("strata", {})), spec.get("weight"), spec.get("description", ""),
                   tuple(spec.get("sources", ())))
        for name, spec in doc["marts"].items()
    }
    defaults = doc.get("defaults", {})
    groups = _stratum_groups(doc.get("stratum_groups") or {}, marts, path)
    seen: set[str] = set()
    indicators = []
    for entry, row in _expand(doc["indicators"], expansions):
        values = {**cutoffs, **row}
        entry = {k: (_fill(v, values, f"{path.name}: {entry.get('id')}") if isinstance(v, str) else v)
                 for k, v in entry.items()}
        where = f"{path.name}: indicator {entry.get('id', '?')}"
        for key in REQUIRED:
            if key not in entry:
                raise CatalogueError(f"{where}: field {key} is required")
        if entry["id"] in seen:
            raise CatalogueError(f"{where}: id used twice")
        seen.add(entry["id"])
        checks = [("aim", AIMS), ("method", METHODS), ("direction", DIRECTIONS), ("mart", set(marts))]
        for key, allowed in checks:
            if entry[key] not in allowed:
                raise CatalogueError(f"{where}: {key} {entry[key]!r} is not one of {sorted(allowed)}")
        mart = marts[entry["mart"]]
        strata = tuple(entry.get("strata", ["totaal", *mart.strata]))
        unknown = [s for s in strata if s != "totaal" and s not in mart.strata]
        if unknown:
            raise CatalogueError(f"{where}: strata {unknown} are not defined for mart {mart.name}")
        levels = tuple(entry.get("levels", defaults.get("levels", LEVELS)))
        if any(level not in LEVELS for level in levels):
            raise CatalogueError(f"{where}: levels {levels} must be among {LEVELS}")
        known = set(REQUIRED) | {"expand", "ph_dimension", "denominator", "exposure", "weight", "multiplier", "strata",
                                 "levels", "min_denominator", "disclosure", "standard", "stratum_levels",
                                 "numerator_key", "partition", "numerator_is_stratum", "inputs"}
        stratum_levels = tuple(entry.get("stratum_levels", defaults.get("stratum_levels", LEVELS)))
        if any(level not in LEVELS for level in stratum_levels):
            raise CatalogueError(f"{where}: stratum_levels {stratum_levels} must be among {LEVELS}")
        kind = entry.get("disclosure", DISCLOSURE_KIND[entry["method"]])
        if kind not in DISCLOSURE_KINDS:
            raise CatalogueError(f"{where}: disclosure {kind!r} is not one of {sorted(DISCLOSURE_KINDS)}")
        link = entry.get("numerator_is_stratum")
        if link is not None and (":" not in str(link) or str(link).split(":")[0] not in mart.strata):
            raise CatalogueError(f"{where}: numerator_is_stratum {link!r} is not a stratum of mart {mart.name}")
        if entry["method"] == "direct_standardised" and entry.get("standard") not in STANDARDS:
            raise CatalogueError(f"{where}: direct_standardised needs standard: one of {sorted(STANDARDS)}")
        extra = {k: v for k, v in entry.items() if k not in known}
        weight = entry.get("weight") or (mart.weight if entry["method"].startswith("weighted") else None) or "1"
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
            strata=strata, levels=levels,
            min_denominator=int(entry.get("min_denominator", defaults.get("min_denominator", 50))),
            disclosure=kind,
            ph_dimension=entry.get("ph_dimension"),
            standard=entry.get("standard"),
            stratum_levels=stratum_levels,
            numerator_key=entry.get("numerator_key"),
            partition=entry.get("partition"),
            numerator_is_stratum=entry.get("numerator_is_stratum"),
            own_inputs=tuple(entry.get("inputs", ())),
            extra=extra,
        ))
    return Catalogue(str(doc.get("version", "1")), marts, tuple(indicators), groups)


def _stratum_groups(spec: dict, marts: dict[str, Mart], path: Path) -> dict[str, tuple[str, ...]]:
    """`stratum_groups` of the catalogue: a grouped stratum and its members share a dimension that a mart has."""
    out = {}
    dimensions = {name for mart in marts.values() for name in mart.strata}
    for group, members in spec.items():
        dimension = str(group).split(":")[0]
        where = f"{path.name}: stratum_groups {group!r}"
        if ":" not in str(group) or dimension not in dimensions:
            raise CatalogueError(f"{where} must be <dimension>:<value> of a dimension in {sorted(dimensions)}")
        if not members or len(members) < 2 or any(str(m).split(":")[0] != dimension or ":" not in str(m)
                                                   or m == group for m in members):
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
