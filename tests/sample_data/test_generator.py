"""The synthetic data generator: deterministic, realistic, and its manifest tells the truth.

One small region is generated once per module: Heiloo (GM0399, 24,312 residents in CBS KWB 2024
wijk counts summing to 24,320) at scale 0.2, so about 4,864 residents, for 2022 and 2023.
"""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import duckdb
import numpy as np
import polars as pl
import pytest

from pipelines.config import REPO_ROOT
from sample_data.generator import generate
from sample_data.reference_data import gemeente_names, kwb_wijken, rivm_buurten

GEMEENTEN, YEARS, SEED, SCALE = ["GM0399"], [2022, 2023], 5, 0.2
REFERENCE = REPO_ROOT / "sample_data" / "reference"

# The landing contract as written down independently of quality/contracts.py, column by column, in order
CONTRACT_COLUMNS = {
    "population": ["pseudo_id", "year", "birth_year", "sex", "buurt_code", "household_type",
                   "income_quintile", "death_date"],
    "gp_episodes": ["pseudo_id", "practice_id", "icpc_code", "start_date", "end_date"],
    "hospital_events": ["pseudo_id", "event_type", "start_date", "end_date", "icd10_code", "acute"],
    "zvw_costs": ["pseudo_id", "year", "insured_days", "cost_category", "amount_eur"],
    "wmo": ["pseudo_id", "provision_id", "provision_type", "request_date", "start_date", "end_date",
            "cost_eur"],
    "jeugd": ["pseudo_id", "provision_id", "provision_type", "referrer", "start_date", "end_date",
              "cost_eur"],
    "participatie": ["pseudo_id", "year", "regulation", "months", "benefit_eur"],
    "wlz": ["pseudo_id", "care_profile", "setting", "start_date", "end_date", "cost_eur"],
    "medicines": ["pseudo_id", "year", "atc4"],
    "health_survey": ["pseudo_id", "survey_year", "weight", "self_rated_health",
                      *[f"k10_{i:02d}" for i in range(1, 11)], *[f"djg_{i:02d}" for i in range(1, 12)],
                      "gali",
                      *[f"mastery_{i:02d}" for i in range(1, 8)], *[f"sbsq_{i:02d}" for i in range(1, 4)],
                      "height_cm", "weight_kg", "smoker", "informal_carer", "volunteer",
                      "difficulty_making_ends_meet", "ph_lichaamsfuncties", "ph_mentaal_welbevinden",
                      "ph_zingeving", "ph_kwaliteit_van_leven", "ph_meedoen", "ph_dagelijks_functioneren",
                      "care_rating", "unmet_care_need", "k10_moderate_or_high_reported", "k10_high_reported",
                      "lonely_reported", "severely_lonely_reported", "good_health_reported"],
    "workforce": ["org_id", "org_type", "gemeente_code", "year", "fte", "employees", "sick_leave_days",
                  "contract_days", "leavers", "open_vacancies", "survey_respondents",
                  "work_satisfaction_mean", "burnout_complaints_pct"],
    "interventions": ["intervention_id", "name", "target_group", "buurt_code", "start_date", "end_date"],
    "intervention_participants": ["pseudo_id", "intervention_id", "referral_date", "start_date", "completed"],
}
# the brief's defect kinds per source (each at least once per file)
DEFECT_KINDS = {
    "population": {"unknown_buurt", "invalid_pseudo_id", "duplicate_key"},
    "gp_episodes": {"impossible_date", "malformed_row"},
    "hospital_events": {"impossible_date", "invalid_code"},
    "zvw_costs": {"out_of_range"}, "wmo": {"impossible_date"}, "jeugd": {"impossible_date"},
    "wlz": {"impossible_date"}, "participatie": {"out_of_range"},
    "health_survey": {"out_of_range", "malformed_row"},
    "workforce": {"out_of_range"},
    "medicines": {"invalid_code", "duplicate_key"},
}
# contract columns a native file does not have (the survey flags CBS's GEMON delivers instead of the items)
NOT_IN_NATIVE_FILES = {"k10_moderate_or_high_reported", "k10_high_reported", "lonely_reported",
                       "severely_lonely_reported", "good_health_reported"}


