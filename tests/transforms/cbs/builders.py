"""Tiny hand-made CBS files (pyreadstat.write_sav, CSV) for the reader's tests: five persons, two years.

A 000000001  man 1950, object 11 (BU03610101) all along, one-person household, percentile 45 -> quintile 3
B 000000002  woman 1980, spells on objects 11 (until 2023-01-10) and 12 (from 2022-12-20) overlap on
             1 January 2023: the later start (12, BU03610102) wins; married couple with children; INHA -1 -> NULL
C 000000003  man 1940, object 11, institutional household, dies 2023-06-15 (no resident in 2024)
D 000000004  woman 1990, object 13: BU03610201 in 2023, `----` in 2024 (not placed in 2024: quarantine)
E 000000005  man 1970, object 14 in gemeente 0399: never a resident of the region
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pyreadstat

SALT = "test-salt"
YEARS = (2023, 2024)
GEMEENTEN = ("GM0361",)
BUURTEN = ("BU03610101", "BU03610102", "BU03610201")
PERSONS = {"A": "000000001", "B": "000000002", "C": "000000003", "D": "000000004", "E": "000000005"}


def pid(person: str) -> str:
    """The expected pseudonym, computed with hashlib (not with the reader's SQL)."""
    return hashlib.sha256((SALT + "R" + PERSONS[person]).encode()).hexdigest()


def write_sav(root: Path, folder: str, name: str, rows: dict, labels: dict | None = None, year: int | None = None):
    path = root / folder / (str(year) if year else "") / name
    path.parent.mkdir(parents=True, exist_ok=True)
    pyreadstat.write_sav(pd.DataFrame(rows), str(path), variable_value_labels=labels)
    return path


def keys(*persons: str) -> dict:
    return {"RINPERSOONS": ["R"] * len(persons), "RINPERSOON": [PERSONS[p] for p in persons]}


def population_files(root: Path, vslgwb_years=YEARS) -> None:
    write_sav(root, "GBAPERSOONTAB", "GBAPERSOON2024TABV2.sav", {
        **keys("A", "B", "C", "D", "E"), "GBAGESLACHT": ["1", "2", "1", "2", "1"],
        "GBAGEBOORTEJAAR": ["1950", "1980", "1940", "1990", "1970"], "GBAGEBOORTEMAAND": ["03"] * 5,
        "GBAGEBOORTEDAG": ["01"] * 5}, labels={"GBAGESLACHT": {1: "man", 2: "vrouw"}})
    # the oldest version with a numeric RINPERSOON and a wrong sex: superseded, must be ignored
    write_sav(root, "GBAPERSOONTAB", "GBAPERSOON2024TABV1.sav", {
        "RINPERSOONS": ["R"], "RINPERSOON": [1.0], "GBAGESLACHT": ["2"], "GBAGEBOORTEJAAR": ["1950"],
        "GBAGEBOORTEMAAND": ["03"], "GBAGEBOORTEDAG": ["01"]})
    write_sav(root, "GBAADRESOBJECTBUS", "GBAADRESOBJECT2024BUSV1.sav", {
        **keys("A", "B", "B", "C", "D", "E"),
        "GBADATUMAANVANGADRESHOUDING": ["20000101", "20100101", "20221220", "19900101", "20150101", "20000101"],
        "GBADATUMEINDEADRESHOUDING": ["88888888", "20230110", "88888888", "20230615", "88888888", "88888888"],
        "SOORTOBJECTNUMMER": ["I"] * 6, "RINOBJECTNUMMER": ["11", "11", "12", "11", "13", "14"]})
    area = {"11": ("0361", "036101", "03610101"), "12": ("0361", "036101", "03610102"),
            "13": ("0361", "036102", "03610201"), "14": ("0399", "039901", "03990101")}
    wide = {"SOORTOBJECTNUMMER": ["I"] * 4, "RINOBJECTNUMMER": list(area)}
    for y in vslgwb_years:
        wide[f"gem{y}"] = [area[o][0] for o in area]
        wide[f"wc{y}"] = [area[o][1] for o in area]
        wide[f"bc{y}"] = [area[o][2] if (o, y) != ("13", 2024) else "----" for o in area]
        if (y == 2024):
            wide[f"wc{y}"][2] = "----"
    write_sav(root, "VSLGWBTAB", f"VSLGWB{max(vslgwb_years)}TABV1.sav", wide)
    write_sav(root, "GBAOVERLIJDENTAB", "GBAOVERLIJDEN2024TABV1.sav", {**keys("C"), "GBADatumOverlijden": ["20230615"]})
    write_sav(root, "GBAHUISHOUDENSBUS", "GBAHUISHOUDENS2024BUSV1.sav", {
        **keys("A", "B", "C", "D", "E"), "DATUMAANVANGHH": ["20000101", "20150101", "20100101", "20150101", "20000101"],
        "DATUMEINDEHH": ["88888888"] * 5, "TYPHH": ["1", "5", "8", "2", "1"]})
    for y in YEARS:
        inpa = {**keys("A", "B"), "RINPERSOONSHKW": ["R", "R"], "RINPERSOONHKW": [PERSONS["A"], PERSONS["B"]]}
        if y == 2024:  # an old file's quirk: RINPERSOON numeric, leading zeros lost
            inpa["RINPERSOON"] = [1.0, 2.0]
        write_sav(root, "INPATAB", f"INPA{y}TABV1.sav", inpa, year=y)
        write_sav(root, "INHATAB", f"INHA{y}TABV1.sav", {
            "RINPERSOONSHKW": ["R", "R"], "RINPERSOONHKW": [PERSONS["A"], PERSONS["B"]],
            "INHP100HBEST": [45.0, -1.0]}, year=y)
