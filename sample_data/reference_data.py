"""Loaders for the real CBS and RIVM reference files vendored in `sample_data/reference/`.

The generator draws residents per wijk from CBS Kerncijfers wijken en buurten 2024 and buurt
health profiles from the RIVM small-area estimates; provenance is in `reference/README.md`.
Reads are lazy and select only the needed columns, so loading stays cheap.
"""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl

REFERENCE_DIR = Path(__file__).parent / "reference"
KWB_2024 = "cbs_85984NED_kwb2024_gemeente_wijk_basic.csv"
RIVM_FILES = {
    (2020, "18plus"): "rivm_50090NED_gezondheid_wijk_buurt_2020_18plus_NL.csv",
    (2020, "65plus"): "rivm_50090NED_gezondheid_wijk_buurt_2020_65plus_NL.csv",
    (2016, "18plus"): "rivm_50090NED_gezondheid_wijk_buurt_2016_18plus_NL.csv",
}
RIVM_LEVELS = ("Gemeente", "Wijk", "Buurt")
# Columns of the RIVM file that describe the row; every other column is an indicator (a percentage).
RIVM_ID_COLUMNS = ("ID", "Leeftijd", "Marges", "WijkenEnBuurten", "Perioden", "Gemeentenaam_1",
                   "SoortRegio_2", "Codering_3")
GEMEENTE_CODE = re.compile(r"^GM[0-9]{4}$")


def _check_format(gemeenten: list[str]) -> list[str]:
    codes = [str(g).strip() for g in gemeenten]
    if not codes:
        raise ValueError("no gemeente codes given; expected codes such as GM0361")
    bad = [c for c in codes if not GEMEENTE_CODE.match(c)]
    if bad:
        raise ValueError(f"gemeente code(s) {', '.join(bad)} do not look like GM#### (e.g. GM0361)")
    return codes


def _check_known(codes: list[str], known: set[str], file_name: str) -> None:
    unknown = sorted(set(codes) - known)
    if unknown:
        raise ValueError(f"gemeente code(s) {', '.join(unknown)} not found in reference file {file_name}")


def kwb_wijken(gemeenten: list[str], reference_dir: Path = REFERENCE_DIR) -> pl.DataFrame:
    """Wijken of the gemeenten with CBS KWB 2024 counts: wijk_code, gemeente_code, inhabitants, men, women.

    CBS rounds wijk counts at random to multiples of 5; the gemeente totals are in `kwb_gemeenten`.
    """
    codes = _check_format(gemeenten)
    frame = _kwb(reference_dir, codes)
    _check_known(codes, set(frame.filter(pl.col("kind") == "Gemeente")["code"]), KWB_2024)
    return (frame.filter(pl.col("kind") == "Wijk")
            .select(wijk_code="code", gemeente_code="gemeente_code", inhabitants="inhabitants", men="men",
                    women="women")
            .sort("wijk_code"))


def kwb_gemeenten(gemeenten: list[str], reference_dir: Path = REFERENCE_DIR) -> pl.DataFrame:
    """Gemeente totals of CBS KWB 2024: gemeente_code, inhabitants, men, women."""
    codes = _check_format(gemeenten)
    frame = _kwb(reference_dir, codes).filter(pl.col("kind") == "Gemeente")
    _check_known(codes, set(frame["code"]), KWB_2024)
    return frame.select(gemeente_code="code", inhabitants="inhabitants", men="men", women="women").sort(
        "gemeente_code")


def _kwb(reference_dir: Path, codes: list[str]) -> pl.DataFrame:
    count = pl.col("AantalInwoners_5", "Mannen_6", "Vrouwen_7").str.strip_chars().cast(pl.Int64, strict=False)
    return (
        pl.scan_csv(reference_dir / KWB_2024, infer_schema=False)
        .select("WijkenEnBuurten", "SoortRegio", "GM_code", "AantalInwoners_5", "Mannen_6", "Vrouwen_7")
        .with_columns(pl.col("WijkenEnBuurten", "SoortRegio", "GM_code").str.strip_chars(), count)
        .filter(pl.col("GM_code").is_in(codes))
        .select(code="WijkenEnBuurten", kind="SoortRegio", gemeente_code="GM_code",
                inhabitants="AantalInwoners_5", men="Mannen_6", women="Vrouwen_7")
        .collect()
    )


def rivm_file(year: int = 2020, age: str = "18plus") -> str:
    """File name of the RIVM small-area estimates for a year and age group."""
    try:
        return RIVM_FILES[(int(year), age)]
    except KeyError:
        options = ", ".join(f"{y}/{a}" for y, a in sorted(RIVM_FILES))
        raise ValueError(f"no RIVM reference file for {year}/{age}; available: {options}") from None


def rivm_buurten(gemeenten: list[str], year: int = 2020, age: str = "18plus",
                 columns: list[str] | None = None, reference_dir: Path = REFERENCE_DIR) -> pl.DataFrame:
    """RIVM rows of the gemeenten (their gemeente, wijk and buurt rows) with indicators as floats.

    Columns: area_code, level (Gemeente/Wijk/Buurt), gemeente (name), gemeente_code, then the indicator
    columns under their StatLine names (percentages; an empty cell is null). `columns` limits the indicators.
    """
    codes = _check_format(gemeenten)
    name = rivm_file(year, age)
    path = reference_dir / name
    lazy = pl.scan_csv(path, infer_schema=False)
    indicators = [c for c in lazy.collect_schema().names() if c not in RIVM_ID_COLUMNS]
    if columns is not None:
        missing = sorted(set(columns) - set(indicators))
        if missing:
            raise ValueError(f"indicator column(s) {', '.join(missing)} not in reference file {name}")
        indicators = list(columns)
    frame = (
        lazy.select("Codering_3", "SoortRegio_2", "Gemeentenaam_1", *indicators)
        .with_columns(pl.col("Codering_3", "SoortRegio_2", "Gemeentenaam_1").str.strip_chars())
        .with_columns(gemeente_code="GM" + pl.col("Codering_3").str.slice(2, 4))
        .filter(pl.col("SoortRegio_2").is_in(RIVM_LEVELS) & pl.col("gemeente_code").is_in(codes))
        .select(pl.col("Codering_3").alias("area_code"), pl.col("SoortRegio_2").alias("level"),
                pl.col("Gemeentenaam_1").alias("gemeente"), "gemeente_code",
                *[pl.col(c).str.strip_chars().replace("", None).cast(pl.Float64, strict=False)
                  for c in indicators])
        .collect()
    )
    _check_known(codes, set(frame.filter(pl.col("level") == "Gemeente")["area_code"]), name)
    return frame.sort("level", "area_code")


def gemeente_names(gemeenten: list[str], reference_dir: Path = REFERENCE_DIR) -> dict[str, str]:
    """Gemeente code -> name, from the RIVM 2020 file (the KWB extract carries no names)."""
    rows = rivm_buurten(gemeenten, columns=[], reference_dir=reference_dir)
    rows = rows.filter(pl.col("level") == "Gemeente")
    return dict(zip(rows["area_code"].to_list(), rows["gemeente"].to_list(), strict=True))
