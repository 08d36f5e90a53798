"""The CBS-layout writer gives the native synthetic records back (issue 19, /work/briefs/cbs_spec.md).

The files are read here independently of the project's reader (pyreadstat and polars only), and every
native quantity is recomputed by hand-written rules of the spec from the CBS files and compared with the
native frames the generator drew (captured before defect injection, same seed).
"""

from __future__ import annotations

import math
import tomllib
from pathlib import Path
from unittest import mock

import polars as pl
import pyreadstat
import pytest

from sample_data import cbs_layout, generator

YEARS = [2023, 2024]
OFFSET = 100000001


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """A tiny region in the CBS layout, with the native frames the generator built for it."""
    captured = {}
    real = generator.write_cbs

    def capture(root, rng, people, buurt_codes, frames, years, header):
        captured.update(people=people, frames=frames)
        return real(root, rng, people, buurt_codes, frames, years, header)

    out = tmp_path_factory.mktemp("cbs_layout")
    # many overlapping address spells, so that the resolution rule is really exercised
    with mock.patch.object(generator, "write_cbs", capture), mock.patch.object(cbs_layout, "OVERLAP_SHARE", 0.3):
        manifest = generator.generate(out, ["GM0361", "GM0399"], YEARS, seed=7, scale=0.05, layout="cbs_microdata")
    return out / "cbs", manifest, captured["people"], captured["frames"]


def sav(root: Path, relative: str) -> pl.DataFrame:
    frame, _ = pyreadstat.read_sav(str(root / relative))
    return pl.from_pandas(frame)


def person(column: str = "RINPERSOON") -> pl.Expr:
    """The writer's documented key: RINPERSOON = person index + 100000001 (zero-padded, may be numeric)."""
    return pl.col(column).cast(pl.Float64).cast(pl.Int64) - OFFSET


def native(frames: dict, source: str, years=YEARS) -> pl.DataFrame:
    frame = frames[source]
    column = "survey_year" if source == "health_survey" else "year"
    return frame.filter(pl.col(column).is_in(years)) if column in frame.columns else frame


def test_manifest_lists_files_with_versions_and_no_keys(written):
    root, manifest, _, _ = written
    files = manifest["files"]
    assert all((root / path).is_file() for path in files)
    assert files["GBAPERSOONTAB/GBAPERSOON2024TABV1.sav"]["version"] == 1
    assert "ZVWZORGKOSTENTAB/2023/ZVWZORGKOSTEN2023TABV2.sav" in files
    assert "LBZBASISTAB/2024/LBZBASIS2024TABV1.csv" in files
    text = (root / "generator_manifest.json").read_text()
    assert str(OFFSET) not in text and "RINPERSOON" not in text


def test_residents_per_buurt_on_1_january(written):
    root, _, _, frames = written
    spells = sav(root, "GBAADRESOBJECTBUS/GBAADRESOBJECT2024BUSV1.sav")
    objects = sav(root, "VSLGWBTAB/VSLGWB2024TABV1.sav")
    pop = native(frames, "population")
    overlaps = 0
    for year in YEARS:
        day = f"{year}0101"
        covering = spells.filter((pl.col("GBADATUMAANVANGADRESHOUDING") <= day)
                                 & (pl.col("GBADATUMEINDEADRESHOUDING") >= day))
        overlaps += covering.height - covering["RINPERSOON"].n_unique()
        # spec rule: the latest start covering 1 January wins, a tie goes to the highest RINOBJECTNUMMER
        chosen = covering.sort("GBADATUMAANVANGADRESHOUDING", "RINOBJECTNUMMER").group_by("RINPERSOON").last()
        placed = chosen.join(objects, on=["SOORTOBJECTNUMMER", "RINOBJECTNUMMER"]).filter(pl.col(f"bc{year}") != "----")
        got = placed.select(person().alias("_person"), ("BU" + pl.col(f"bc{year}")).alias("buurt_code"))
        want = pop.filter(pl.col("year") == year).select("_person", "buurt_code")
        assert got.sort("_person").equals(want.sort("_person"))
        assert chosen.height == want.height   # nobody covered on 1 January sits on a `----` object
    assert overlaps > 0
    assert (objects.select(pl.col(f"bc{YEARS[0]}") == "----").to_series().sum()) > 0