def _hashes(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def region(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("generated")
    return out, generate(out, GEMEENTEN, YEARS, seed=SEED, scale=SCALE)


def _csv(out: Path, manifest: dict, name: str) -> pl.DataFrame:
    """Read a CSV as text columns in its own dialect; malformed lines are dropped."""
    info = manifest["files"][name]
    text = (out / name).read_bytes().decode("cp1252" if info["encoding"] == "windows-1252" else "utf-8")
    lines = text.split("\n")
    width = lines[0].count(info["delimiter"])
    text = "\n".join(line for line in lines if line.count(info["delimiter"]) == width)
    return pl.read_csv(io.StringIO(text), separator=info["delimiter"], infer_schema=False)


def _population(out: Path, manifest: dict, year: int) -> pl.DataFrame:
    pop = _csv(out, manifest, f"population/population_{year}.csv")
    return pop.with_columns(age=year - pl.col("birth_year").cast(pl.Int64))


# --- determinism ---------------------------------------------------------------------------------

def test_same_arguments_give_byte_identical_files_and_another_seed_differs(region, tmp_path):
    out, _ = region
    again = generate(tmp_path / "again", GEMEENTEN, YEARS, seed=SEED, scale=SCALE)
    first = _hashes(out)
    assert _hashes(tmp_path / "again") == first  # every file, Parquet and the manifest included
    assert again == json.loads((out / "generator_manifest.json").read_text(encoding="utf-8"))
    generate(tmp_path / "other", GEMEENTEN, YEARS, seed=SEED + 1, scale=SCALE)
    other = _hashes(tmp_path / "other")
    assert other.keys() == first.keys()
    person_level = ("population", "gp_episodes", "hospital_events", "zvw_costs")
    assert all(other[name] != first[name] for name in first if name.startswith(person_level))


# --- the manifest tells the truth -------------------------------------------------------------------

def test_manifest_row_counts_equal_the_rows_in_the_files(region):
    out, manifest = region
    # all 13 sources; interventions and participants only from the first start year (2023)
    assert {info["source"] for info in manifest["files"].values()} == set(CONTRACT_COLUMNS)
    for name, info in manifest["files"].items():
        path = out / name
        if info["format"] == "parquet":
            rows = duckdb.sql(f"SELECT count(*) FROM read_parquet('{path}')").fetchone()[0]
        else:  # count data lines without any CSV parser: newlines minus the header line
            rows = path.read_bytes().count(b"\n") - 1
        assert rows == info["rows"], name


def test_every_file_has_exactly_the_design_columns(region):
    from quality.contracts import CONTRACTS

    # the ingest contracts expect the same columns as the design (so the files fit both)
    assert {source: list(c.columns) for source, c in CONTRACTS.items()} == CONTRACT_COLUMNS
    out, manifest = region
    for name, info in manifest["files"].items():
        if info["format"] == "parquet":
            columns = pl.read_parquet_schema(out / name).names()
        else:
            header = (out / name).read_bytes().split(b"\n", 1)[0].decode("cp1252" if info["encoding"] ==
                                                                          "windows-1252" else "utf-8")
            columns = header.split(info["delimiter"])
        assert columns == [c for c in CONTRACT_COLUMNS[info["source"]] if c not in NOT_IN_NATIVE_FILES], name


def test_formats_are_as_documented(region):
    out, manifest = region
    files = manifest["files"]
    zvw = files["zvw_costs/zvw_costs_2022.csv"]
    assert (zvw["format"], zvw["encoding"], zvw["delimiter"], zvw["decimal"]) == ("csv", "utf-8", ";", ",")
    assert files["wmo/wmo_2022.csv"]["encoding"] == "windows-1252"
    assert files["hospital_events/hospital_events_2022.parquet"]["format"] == "parquet"
    # the intervention name carries an en dash and an e-acute, encoded as Windows-1252 bytes 0x96 and 0xE9
    raw = (out / "interventions" / "interventions_2023.csv").read_bytes()
    assert "Welzijn op Recept – café-ontmoetingen".encode("cp1252") in raw
    # decimal comma in the ';' files: an amount such as 157,62 and never a decimal point
    line = (out / "zvw_costs" / "zvw_costs_2022.csv").read_text(encoding="utf-8").split("\n")[1]
    assert "." not in line.split(";")[-1]


def test_defects_are_counted_per_kind_and_file(region):
    _, manifest = region
    for name, info in manifest["files"].items():
        kinds = DEFECT_KINDS.get(info["source"], set())
        assert set(manifest["defects"].get(name, {})) == kinds, name
        assert all(n >= 1 for n in manifest["defects"].get(name, {}).values()), name
        assert manifest["expected_quarantine"][name] == sum(manifest["defects"].get(name, {}).values()), name
    # at about 0.05 % of rows (at least one), a 4,800-row population file gets round(2.4) = 2 of each kind
    population = manifest["files"]["population/population_2022.csv"]["rows"]
    copies = manifest["defects"]["population/population_2022.csv"]["duplicate_key"]
    per_kind = max(1, round((population - copies) * 0.0005))
    assert set(manifest["defects"]["population/population_2022.csv"].values()) == {per_kind}


def test_ingest_quarantines_exactly_the_injected_defects(region):
    """The real readers, DuckDB and Pandera contracts quarantine what the manifest says, file by file."""
    from quality.contracts import SOURCES
    from transforms.areas import build_areas
    from transforms.ingest import ingest_source

    out, manifest = region
    con = duckdb.connect()
    build_areas(con, REFERENCE, GEMEENTEN, "RG_TEST", "Testregio")
    areas = [r[0] for r in con.execute("SELECT area_code FROM staging.areas").fetchall()]
    seen = {}
    for source in SOURCES:
        for result in ingest_source(con, source, out, YEARS, areas):
            name = str(result.info.path.relative_to(out))
            seen[name] = (result.info.rows_read, result.rows_quarantined)
    assert seen == {name: (info["rows"], manifest["expected_quarantine"][name])
                    for name, info in manifest["files"].items()}
    # exact repeats of events are loaded (staging removes them) and counted separately
    for name, expected in manifest["staging_duplicates"].items():
        source = name.split("/")[0]
        repeats = con.execute(f"SELECT count(*) - (SELECT count(*) FROM (SELECT DISTINCT * EXCLUDE "
                              f"(_file, _row) FROM raw.{source} WHERE _file = ?)) FROM raw.{source} "
                              f"WHERE _file = ?", [name, name]).fetchone()[0]
        assert repeats == expected >= 1, name
    # unlinked: loaded records whose pseudonym is in no loaded population row
    for name, expected in manifest["unlinked_records"].items():
        source = name.split("/")[0]
        found = con.execute(f"SELECT count(*) FROM raw.{source} WHERE _file = ? AND pseudo_id NOT IN "
                            f"(SELECT pseudo_id FROM raw.population)", [name]).fetchone()[0]
        assert found == expected, name
    assert sum(manifest["unlinked_records"].values()) >= 8  # at least one injected per claims/provision file


def test_residents_are_the_population_rows_without_defects(region):
    out, manifest = region
    for year in YEARS:
        name = f"population/population_{year}.csv"
        rows, quarantined = manifest["files"][name]["rows"], manifest["expected_quarantine"][name]
        assert manifest["residents"][str(year)] == rows - quarantined
    # Heiloo's KWB 2024 wijk counts add up to 24,320; x 0.2 = 4,864 on 1 January of the first year
    assert manifest["residents"]["2022"] + manifest["expected_quarantine"]["population/population_2022.csv"] \
        - manifest["defects"]["population/population_2022.csv"]["duplicate_key"] == 4864


# --- realism (sample_data/README.md) ----------------------------------------------------------------

def test_age_pyramid_is_close_to_the_national_one(region):
    out, manifest = region
    age = _population(out, manifest, 2022)["age"]
    shares = {"0-17": (age < 18).mean(), "18-64": ((age >= 18) & (age < 65)).mean(),
              "65-74": ((age >= 65) & (age < 75)).mean(), "75+": (age >= 75).mean()}
    # sample_data/README.md: 19 / 60 / 11 / 10 %, within 3 percentage points
    for band, expected in {"0-17": 0.19, "18-64": 0.60, "65-74": 0.11, "75+": 0.10}.items():
        assert abs(shares[band] - expected) < 0.03, (band, shares[band])


def test_diabetes_prevalence_rises_with_age(region):
    out, manifest = region
    pop = _population(out, manifest, 2022)
    gp = _csv(out, manifest, "gp_episodes/gp_episodes_2022.csv")  # includes the still-open history
    diabetic = gp.filter(pl.col("icpc_code").str.starts_with("T90"))["pseudo_id"].unique()
    pop = pop.with_columns(diabetes=pl.col("pseudo_id").is_in(diabetic.implode()))
    share = {band: pop.filter(cond)["diabetes"].mean() for band, cond in {
        "18-44": pl.col("age").is_between(18, 44), "45-64": pl.col("age").is_between(45, 64),
        "75+": pl.col("age") >= 75}.items()}
    # registered diabetes: about 1 % of 18-44, 6-7 % of 45-64, 20-25 % of 75+
    assert share["75+"] > share["45-64"] > share["18-44"], share


def test_polypharmacy_rises_with_age_and_follows_the_conditions(region):
    out, manifest = region
    pop = _population(out, manifest, 2022)
    meds = _csv(out, manifest, "medicines/medicines_2022.csv").unique(["pseudo_id", "atc4"])
    codes = meds.group_by("pseudo_id").len("codes")
    pop = pop.join(codes, on="pseudo_id", how="left").with_columns(pl.col("codes").fill_null(0))
    old = pop.filter(pl.col("age") >= 65)["codes"]
    # sample_data/README.md: 10-15 % of 65+ with 5+ distinct ATC4 codes, 2-4 % with 10+ (a region of about
    # 1,100 residents aged 65+ here, so the bounds allow two standard errors of sampling)
    assert 0.08 <= (old >= 5).mean() <= 0.18, (old >= 5).mean()
    assert 0.01 <= (old >= 10).mean() <= 0.05, (old >= 10).mean()
    assert old.mean() > 2 * pop.filter(pl.col("age").is_between(18, 44))["codes"].mean()
    # glucose-lowering drugs (A10B) go to persons with a diabetes episode (T90), hardly to anyone else
    gp = _csv(out, manifest, "gp_episodes/gp_episodes_2022.csv")
    diabetic = set(gp.filter(pl.col("icpc_code").str.starts_with("T90"))["pseudo_id"])
    a10b = set(meds.filter(pl.col("atc4") == "A10B")["pseudo_id"])
    assert len(a10b & diabetic) > 0.9 * len(a10b) > 0


def test_survey_reaches_three_to_five_percent_of_adults(region):
    out, manifest = region
    for year in YEARS:
        adults = (_population(out, manifest, year)["age"] >= 18).sum()
        respondents = manifest["files"][f"health_survey/health_survey_{year}.csv"]["rows"]
        # sample_data/README.md: about 4 % of adults per survey round
        assert 0.03 <= respondents / adults <= 0.05, (year, respondents, adults)


def test_costliest_five_percent_carry_about_half_of_zvw_cost(region):
    out, manifest = region
    claims = _csv(out, manifest, "zvw_costs/zvw_costs_2022.csv").with_columns(
        amount=pl.col("amount_eur").str.replace(",", ".").cast(pl.Float64))
    per_person = claims.group_by("pseudo_id").agg(pl.col("amount").sum()).sort("amount", descending=True)
    top = per_person.head(int(per_person.height * 0.05))["amount"].sum()
    # sample_data/README.md: costliest 5 % about half of the total
    assert 0.40 <= top / per_person["amount"].sum() <= 0.60


def test_persons_persist_and_the_dead_leave(region):
    out, manifest = region
    y1, y2 = (_population(out, manifest, y) for y in YEARS)
    died = set(y1.filter(pl.col("death_date") != "")["pseudo_id"].to_list())
    assert died and not died & set(y2["pseudo_id"].to_list())
    # a newborn of 2022 first appears on 1 January 2023 with birth_year 2022
    assert (y2["birth_year"] == "2022").sum() > 0 and (y1["birth_year"] == "2022").sum() == 0
    survivors = set(y1["pseudo_id"].to_list()) - died
    assert len(survivors & set(y2["pseudo_id"].to_list())) / len(survivors) > 0.99  # defect rows aside


# --- the seeded intervention ----------------------------------------------------------------------

def test_manifest_states_the_seeded_effect(region, tmp_path):
    _, manifest = region
    wor = manifest["interventions"][0]
    assert wor["intervention_id"] == "welzijn_op_recept" and wor["start_date"] == "2023-01-01"
    assert 3 <= len(wor["buurten"]) <= 5 and wor["outcome"] == "seh_bezoek per persoonjaar"
    # default: participants' ED rate x 0.6 from their start, so a relative change of -0.4
    assert wor["true_relative_effect"] == -0.4
    assert wor["true_participant_effect_per_1000_participant_years"] < 0
    assert wor["expected_area_effect_per_1000_residents"] < 0
    # and a cost effect on one payer (Zvw claims x 0.85 from the start), none on another (Wlz)
    assert wor["cost_effects"]["zvw"]["true_relative_effect"] == -0.15
    assert wor["cost_effects"]["zvw"]["expected_participant_did_eur_per_person_year"] < 0
    assert wor["cost_effects"]["wlz"]["expected_participant_did_eur_per_person_year"] == 0.0
    none = generate(tmp_path, GEMEENTEN, YEARS, seed=SEED, scale=SCALE, intervention_effect=0.0)
    assert none["interventions"][0]["expected_area_effect_per_1000_residents"] == 0.0
    assert none["interventions"][0]["buurten"] == wor["buurten"]


# --- reference loaders ------------------------------------------------------------------------------

def test_reference_loaders_read_the_vendored_files():
    wijken = kwb_wijken(["GM0399"])
    assert wijken.columns == ["wijk_code", "gemeente_code", "inhabitants", "men", "women"]
    assert wijken["inhabitants"].sum() == 24320 and wijken.height == 8  # KWB 2024 Heiloo, 8 wijken
    rivm = rivm_buurten(["GM0399"])
    assert rivm.filter(pl.col("level") == "Buurt").height == 20  # CBS 2020 buurten of Heiloo
    assert rivm.schema["MoeiteMetRondkomen_38"] == pl.Float64
    assert gemeente_names(["GM0361", "GM0399"]) == {"GM0361": "Alkmaar", "GM0399": "Heiloo"}


def test_an_unknown_gemeente_code_names_the_code_and_the_file():
    with pytest.raises(ValueError, match="GM9999.*cbs_85984NED_kwb2024"):
        kwb_wijken(["GM0399", "GM9999"])
    with pytest.raises(ValueError, match="GM9999.*rivm_50090NED"):
        rivm_buurten(["GM9999"])


def test_largest_remainder_keeps_the_region_total():
    from sample_data.buurten import _largest_remainder

    # 2.6 + 2.6 + 2.8 = 8.0: floors 2 + 2 + 2 = 6; the largest remainders (0.8, then the first 0.6) get +1
    assert _largest_remainder(np.array([2.6, 2.6, 2.8])).tolist() == [3, 2, 3]


def test_participatie_euros_are_months_times_the_household_norm(region):
    """benefit_eur = months x the monthly norm of the household type (1,150 institutional .. 1,750 a couple's
    norm), within +-10 %; debt help pays nothing."""
    out, _ = region
    rows = pl.concat([pl.read_csv(p, infer_schema_length=0) for p in sorted((out / "participatie").glob("*.csv"))])
    rows = rows.filter(pl.col("months").cast(pl.Int64) <= 12).with_columns(
        pl.col("months").cast(pl.Int64), pl.col("benefit_eur").cast(pl.Float64))
    assert (rows.filter(pl.col("regulation") == "schuldhulpverlening")["benefit_eur"] == 0).all()
    paid = rows.filter(pl.col("regulation") != "schuldhulpverlening")
    per_month = paid["benefit_eur"] / paid["months"]
    low, high = 0.9 * 1150, 1.1 * 1750
    assert paid.height > 0 and per_month.min() >= low - 1 and per_month.max() <= high + 1
