"""Where the CBS files lie: discovery under the configured root, highest version per year.

CBS Remote Access keeps every delivered version of a file beside the newer ones
(`<root>/<FILE>/<year>/<FILE><year>TABV<n>.sav`; cumulative spell files `<root>/<FILE>/<FILE><lastyear>BUSV<n>.sav`);
the highest `V<n>` of a year is the current one, and the superseded ones are listed so that the ingest log can
say which files it ignored (docs/architecture.md, "Landing contracts"; /work/briefs/cbs_spec.md "Folder and names").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from transforms.readers import LandingFileError, is_temporary_name

# how a CBS file arrives: one file per year, one file for all years (named after its last year), a BUS of spells
YEARLY, SINGLE, BUS = "yearly", "single", "bus"
FORMATS = ("parquet", "sav", "csv")  # preferred first when the same stem exists in more than one format


@dataclass(frozen=True)
class CbsFileSpec:
    """One CBS file as the project expects it: its folder name, file-name stem, kind and formats."""

    name: str              # the CBS name and folder, e.g. ZVWZORGKOSTENTAB
    kind: str              # YEARLY, SINGLE or BUS
    formats: tuple[str, ...] = ("sav",)
    folder: str | None = None   # the folder under the root when it is not `name` (GP episodes: HUISARTS)
    stem: str | None = None     # the file-name stem when it is not `name` without TAB/BUS (GP: EPISODE)

    @property
    def file_stem(self) -> str:
        return self.stem or re.sub(r"(TAB|BUS)$", "", self.name)

    @property
    def pattern(self) -> re.Pattern:
        suffix = {YEARLY: "TAB", SINGLE: "TAB", BUS: "BUS"}[self.kind] if self.stem is None else ""
        exts = "|".join(self.formats)
        return re.compile(rf"^{self.file_stem}(?P<year>[0-9]{{4}}){suffix}V(?P<version>[0-9]+)\.(?P<ext>{exts})$",
                          re.IGNORECASE)


@dataclass(frozen=True)
class CbsFile:
    """A CBS file found on disk: the current version for its year."""

    spec: CbsFileSpec
    path: Path
    year: int          # the file's year (SINGLE and BUS: the last year it covers)
    version: int
    format: str


@dataclass(frozen=True)
class Found:
    """The current files of one CBS file spec and the superseded versions left on disk."""

    files: tuple[CbsFile, ...]
    superseded: tuple[Path, ...]


def _candidates(root: Path, spec: CbsFileSpec) -> list[CbsFile]:
    folder = root / (spec.folder or spec.name)
    if not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.rglob("*")):
        if path.is_dir() or is_temporary_name(path.name):
            continue
        match = spec.pattern.match(path.name)
        if match:
            found.append(CbsFile(spec, path, int(match["year"]), int(match["version"]), match["ext"].lower()))
    return found


def discover(root: Path, spec: CbsFileSpec, years: tuple[int, ...] | list[int]) -> Found:
    """The current file(s) of `spec` for the configured `years`, and every superseded version.

    YEARLY: one file per configured year (a year without a file is left out; the completeness gate reports it).
    SINGLE and BUS: the one file with the latest year, then the highest version; it must cover the last
    configured year. Within a year the highest version wins; the same stem in two formats: Parquet first
    (a CBS-converted copy of the .sav), then .sav, then CSV."""
    candidates = _candidates(root, spec)
    rank = {fmt: i for i, fmt in enumerate(FORMATS)}
    best: dict[int, CbsFile] = {}
    for f in candidates:
        current = best.get(f.year)
        if current is None or (f.version, -rank[f.format]) > (current.version, -rank[current.format]):
            best[f.year] = f
    if spec.kind == YEARLY:
        chosen = [best[y] for y in sorted(best) if y in set(years)]
    else:
        if not best:
            raise LandingFileError(f"{root / spec.name}: no {spec.name} file; expected "
                                   f"{root / spec.name}/{spec.file_stem}<lastyear>"
                                   f"{'BUS' if spec.kind == BUS else 'TAB'}V<n>.{spec.formats[0]}")
        last = max(best)
        if last < max(years):
            raise LandingFileError(f"{best[last].path}: {spec.name} covers years up to {last}, the run needs "
                                   f"{max(years)}; ask CBS for {spec.file_stem}{max(years)}"
                                   f"{'BUS' if spec.kind == BUS else 'TAB'}V<n>")
        chosen = [best[last]]
    kept = {f.path for f in chosen}
    # a Parquet copy and its .sav are one delivery: the .sav beside a chosen Parquet is no superseded version
    same_delivery = {f.path.with_suffix(f".{fmt}") for f in chosen for fmt in FORMATS}
    superseded = tuple(f.path for f in candidates
                       if f.path not in kept and f.path not in same_delivery and
                       (spec.kind == YEARLY and f.year in best and f.version < best[f.year].version
                        or spec.kind != YEARLY))
    return Found(tuple(chosen), superseded)


def relative(path: Path, root: Path) -> str:
    """The path the ingest log and quarantine record: relative to the CBS root's parent, e.g. `cbs/GEMON/...`."""
    base = root.parent
    return path.relative_to(base).as_posix() if path.is_relative_to(base) else str(path)