def test_income_quintile_through_inpa_and_inha(written):
    root, _, _, frames = written
    pop = native(frames, "population")
    for year in YEARS:
        inpa = sav(root, f"INPATAB/{year}/INPA{year}TABV1.sav")
        inha = sav(root, f"INHATAB/{year}/INHA{year}TABV1.sav")
        joined = inpa.join(inha, on=["RINPERSOONSHKW", "RINPERSOONHKW"], how="left")
        p = joined["INHP100HBEST"].to_list()
        quintile = [math.ceil(v / 20) if v > 0 else None for v in p]
        got = joined.select(person().alias("_person")).with_columns(pl.Series("q", quintile, dtype=pl.Int64))
        want = pop.filter(pl.col("year") == year).select("_person", pl.col("income_quintile").cast(pl.Int64).alias("q"))
        assert got.sort("_person").equals(want.sort("_person"))
        assert set(v for v in p if v < 0) <= {-1, -2}


def test_zvw_category_sums_per_person_year(written):
    root, manifest, _, frames = written
    mapping = pl.read_csv(Path(cbs_layout.__file__).parent / "reference" / "cbs_zvw_categories.csv")
    category = dict(zip(mapping["cbs_variable"], mapping["cost_category"], strict=True))
    zvw = native(frames, "zvw_costs")
    for year in YEARS:
        versions = sorted(p for p in manifest["files"] if p.startswith(f"ZVWZORGKOSTENTAB/{year}/"))
        wide = sav(root, versions[-1])   # the highest version wins
        if year == YEARS[0]:
            assert "ZVWKGENBASGGZ" not in wide.columns and len(versions) == 2
        else:
            assert "ZVWKMULTIDISC" not in wide.columns
        long = wide.unpivot(index=["RINPERSOONS", "RINPERSOON"], variable_name="variable", value_name="amount")
        long = long.with_columns(pl.col("variable").replace_strict(category).alias("cost_category"))
        got = long.group_by(person().alias("_person"), "cost_category").agg(pl.col("amount").sum())
        want = zvw.filter(pl.col("year") == year).select("_person", "cost_category", "amount_eur")
        both = got.join(want, on=["_person", "cost_category"], how="full", coalesce=True)
        both = both.with_columns(pl.col("amount_eur").fill_null(0.0))
        assert both["amount"].null_count() == 0   # every native person-year has a row
        assert (both["amount"] - both["amount_eur"]).abs().max() < 1e-6
        assert got["_person"].n_unique() == want["_person"].n_unique()


def test_wlz_cost_per_spell_sums_back(written):
    root, _, _, frames = written
    parts = []
    for year in YEARS:
        spells = sav(root, f"GEBWLZTAB/{year}/GEBWLZ{year}TABV1.sav")
        if year == YEARS[0]:
            assert spells.schema["RINPERSOON"] == pl.Float64   # the numeric-key quirk
        parts.append(sav(root, f"WLZZINTAB/{year}/WLZZIN{year}TABV1.sav"))
    cost = pl.concat(parts).group_by(person().alias("_person"), "BEGINWLZGEB").agg(pl.col("BEDRAGWLZZIN").sum())
    want = frames["wlz"].select("_person", pl.col("start_date").dt.strftime("%Y%m%d").alias("BEGINWLZGEB"), "cost_eur")
    both = want.join(cost, on=["_person", "BEGINWLZGEB"], how="full", coalesce=True)
    assert both.height == want.height
    assert (both["BEDRAGWLZZIN"] - both["cost_eur"]).abs().max() < 1e-6


