"""The synthetic region: deterministic for a seed, realistic, and its manifest tells the truth."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from sample_data.landing_writer import generate
from tests.builders import file_hashes

GEMEENTEN, YEARS, SCALE = ["GM0399"], [2022, 2023], 0.3



@pytest.fixture(scope="module")
def region(tmp_path_factory):
    out = tmp_path_factory.mktemp("gen")
    return out, generate(out, GEMEENTEN, YEARS, seed=11, scale=SCALE)


def test_same_seed_gives_byte_identical_files(region, tmp_path):
    out, _ = region
    generate(tmp_path / "again", GEMEENTEN, YEARS, seed=11, scale=SCALE)
    assert file_hashes(out) == file_hashes(tmp_path / "again")
    generate(tmp_path / "other", GEMEENTEN, YEARS, seed=12, scale=SCALE)
    other = file_hashes(tmp_path / "other")
    assert other["population/population_2022.csv"] != file_hashes(out)["population/population_2022.csv"]


def test_manifest_rows_equal_rows_in_files(region):
    out, manifest = region
    for name, info in manifest["files"].items():
        path = out / name
        if info["format"] == "parquet":
            rows = pl.read_parquet(path).height
        else:  # count data lines independently of any CSV parser: lines minus the header
            rows = path.read_bytes().rstrip(b"\n").count(b"\n")
        assert rows == info["rows"], name


def test_every_file_has_the_contract_columns(region):
    from quality.contracts import CONTRACTS

    out, manifest = region
    for name, info in manifest["files"].items():
        path = out / name
        if info["format"] == "parquet":
            columns = pl.read_parquet_schema(path).names()
        else:
            raw = path.read_bytes().split(b"\n", 1)[0]
            columns = raw.decode(info["encoding"].replace("windows-1252", "cp1252")).split(info["delimiter"])
        assert columns == list(CONTRACTS[info["source"]].columns), name


def _population(out: Path, year: int) -> pl.DataFrame:
    return pl.read_csv(out / "population" / f"population_{year}.csv", infer_schema_length=0, truncate_ragged_lines=True).with_columns(
        age=year - pl.col("birth_year").cast(pl.Int64, strict=False))


def test_age_pyramid_close_to_national(region):
    out, _ = region
    age = _population(out, 2022)["age"].drop_nulls()
    shares = {"0-17": (age < 18).mean(), "18-64": ((age >= 18) & (age < 65)).mean(),
              "65-74": ((age >= 65) & (age < 75)).mean(), "75+": (age >= 75).mean()}
    # DESIGN section 14: 19 / 60 / 11 / 10 %, within 3 percentage points
    for band, expected in {"0-17": 0.19, "18-64": 0.60, "65-74": 0.11, "75+": 0.10}.items():
        assert abs(shares[band] - expected) < 0.03, (band, shares[band])


def test_diabetes_prevalence_rises_with_age(region):
    out, _ = region
    pop = _population(out, 2023).select("pseudo_id", "age")
    gp = pl.read_csv(out / "gp_episodes" / "gp_episodes_2022.csv", infer_schema_length=0, truncate_ragged_lines=True)
    diabetic = gp.filter(pl.col("icpc_code").str.starts_with("T90")).select("pseudo_id").unique()
    pop = pop.with_columns(diabetes=pl.col("pseudo_id").is_in(diabetic["pseudo_id"].implode()))
    by_band = {band: pop.filter(cond)["diabetes"].mean() for band, cond in {
        "18-44": (pl.col("age") >= 18) & (pl.col("age") < 45),
        "45-64": (pl.col("age") >= 45) & (pl.col("age") < 65),
        "75+": pl.col("age") >= 75}.items()}
    assert by_band["18-44"] < by_band["45-64"] < by_band["75+"], by_band


def test_survey_reaches_about_four_percent_of_adults(region):
    out, _ = region
    adults = (_population(out, 2022)["age"] >= 18).sum()
    respondents = pl.read_csv(out / "health_survey" / "health_survey_2022.csv", infer_schema_length=0, truncate_ragged_lines=True).height
    assert 0.03 <= respondents / adults <= 0.05


def test_costliest_five_percent_carry_about_half_of_zvw_cost(region):
    out, _ = region
    claims = pl.read_parquet(out / "zvw_costs" / "zvw_costs_2022.parquet")
    per_person = claims.group_by("pseudo_id").agg(pl.col("amount_eur").sum()).sort("amount_eur", descending=True)
    top = per_person.head(int(per_person.height * 0.05))["amount_eur"].sum()
    assert 0.40 <= top / per_person["amount_eur"].sum() <= 0.60


def test_defects_are_counted_per_file(region):
    _, manifest = region
    assert manifest["defects"]["population/population_2022.csv"].keys() == {
        "unknown_buurt", "invalid_pseudo_id", "duplicate_key"}
    for name, kinds in manifest["defects"].items():
        assert manifest["expected_quarantine"][name] == sum(kinds.values())
    truth = manifest["interventions"][0]
    assert truth["intervention_id"] == "welzijn_op_recept" and truth["true_relative_effect"] == -0.4
