"""Where and how the CBS-layout files are written: folder and file names, versions, formats, labels, manifest.

Paths follow the Remote Access convention of /work/briefs/cbs_spec.md: `<root>/<FILE>/<year>/<STEM><year>TABV<n>`
for yearly files, `<root>/<FILE>/<STEM><lastyear>BUSV<n>` for cumulative spell files and
`<root>/<FILE>/<STEM><lastyear>TABV<n>` for a file that covers every year at once. `.sav` files carry column
labels and value labels (pyreadstat); LBZ and the GP episodes are CSV (`;`, UTF-8); MEDICIJNTAB also gets a
Parquet copy. The manifest lists every file written but never the RINPERSOON-person mapping.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl
import pyreadstat

from sample_data import cbs_layout as cbs
from sample_data.days import year_start

CSV_DELIMITER = ";"


@dataclass(frozen=True)
class CbsFile:
    """One CBS file to write: which FILE, which year (None: all years in one), version and format."""

    name: str                 # e.g. ZVWZORGKOSTENTAB, GBAADRESOBJECTBUS, GEMON, HUISARTS
    year: int | None
    version: int = 1
    ext: str = "sav"

    def path(self, last_year: int) -> str:
        """Path relative to the CBS root."""
        if self.name == "HUISARTS":
            return f"HUISARTS/{self.year}/EPISODE{self.year}V{self.version}.{self.ext}"
        if self.name.endswith("BUS"):
            return f"{self.name}/{self.name[:-3]}{last_year}BUSV{self.version}.{self.ext}"
        stem = self.name[:-3] if self.name.endswith("TAB") else self.name
        if self.year is None:
            return f"{self.name}/{stem}{last_year}TABV{self.version}.{self.ext}"
        return f"{self.name}/{self.year}/{stem}{self.year}TABV{self.version}.{self.ext}"


YES_NO = {1.0: "ja", 2.0: "nee"}
VALUE_LABELS: dict[str, dict] = {
    "GBAGESLACHT": {"1": "Mannen", "2": "Vrouwen"},
    "TYPHH": {"1": "Eenpersoonshuishouden", "2": "Niet-gehuwd paar zonder kinderen",
              "3": "Gehuwd paar zonder kinderen", "4": "Niet-gehuwd paar met kinderen",
              "5": "Gehuwd paar met kinderen", "6": "Eenouderhuishouden", "7": "Overig huishouden",
              "8": "Institutioneel huishouden"},
    "INHP100HBEST": {-1.0: "Geen particulier huishouden", -2.0: "Onbekend"},
    "LBZOpnametype": {"1": "Klinisch", "2": "Dagopname"},
    "LBZSpoed": {"1": "Acuut", "0": "Gepland"},
    "WLZLEVERINGSVORM": {"1": "Intramuraal", "2": "Thuis (vpt, mpt of pgb)"},
    "FinancieringsvormWmo": {"1": "Zorg in natura", "2": "Persoonsgebonden budget"},
    "JGDHREDENEINDE": {1.0: "Volgens plan beeindigd", 2.0: "Voortijdig beeindigd"},
    "SECM": {"11": "Werknemer", "22": "Ontvanger bijstandsuitkering"},
    **{flag: YES_NO for flag in cbs.GEMON_FLAGS},
}
COLUMN_LABELS = {
    "RINPERSOONS": "Soort RIN persoon", "RINPERSOON": "RIN persoon",
    "GBAGESLACHT": "Geslacht", "GBAGEBOORTEJAAR": "Geboortejaar", "GBAGEBOORTEMAAND": "Geboortemaand",
    "GBAGEBOORTEDAG": "Geboortedag (altijd 01)", "GBADatumOverlijden": "Datum overlijden",
    "GBADATUMAANVANGADRESHOUDING": "Datum aanvang adreshouding", "GBADATUMEINDEADRESHOUDING": "Datum einde adreshouding",
    "SOORTOBJECTNUMMER": "Soort objectnummer", "RINOBJECTNUMMER": "RIN adresobject",
    "DATUMAANVANGHH": "Datum aanvang huishouden", "DATUMEINDEHH": "Datum einde huishouden", "TYPHH": "Type huishouden",
    "RINPERSOONSHKW": "Soort RIN hoofdkostwinner", "RINPERSOONHKW": "RIN hoofdkostwinner",
    "INHP100HBEST": "Percentiel besteedbaar huishoudensinkomen",
    "LBZIdopname": "Opname-id", "LBZOpnamedatum": "Opnamedatum", "LBZOntslagdatum": "Ontslagdatum",
    "LBZIcd10hoofddiagnose": "Hoofddiagnose ICD-10", "LBZOpnametype": "Opnametype", "LBZSpoed": "Spoedopname",
    "BEGINWLZGEB": "Begin Wlz-gebruik", "EINDEWLZGEB": "Einde Wlz-gebruik", "WLZLEVERINGSVORM": "Leveringsvorm",
    "WLZGZZP": "Zorgprofiel", "BEDRAGWLZZIN": "Bedrag Wlz zorg in natura",
    "WMOIDARRANGEMENT": "Arrangement-id", "TypeArrangementWmo": "Type maatwerkarrangement",
    "BegindatumWmo": "Begindatum", "EinddatumWmo": "Einddatum", "FinancieringsvormWmo": "Financieringsvorm",
    "JGDHIDHULP": "Jeugdhulptraject-id", "JGDHHULPVORM": "Hulpvorm", "JGDHBEGINDATUM": "Begindatum",
    "JGDHEINDDATUM": "Einddatum", "JGDHVERWIJZER": "Verwijzer", "JGDHREDENEINDE": "Reden einde",
    "AANVSECM": "Aanvang", "EINDSECM": "Einde", "SECM": "Sociaaleconomische categorie",
    "GGADA202": "Matig of hoog risico op angst of depressie (K10)", "GGADA203": "Hoog risico op angst of depressie",
    "GGEES217": "Eenzaam", "GGEES209": "Ernstig eenzaam", "KLGGA208": "(Zeer) goed ervaren gezondheid",
    "LFRKA205": "Roker", "MCMZGS203": "Mantelzorger", "MMIKA201": "Moeite met rondkomen", "ewGGD": "Weegfactor",
    "EPISODEID": "Episode-id", "ICPC": "ICPC-code", "BEGINDATUM": "Begindatum", "EINDDATUM": "Einddatum",
    "ATC4": "ATC-code niveau 4",
}


def _value_labels(frame: pl.DataFrame, file: CbsFile) -> dict:
    labels = {c: VALUE_LABELS[c] for c in frame.columns if c in VALUE_LABELS}
    for column, name in (("TypeArrangementWmo", "wmo_types"), ("JGDHHULPVORM", "jeugd_types"),
                         ("JGDHVERWIJZER", "jeugd_referrers")):
        if column in frame.columns:
            labels[column] = {float(code): value for code, value in cbs.code_list(name).rows()}
    if "JGDHVERWIJZER" in labels:
        labels["JGDHVERWIJZER"][-1.0] = "Onbekend"
    return labels


def write_one(root: Path, file: CbsFile, frame: pl.DataFrame, last_year: int) -> dict:
    """Write one CBS file (and the Parquet copy of MEDICIJNTAB) and return its manifest entry."""
    relative = file.path(last_year)
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    if file.ext == "csv":
        # an open date is an empty field, not a quoted empty string
        frame.with_columns(pl.col(pl.Utf8).replace("", None)).write_csv(
            path, separator=CSV_DELIMITER, line_terminator="\n", null_value="")
    else:
        labels = [COLUMN_LABELS.get(c) or (f"Zorgkosten {c[4:].lower()}" if c.startswith("ZVWK") else c)
                  for c in frame.columns]
        pyreadstat.write_sav(frame, str(path), column_labels=labels,
                             variable_value_labels=_value_labels(frame, file))
    entry = {"file": file.name, "year": file.year, "version": file.version, "rows": frame.height,
             "format": file.ext, "path": relative}
    if file.ext == "csv":
        entry |= {"delimiter": CSV_DELIMITER, "encoding": "utf-8"}
    if file.name == "MEDICIJNTAB":
        copy = path.with_suffix(".parquet")
        frame.write_parquet(copy, compression="zstd")
        entry["parquet_copy"] = str(copy.relative_to(root))
    return entry


def _numeric_rin(frame: pl.DataFrame) -> pl.DataFrame:
    """The old-file quirk: RINPERSOON as a number (float64 in .sav), so leading zeros would be lost."""
    return frame.with_columns(pl.col("RINPERSOON").cast(pl.Float64))


def cbs_files(rng: np.random.Generator, people, buurt_codes: np.ndarray, frames: dict[str, pl.DataFrame],
              years: list[int]):
    """Yield (file, frame) for every CBS file of the synthetic region, in writing order."""
    span = list(people.years)
    first, last = years[0], years[-1]
    persons = cbs.gbapersoon(people)
    # V1 is an older extraction: numeric keys and nobody born in the last year yet
    yield CbsFile("GBAPERSOONTAB", None, 1), _numeric_rin(persons.filter(pl.Series(people.birth_day < year_start(last))))
    yield CbsFile("GBAPERSOONTAB", None, 2), persons
    spells = cbs.address_spells(rng, people)
    yield CbsFile("GBAADRESOBJECTBUS", None), cbs.gbaadresobject(spells)
    yield CbsFile("VSLGWBTAB", None), cbs.vslgwb(rng, spells, buurt_codes, span)
    yield CbsFile("GBAOVERLIJDENTAB", None), cbs.gbaoverlijden(people)
    population = frames["population"]
    yield CbsFile("GBAHUISHOUDENSBUS", None), cbs.gbahuishoudens(rng, people, population)
    for year in years:
        yield CbsFile("INPATAB", year), cbs.inpa(population, year)
        yield CbsFile("INHATAB", year), cbs.inha(rng, population, year)
    for year in years:
        costs = cbs.zvwzorgkosten(frames["zvw_costs"], year, years)
        if year == first:  # V1 kept beside V2: an earlier delivery without wijkverpleging
            yield CbsFile("ZVWZORGKOSTENTAB", year, 1), costs.drop("ZVWKWYKVERPLEGING")
            yield CbsFile("ZVWZORGKOSTENTAB", year, 2), costs
        else:
            yield CbsFile("ZVWZORGKOSTENTAB", year), costs
    for year in years:
        yield CbsFile("LBZBASISTAB", year, ext="csv"), cbs.lbzbasis(frames["hospital_events"], year, first)
    for year in years:
        gebwlz = cbs.gebwlz(frames["wlz"], year, years)
        yield CbsFile("GEBWLZTAB", year), _numeric_rin(gebwlz) if year == first else gebwlz
        yield CbsFile("WLZZINTAB", year), cbs.wlzzin(frames["wlz"], year, years)
    yield CbsFile("WMOBUS", None), cbs.wmo(rng, frames["wmo"])
    yield CbsFile("JGDHULPBUS", None), cbs.jgdhulp(rng, frames["jeugd"])
    yield CbsFile("SECMBUS", None), cbs.secm(frames["participatie"], years)
    for year in years:
        yield CbsFile("GEMON", year), cbs.gemon(frames["health_survey"], year)
    for year in years:
        yield CbsFile("HUISARTS", year, ext="csv"), cbs.huisarts_episodes(frames["gp_episodes"], year, first)
    if "medicines" in frames:
        for year in years:
            yield CbsFile("MEDICIJNTAB", year), cbs.medicijn(frames["medicines"], year)


def write_cbs(root: Path, rng: np.random.Generator, people, buurt_codes: np.ndarray,
              frames: dict[str, pl.DataFrame], years: list[int], header: dict) -> dict:
    """Write every CBS file under `root` and `root/generator_manifest.json`; return the manifest."""
    root = Path(root)
    manifest = {**header, "layout": "cbs_microdata", "files": {}}
    for file, frame in cbs_files(rng, people, buurt_codes, frames, years):
        entry = write_one(root, file, frame, years[-1])
        manifest["files"][entry.pop("path")] = entry
    text = json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    (root / "generator_manifest.json").write_text(text, encoding="utf-8")
    return json.loads(text)