def test_secm_months_are_bijstand_months(written):
    root, _, _, frames = written
    secm = sav(root, "SECMBUS/SECM2024BUSV1.sav").filter(pl.col("SECM") == "22")
    rows = []
    for year in YEARS:
        for month in range(1, 13):
            first = f"{year}{month:02d}01"
            last = f"{year}{month:02d}{[31, 28 + (year % 4 == 0), 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]}"
            covering = secm.filter((pl.col("AANVSECM") <= last) & (pl.col("EINDSECM") >= first))
            rows.append(covering.select(person().alias("_person")).unique().with_columns(year=pl.lit(year)))
    got = pl.concat(rows).group_by("_person", "year").len("months").with_columns(pl.col("months").cast(pl.Int64))
    want = native(frames, "participatie").filter(pl.col("regulation") == "bijstand").select("_person", "year", "months")
    key = ["_person", "year"]
    assert got.sort(key).select(*key, "months").equals(want.sort(key).select(*key, pl.col("months")))


def test_gemon_flags_at_default_cutoffs(written):
    root, _, _, frames = written
    defaults = tomllib.loads((Path(generator.__file__).parents[1] / "phm.toml").read_text())["cutoffs"]
    assert {k: defaults[k] for k in cbs_layout.DEFAULT_CUTOFFS} == cbs_layout.DEFAULT_CUTOFFS
    survey = native(frames, "health_survey")
    for year in YEARS:
        gemon = sav(root, f"GEMON/{year}/GEMON{year}TABV1.sav")
        items = survey.filter(pl.col("survey_year") == year).sort("_person")
        assert gemon.select(person()).to_series().to_list() == items["_person"].to_list()
        k10 = items.select(sum(pl.col(f"k10_{i:02d}") for i in range(1, 11))).to_series()
        djg = items.select(sum(pl.col(f"djg_{i:02d}") for i in range(1, 12))).to_series()
        expected = {
            "GGADA202": k10 >= 16, "GGADA203": k10 >= 30, "GGEES217": djg >= 3, "GGEES209": djg >= 9,
            "KLGGA208": items["self_rated_health"] <= 2, "LFRKA205": items["smoker"],
            "MCMZGS203": items["informal_carer"], "MMIKA201": items["difficulty_making_ends_meet"],
        }
        for flag, truth in expected.items():
            assert gemon[flag].to_list() == [1.0 if t else 2.0 for t in truth], flag
        assert gemon["ewGGD"].to_list() == items["weight"].to_list()


def test_value_labels_and_other_sources(written):
    root, _, people, frames = written
    _, meta = pyreadstat.read_sav(str(root / "GEMON/2023/GEMON2023TABV1.sav"), metadataonly=True)
    assert meta.variable_value_labels["GGEES217"] == {1.0: "ja", 2.0: "nee"}
    persons = sav(root, "GBAPERSOONTAB/GBAPERSOON2024TABV2.sav")
    assert persons.height == len(people) and persons.schema["RINPERSOON"] == pl.Utf8
    assert persons["RINPERSOON"].str.len_chars().min() == 9
    lbz = pl.concat([pl.read_csv(root / f"LBZBASISTAB/{y}/LBZBASIS{y}TABV1.csv", separator=";", infer_schema_length=0)
                     for y in YEARS])
    admissions = frames["hospital_events"].filter(pl.col("event_type") == "opname")
    assert lbz.height == admissions.height
    assert lbz["LBZSpoed"].eq("1").sum() == admissions["acute"].sum()
    gp = pl.concat([pl.read_csv(root / f"HUISARTS/{y}/EPISODE{y}V1.csv", separator=";", infer_schema_length=0)
                    for y in YEARS])
    assert gp.height == frames["gp_episodes"].height
    assert gp["EINDDATUM"].null_count() == frames["gp_episodes"]["end_date"].null_count()
    wmo = sav(root, "WMOBUS/WMO2024BUSV1.sav")
    assert sorted(wmo["WMOIDARRANGEMENT"].to_list()) == sorted(frames["wmo"]["provision_id"].to_list())


