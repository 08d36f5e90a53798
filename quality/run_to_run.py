"""The run-to-run guard: a publication may not change what the previous one published without a reason.

The publication candidate (schema `candidate`) is compared with the previous publication
(`published/monitoring.duckdb`), and the provenance of both (code version, configuration hash, input file
hashes and code list versions, from `run_manifest`) says whether anything that could explain a change changed.

1. `run_to_run_values`: every cell of an (indicator, area level, year) published in both. A cell moves when a
   value or limit moves beyond the tolerance, a count changes, it becomes suppressed or published (or its
   reason or comparison changes), or it disappears or appears. A move is an error when none of the indicator's
   inputs changed (same code version, configuration and code lists, and the same files of every source it
   needs, in any year: provisions run over years) and a warning when one did. Whether a cell is suppressed
   depends on every source (secondary suppression covers sums across indicators): any changed file explains it.
2. `run_to_run_coverage`: a year, area, indicator, (indicator, year) or (indicator, level, year) of the
   previous publication that the candidate lacks. An error unless the configuration or the code changed
   (then a warning naming what is gone): removing one needs a configuration change.

Without a previous publication both pass and say so.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from quality.outcomes import CheckOutcome

ASSET = "publish/publication_candidate"
GROUP = ["indicator_id", "area_level", "period"]
CELL = [*GROUP, "area_code", "stratum"]
NUMBERS = ("value", "ci_low", "ci_high")
COUNTS = ("numerator", "denominator", "n")
LABELS = ("suppressed", "suppression_reason", "comparison")
MANIFEST_COLUMNS = ("code_version", "config_hash", "source", "path", "sha256", "version")
LISTED = 5  # (indicator, level, year) groups a message names; the rest are counted


@dataclass(frozen=True)
class Provenance:
    """What a publication was computed from: code version, configuration hash, input files and code lists."""

    code_version: str
    config_hash: str
    files: Mapping[str, tuple[str, str]] = field(default_factory=dict)  # path -> (source, sha256)
    code_lists: Mapping[str, str] = field(default_factory=dict)  # file -> version

    @classmethod
    def from_run_manifest(cls, manifest: pl.DataFrame) -> Provenance:
        """From the rows of a `run_manifest` table (input files and code lists of one run)."""
        if manifest.is_empty():
            return cls("unknown", "unknown")
        first = manifest.row(0, named=True)
        files = manifest.filter(pl.col("source") != "code_list")
        lists = manifest.filter(pl.col("source") == "code_list")
        return cls(str(first["code_version"]), str(first["config_hash"]),
                   {p: (s, h) for s, p, h in files.select("source", "path", "sha256").iter_rows()},
                   {p: v for p, v in lists.select("path", "version").iter_rows()})


@dataclass(frozen=True)
class Changes:
    """What differs between the provenance of the previous publication and of the candidate."""

    code: tuple[str, str] | None  # (previous, current) when the code version differs
    config: tuple[str, str] | None
    files: Mapping[str, tuple[str, ...]]  # source -> its files that changed, appeared or disappeared
    code_lists: tuple[str, ...]
    current: Provenance

    @property
    def code_or_config(self) -> bool:
        return self.code is not None or self.config is not None

    def explains(self, sources: tuple[str, ...] | None) -> bool:
        """Whether a change of an indicator that needs `sources` (None: not known, so any file) is explained."""
        if self.code_or_config or self.code_lists:
            return True
        return bool(set(self.files) & set(sources)) if sources else bool(self.files)

    def describe(self, sources: tuple[str, ...] | None = None) -> str:
        """What changed (of `sources` when given), for a message."""
        parts = []
        if self.code:
            parts.append(f"code version {self.code[0]} -> {self.code[1]}")
        if self.config:
            parts.append(f"configuration {self.config[0]} -> {self.config[1]}")
        if self.code_lists:
            parts.append(f"code lists {', '.join(self.code_lists)}")
        for source, paths in sorted(self.files.items()):
            if not sources or source in sources:
                parts.append(f"{source} ({', '.join(paths[:3])}{', ...' if len(paths) > 3 else ''})")
        return "; ".join(parts) or "code, configuration, code lists and input files unchanged"

    def unchanged(self, sources: tuple[str, ...] | None) -> str:
        """That nothing an indicator needs changed, concretely, for an error message."""
        files = f"files of {', '.join(sources)}" if sources else "input files"
        return (f"same code version {self.current.code_version}, configuration {self.current.config_hash}, "
                f"code lists and {files}")


def compare_provenance(previous: Provenance, current: Provenance) -> Changes:
    """Which of code, configuration, code lists and input files (per source, any year) changed."""
    changed: dict[str, list[str]] = {}
    for path in sorted(set(previous.files) | set(current.files)):
        before, now = previous.files.get(path), current.files.get(path)
        if before is None or now is None or before[1] != now[1]:
            what = "new" if before is None else "gone" if now is None else "changed"
            changed.setdefault((now or before)[0], []).append(f"{path} {what}")
    lists = tuple(sorted(f for f in set(previous.code_lists) | set(current.code_lists)
                         if previous.code_lists.get(f) != current.code_lists.get(f)))
    return Changes(
        (previous.code_version, current.code_version) if previous.code_version != current.code_version else None,
        (previous.config_hash, current.config_hash) if previous.config_hash != current.config_hash else None,
        {source: tuple(paths) for source, paths in changed.items()}, lists, current)


def _moved(old: pl.Expr, new: pl.Expr, tolerance: float | None) -> pl.Expr:
    """Whether a column differs: beyond `tolerance` for numbers (None: at all), or NULL on one side only."""
    differs = (new - old).abs() > tolerance if tolerance is not None else old != new
    return pl.when(old.is_null() & new.is_null()).then(False).when(old.is_null() | new.is_null()).then(True) \
        .otherwise(differs)


def _relative(old: pl.Expr, new: pl.Expr) -> pl.Expr:
    """Size of a change for ranking: |new - old| / max(|old|, |new|), 1 when a number appears or disappears."""
    size = (new - old).abs() / pl.max_horizontal(old.abs(), new.abs(), pl.lit(1e-12))
    return pl.when(old.is_null() & new.is_null()).then(0.0).when(old.is_null() | new.is_null()).then(1.0) \
        .otherwise(size)


def cell_changes(previous: pl.DataFrame, candidate: pl.DataFrame, tolerance: float) -> pl.DataFrame:
    """Cells of (indicator, level, year) groups published in both that moved, with `score` (worst first).

    Columns: the cell key, `old_*` / `new_*` of value, counts and labels, `status` (both, gone, new),
    `suppression` (the cell became suppressed or published, or its reason changed) and `score` (the largest
    relative change of any number; 1 for a label that changed or a cell gone or new).
    """
    compared = [c for c in (*NUMBERS, *COUNTS, *LABELS) if c in previous.columns and c in candidate.columns]

    def side(frame: pl.DataFrame, prefix: str) -> pl.DataFrame:
        return frame.select(*(pl.col(c).cast(pl.Int64 if c == "period" else pl.String) for c in CELL),
                            *(pl.col(c).alias(f"{prefix}{c}") for c in compared), pl.lit(True).alias(f"{prefix}present"))

    old, new = side(previous, "old_"), side(candidate, "new_")
    both = old.select(GROUP).unique().join(new.select(GROUP).unique(), on=GROUP)
    cells = old.join(both, on=GROUP, how="semi").join(new.join(both, on=GROUP, how="semi"), on=CELL, how="full",
                                                      coalesce=True)
    moved, size, hiding = [], [], []
    for c in compared:
        o, n = pl.col(f"old_{c}"), pl.col(f"new_{c}")
        numeric = c in NUMBERS or c in COUNTS
        if numeric:
            o, n = o.cast(pl.Float64), n.cast(pl.Float64)
        moved.append(_moved(o, n, tolerance if c in NUMBERS else None))
        size.append(pl.when(moved[-1]).then(_relative(o, n) if numeric else pl.lit(1.0)).otherwise(0.0))
        if c in ("suppressed", "suppression_reason"):
            hiding.append(moved[-1])
    presence = pl.col("old_present").is_null() | pl.col("new_present").is_null()
    return (cells.with_columns(
                status=pl.when(pl.col("new_present").is_null()).then(pl.lit("gone"))
                .when(pl.col("old_present").is_null()).then(pl.lit("new")).otherwise(pl.lit("both")),
                score=pl.when(presence).then(1.0).otherwise(pl.max_horizontal(size)),
                suppression=~presence & pl.any_horizontal(hiding) if hiding else pl.lit(False),
                changed=presence | pl.any_horizontal(moved))
            .filter("changed").drop("changed", "old_present", "new_present")
            .sort(["score", *CELL], descending=[True] + [False] * len(CELL)))


def _number(x) -> str:
    if x is None:
        return "NULL"
    if isinstance(x, float) and math.isfinite(x) and x == int(x) and abs(x) < 1e15:
        return str(int(x))
    return format(x, ".10g") if isinstance(x, float) else str(x)


def describe_cell(cell: Mapping) -> str:
    """One moved cell for a message: where, and what it showed before and now."""
    where = f"{cell['area_code']} {cell['stratum']}"
    if cell["status"] == "gone":
        was = cell.get("old_value")
        return f"{where} is no longer in the publication" + (f" (was {_number(was)})" if was is not None else "")
    if cell["status"] == "new":
        return f"{where} is new"
    parts = []
    if cell.get("old_suppressed") != cell.get("new_suppressed"):
        parts.append("became suppressed" + (f" ({cell.get('new_suppression_reason')})"
                                            if cell.get("new_suppression_reason") else "")
                     if cell.get("new_suppressed") else "became published")
    for c in (*NUMBERS, *COUNTS, "suppression_reason", "comparison"):
        before, now = cell.get(f"old_{c}"), cell.get(f"new_{c}")
        if before == now or (before is None and now is None):
            continue
        if c in NUMBERS and before is not None and now is not None:
            parts.append(f"{c} {_number(before)} -> {_number(now)} ({now - before:+.4g})")
        elif not (c == "suppression_reason" and parts and parts[0].startswith("became")):
            parts.append(f"{c} {_number(before)} -> {_number(now)}")
    return f"{where}: {', '.join(parts[:3])}"


def _group_lines(cells: pl.DataFrame, groups: pl.DataFrame, suffix) -> list[str]:
    """'indicator level year (why): k cell(s) moved, worst <cell>' for the listed groups (worst first)."""
    lines = []
    for g in groups.head(LISTED).iter_rows(named=True):
        worst = cells.filter(*(pl.col(k) == g[k] for k in GROUP)).row(0, named=True)
        lines.append(f"{g['indicator_id']} {g['area_level']} {g['period']}{suffix(g)}: "
                     f"{g['cells']} cell(s) moved, worst {describe_cell(worst)}")
    if groups.height > LISTED:
        lines.append(f"and {groups.height - LISTED} more (indicator, level, year)")
    return lines


def _groups(cells: pl.DataFrame) -> pl.DataFrame:
    """Moved cells per (indicator, level, year), worst first (`cells` is sorted worst first)."""
    return (cells.group_by(GROUP, maintain_order=True)
            .agg(cells=pl.len(), score=pl.col("score").first(), own=pl.col("own").first())
            .sort(["score", *GROUP], descending=[True, False, False, False]))


def values_outcome(previous: pl.DataFrame, candidate: pl.DataFrame, changes: Changes, tolerance: float,
                   indicator_sources: Mapping[str, tuple[str, ...]] | None = None) -> CheckOutcome:
    """`run_to_run_values`: an error for a move no input explains, a warning for moves that follow changed inputs.

    `indicator_sources`: indicator_id -> the landing sources it needs (`Indicator.inputs`); an indicator not in
    it (or an empty tuple) counts as needing every source. A value, interval or count moves only with the
    indicator's own inputs; whether a cell is suppressed follows from every indicator (secondary suppression
    covers sums across indicators), so a changed file of any source explains that.
    """
    sources = {k: tuple(v) for k, v in (indicator_sources or {}).items() if v}
    moved = cell_changes(previous, candidate, tolerance)
    compared = previous.select(GROUP).unique().join(candidate.select(GROUP).unique(), on=GROUP).height
    threshold = f"|change| <= {tolerance:g} unless an input changed"
    if moved.is_empty():
        return CheckOutcome("run_to_run_values", ASSET, "error", "plausibility", True, "0 cells moved", threshold,
                            f"{compared} (indicator, level, year) published before compared with the previous "
                            f"publication: no value moved beyond {tolerance:g}, no count, suppression or cell "
                            f"changed (since the previous publication: {changes.describe()})")
    own = {i: changes.explains(sources.get(i)) for i in moved["indicator_id"].unique().to_list()}
    moved = moved.with_columns(own=pl.col("indicator_id").replace_strict(own, return_dtype=pl.Boolean)) \
        .with_columns(explained=pl.col("own") | (pl.col("suppression") & changes.explains(None)))
    bad, fine = _groups(moved.filter(~pl.col("explained"))), _groups(moved)
    fine = fine.join(bad, on=GROUP, how="anti")
    observed = (f"{bad.height} unexplained and {fine.height} explained (indicator, level, year) moved, "
                f"{moved.height} cell(s)")
    if bad.height:
        lines = _group_lines(moved.filter(~pl.col("explained")), bad, lambda g: (
            f" (none of its inputs changed: {changes.unchanged(sources.get(g['indicator_id']))})"))
        message = (f"{bad.height} (indicator, level, year) of years published before moved although none of their "
                   f"inputs changed; worst first: " + "; ".join(lines)
                   + (f". Also {fine.height} moved after their inputs changed ({changes.describe()})"
                      if fine.height else "")
                   + ". The same inputs must publish the same numbers: find what changed (the previous file, the "
                     "code, the warehouse) before publishing"
                   + ("; uncommitted code changes do not change the code version, so commit them"
                      if changes.current.code_version.endswith("+dirty") else ""))
        return CheckOutcome("run_to_run_values", ASSET, "error", "plausibility", False, observed, threshold, message,
                            tuple(sorted(bad["indicator_id"].unique())))
    lines = _group_lines(moved, fine, lambda g: (
        f" (changed: {changes.describe(sources.get(g['indicator_id']))})" if g["own"] else
        f" (suppression only, after changes elsewhere: {changes.describe()})"))
    return CheckOutcome("run_to_run_values", ASSET, "warn", "plausibility", False, observed, threshold,
                        f"{fine.height} (indicator, level, year) of years published before moved after their "
                        f"inputs changed; worst first: " + "; ".join(lines),
                        tuple(sorted(fine["indicator_id"].unique())),
                        message_nl=f"{fine.height} combinaties van indicator, niveau en jaar uit eerdere "
                                   "publicaties zijn veranderd, na gewijzigde brongegevens, code of instellingen")


def lost_items(previous: pl.DataFrame, candidate: pl.DataFrame) -> dict[str, list]:
    """What the previous publication had and the candidate lacks, each at the coarsest level that is gone:
    years, indicators, areas, (indicator, year) and (indicator, level, year)."""
    def gone(columns: list[str]) -> pl.DataFrame:
        return previous.select(columns).unique().join(candidate.select(columns).unique(), on=columns, how="anti") \
            .sort(columns)

    periods, indicators, areas = gone(["period"]), gone(["indicator_id"]), gone(["area_code"])
    pairs = gone(["indicator_id", "period"]).join(periods, on="period", how="anti") \
        .join(indicators, on="indicator_id", how="anti")
    levels = gone(GROUP).join(gone(["indicator_id", "period"]), on=["indicator_id", "period"], how="anti")
    return {"years": periods["period"].to_list(), "indicators": indicators["indicator_id"].to_list(),
            "areas": areas["area_code"].to_list(), "indicator_years": pairs.rows(),
            "indicator_levels": levels.rows()}


def _listed(items: list, what: str) -> str:
    shown = ", ".join(" ".join(map(str, i)) if isinstance(i, tuple) else str(i) for i in items[:8])
    return f"{len(items)} {what} ({shown}{', ...' if len(items) > 8 else ''})"


def coverage_outcome(previous: pl.DataFrame, candidate: pl.DataFrame, changes: Changes) -> CheckOutcome:
    """`run_to_run_coverage`: nothing the previous publication had may silently disappear."""
    lost = lost_items(previous, candidate)
    named = (("year(s)", lost["years"]), ("indicator(s)", lost["indicators"]), ("area(s)", lost["areas"]),
             ("indicator-year(s)", lost["indicator_years"]), ("indicator-level-year(s)", lost["indicator_levels"]))
    parts = [_listed(items, what) for what, items in named if items]
    observed = ", ".join(f"{len(items)} {what}" for what, items in named if items) or "nothing lost"
    affected = tuple(sorted({*lost["indicators"], *(i for i, *_ in lost["indicator_years"]),
                             *(i for i, *_ in lost["indicator_levels"])}))
    threshold = "nothing lost unless the configuration or code changed"
    if not parts:
        held = previous.select(pl.col("period").n_unique(), pl.col("area_code").n_unique(),
                               pl.col("indicator_id").n_unique()).row(0)
        return CheckOutcome("run_to_run_coverage", ASSET, "error", "completeness", True, observed, threshold,
                            f"the candidate keeps every year ({held[0]}), area ({held[1]}) and indicator ({held[2]}) "
                            f"of the previous publication")
    if changes.code_or_config:
        return CheckOutcome("run_to_run_coverage", ASSET, "warn", "completeness", False, observed, threshold,
                            f"no longer published after a change of {changes.describe()}: " + "; ".join(parts),
                            affected, message_nl="na gewijzigde code of instellingen wordt niet meer "
                                                 "gepubliceerd: " + ", ".join(
                                f"{len(items)} {what}" for what, items in (
                                    ("jaren", lost["years"]), ("indicatoren", lost["indicators"]),
                                    ("gebieden", lost["areas"])) if items) or "een deel van de jaren per indicator")
    return CheckOutcome("run_to_run_coverage", ASSET, "error", "completeness", False, observed, threshold,
                        "the candidate lacks what the previous publication had, with the same code version "
                        f"{changes.current.code_version} and configuration {changes.current.config_hash}: "
                        + "; ".join(parts) + f" ({changes.describe()}). A year, area or indicator "
                        "is removed only by a configuration change; otherwise restore the input that lost it",
                        affected)


def guard_outcomes(previous_values: pl.DataFrame | None, candidate_values: pl.DataFrame,
                   previous_manifest: pl.DataFrame | None, candidate_manifest: pl.DataFrame, tolerance: float,
                   indicator_sources: Mapping[str, tuple[str, ...]] | None = None,
                   previous_name: str = "the previous publication") -> list[CheckOutcome]:
    """Both guard checks on frames of `indicator_values` and `run_manifest` (previous None: first publication)."""
    if previous_values is None:
        note = f"no previous publication ({previous_name}): nothing to compare, this is the first"
        return [CheckOutcome("run_to_run_values", ASSET, "error", "plausibility", True, "no previous publication",
                             f"|change| <= {tolerance:g} unless an input changed", note),
                CheckOutcome("run_to_run_coverage", ASSET, "error", "completeness", True, "no previous publication",
                             "nothing lost unless the configuration or code changed", note)]
    changes = compare_provenance(Provenance.from_run_manifest(previous_manifest if previous_manifest is not None
                                                              else pl.DataFrame()),
                                 Provenance.from_run_manifest(candidate_manifest))
    return [values_outcome(previous_values, candidate_values, changes, tolerance, indicator_sources),
            coverage_outcome(previous_values, candidate_values, changes)]


def _columns(con: duckdb.DuckDBPyConnection, catalog: str, schema: str, table: str) -> list[str]:
    return [c for (c,) in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_catalog = ? AND table_schema = ? "
        "AND table_name = ? ORDER BY ordinal_position", [catalog, schema, table]).fetchall()]


def _read(con: duckdb.DuckDBPyConnection, relation: str, columns: list[str]) -> pl.DataFrame:
    return con.execute(f"SELECT {', '.join(columns)} FROM {relation}").pl()


def run_to_run(con: duckdb.DuckDBPyConnection, previous: Path | None, tolerance: float,
               indicator_sources: Mapping[str, tuple[str, ...]] | None = None,
               schema: str = "candidate") -> list[CheckOutcome]:
    """The guard on the warehouse's candidate against the previous publication file (attached read-only)."""
    current_db = con.execute("SELECT current_database()").fetchone()[0]
    value_columns = [c for c in (*CELL, *NUMBERS, *COUNTS, *LABELS)
                     if c in _columns(con, current_db, schema, "indicator_values")]
    candidate = _read(con, f"{schema}.indicator_values", value_columns)
    manifest = _read(con, f"{schema}.run_manifest", list(MANIFEST_COLUMNS))
    if previous is None or not previous.exists():
        return guard_outcomes(None, candidate, None, manifest, tolerance, indicator_sources, str(previous))
    alias = "run_to_run_previous"
    con.execute(f"DETACH DATABASE IF EXISTS {alias}")
    try:
        con.execute(f"ATTACH '{str(previous).replace(chr(39), chr(39) * 2)}' AS {alias} (READ_ONLY)")
        try:
            present = _columns(con, alias, "main", "indicator_values")
            if not set(CELL) <= set(present):
                raise ValueError("it has no indicator_values table with the key columns of the contract")
            previous_values = _read(con, f"{alias}.main.indicator_values", [c for c in CELL if c in present] +
                                    [c for c in value_columns if c in present and c not in CELL])
            present = _columns(con, alias, "main", "run_manifest")
            previous_manifest = _read(con, f"{alias}.main.run_manifest",
                                      [c for c in MANIFEST_COLUMNS if c in present]) if present else None
        finally:
            con.execute(f"DETACH {alias}")
    except (duckdb.Error, pl.exceptions.PolarsError, ValueError) as exc:
        message = (f"the previous publication {previous} cannot be read ({exc}); the guard cannot vouch for this "
                   f"publication. Restore it from versions/, or move it away to publish as a first publication")
        return [CheckOutcome(name, ASSET, "error", category, False, "unreadable", "readable", message)
                for name, category in (("run_to_run_values", "plausibility"), ("run_to_run_coverage", "completeness"))]
    return guard_outcomes(previous_values, candidate, previous_manifest, manifest, tolerance, indicator_sources,
                          str(previous))