def test_medicijntab_sav_and_parquet_copy(tmp_path):
    from sample_data.cbs_files import CbsFile, write_one

    # person 0: two ATC4 codes in 2023, one in 2024; person 5: one code in 2023
    medicines = pl.DataFrame({"_person": [0, 0, 5, 0], "year": [2023, 2023, 2023, 2024],
                              "atc4": ["C10A", "A10B", "N06A", "C10A"]})
    entry = write_one(tmp_path, CbsFile("MEDICIJNTAB", 2023), cbs_layout.medicijn(medicines, 2023), 2023)
    assert entry["path"] == "MEDICIJNTAB/2023/MEDICIJN2023TABV1.sav" and entry["rows"] == 3
    from_sav = sav(tmp_path, entry["path"])
    from_parquet = pl.read_parquet(tmp_path / entry["parquet_copy"])
    assert from_sav.equals(from_parquet)
    assert from_sav.rows() == [("R", "100000001", "A10B"), ("R", "100000001", "C10A"), ("R", "100000006", "N06A")]


def test_household_sex_birth_year_and_death_on_the_spine(written):
    root, _, _, frames = written
    codes = {"1": "eenpersoons", "2": "paar_zonder_kinderen", "3": "paar_zonder_kinderen", "4": "paar_met_kinderen",
             "5": "paar_met_kinderen", "6": "eenouder", "7": "overig", "8": "institutioneel"}
    households = sav(root, "GBAHUISHOUDENSBUS/GBAHUISHOUDENS2024BUSV1.sav")
    persons = sav(root, "GBAPERSOONTAB/GBAPERSOON2024TABV2.sav")
    deaths = sav(root, "GBAOVERLIJDENTAB/GBAOVERLIJDEN2024TABV1.sav")
    pop = native(frames, "population")
    for year in YEARS:
        day = f"{year}0101"
        covering = households.filter((pl.col("DATUMAANVANGHH") <= day) & (pl.col("DATUMEINDEHH") >= day))
        chosen = covering.sort("DATUMAANVANGHH").group_by("RINPERSOON").last()
        spine = (chosen.join(persons, on=["RINPERSOONS", "RINPERSOON"])
                 .join(deaths, on=["RINPERSOONS", "RINPERSOON"], how="left")
                 .select(person().alias("_person"),
                         pl.col("GBAGEBOORTEJAAR").cast(pl.Int64).alias("birth_year"),
                         pl.col("GBAGESLACHT").replace_strict({"1": "M", "2": "V"}).alias("sex"),
                         pl.col("TYPHH").replace_strict(codes).alias("household_type"),
                         pl.when(pl.col("GBADatumOverlijden").str.slice(0, 4) == str(year))
                         .then(pl.col("GBADatumOverlijden").str.to_date("%Y%m%d")).alias("death_date")))
        want = pop.filter(pl.col("year") == year).select("_person", "birth_year", "sex", "household_type", "death_date")
        assert spine.sort("_person").equals(want.sort("_person"))


def test_cli_writes_the_cbs_layout_into_the_data_folder(tmp_path):
    from typer.testing import CliRunner

    from pipelines.cli import app
    from tests.regions import write_config

    config = write_config(tmp_path / "phm.toml", tmp_path / "data", ["GM0399"], [2024])
    wrong = CliRunner().invoke(app, ["generate", "--config", str(config), "--layout", "cbs"])
    assert wrong.exit_code == 2 and "cbs_microdata" in wrong.output
    result = CliRunner().invoke(app, ["generate", "--config", str(config), "--scale", "0.02",
                                      "--layout", "cbs_microdata"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "data" / "cbs" / "GBAPERSOONTAB" / "GBAPERSOON2024TABV2.sav").is_file()
    assert not (tmp_path / "data" / "landing").exists()   # the native landing folder is left alone
