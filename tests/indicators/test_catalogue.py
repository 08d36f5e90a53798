"""The catalogue loader refuses what it does not know: a typo'd key, an unknown top-level key, a value of the
wrong type or a name that does not exist, each with the file, the line and the nearest known word."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from indicators.catalogue import CATALOGUE_PATH, CatalogueError, check_impact, load_catalogue

# line numbers counted by hand in the text below
SMALL = """\
version: "1.0"
marts:
  person_year:
    table: marts.person_year_indicators
    area_column: buurt_code
    strata: {geslacht: sex}
indicators:
  - id: ph_roken
    name_nl: Rookt
    name_en: Smokes
    aim: population_health
    unit: "%"
    direction: lower_better
    source: health_survey
    mart: person_year
    method: proportion
    numerator: smoker
    denominator: smoker IS NOT NULL
"""
DENOMINATOR_LINE = 18
AIM_LINE = 11


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "catalogue.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def error(tmp_path: Path, text: str) -> str:
    with pytest.raises(CatalogueError) as raised:
        load_catalogue({}, path=write(tmp_path, text))
    return str(raised.value)


def test_the_small_catalogue_loads(tmp_path):
    (roken,) = load_catalogue({}, path=write(tmp_path, SMALL)).indicators
    assert roken.denominator == "smoker IS NOT NULL" and roken.strata == ("totaal", "geslacht")


def test_a_typo_in_a_key_names_file_line_indicator_and_the_key_meant(tmp_path):
    message = error(tmp_path, SMALL.replace("    denominator:", "    denominatr:"))
    assert "catalogue.yaml" in message
    assert (f"line {DENOMINATOR_LINE}: indicator ph_roken has unknown key 'denominatr'; "
            "did you mean 'denominator'?") in message


def test_an_unknown_top_level_key(tmp_path):
    message = error(tmp_path, SMALL + "defualts:\n  min_denominator: 50\n")
    assert "line 19: the catalogue has unknown key 'defualts'; did you mean 'defaults'?" in message


def test_an_unknown_key_of_a_mart_and_of_report(tmp_path):
    message = error(tmp_path, SMALL.replace("    area_column:", "    area_colum:"))
    assert "line 5: mart person_year has unknown key 'area_colum'; did you mean 'area_column'?" in message
    message = error(tmp_path, SMALL + "    report: {hedline: true}\n")
    assert "line 19: indicator ph_roken: report has unknown key 'hedline'; did you mean 'headline'?" in message


def test_a_value_of_the_wrong_type(tmp_path):
    message = error(tmp_path, SMALL + "    multiplier: hundred\n")
    assert "line 19: indicator ph_roken: multiplier must be a number, not 'hundred'" in message
    message = error(tmp_path, SMALL + "    min_denominator: true\n")  # YAML true is no count
    assert "line 19: indicator ph_roken: min_denominator must be a whole number, not True" in message
    message = error(tmp_path, SMALL + "    strata: geslacht\n")
    assert "line 19: indicator ph_roken: strata must be a list of texts, not 'geslacht'" in message


def test_a_name_that_does_not_exist(tmp_path):
    message = error(tmp_path, SMALL.replace("aim: population_health", "aim: population_helth"))
    assert f"line {AIM_LINE}: indicator ph_roken: aim 'population_helth' is not one of" in message
    assert message.endswith("did you mean 'population_health'?")
    message = error(tmp_path, SMALL + "    affected_by: [linkage_coverag]\n")
    assert "line 19: indicator ph_roken: affected_by 'linkage_coverag'" in message
    assert message.endswith("did you mean 'linkage_coverage'?")


def test_a_key_written_twice(tmp_path):
    message = error(tmp_path, SMALL + "    numerator: smoker = 1\n")
    assert "line 19: indicator ph_roken has key 'numerator' twice (also on line 17)" in message


def test_top_fraction_belongs_to_top_share(tmp_path):
    assert "top_fraction belongs to (and is needed by) method top_share" in error(
        tmp_path, SMALL + "    top_fraction: 0.05\n")
    assert "top_fraction belongs to (and is needed by) method top_share" in error(
        tmp_path, SMALL.replace("method: proportion", "method: top_share"))


def test_no_extra_every_key_of_the_real_catalogue_is_a_typed_field():
    """The real catalogue loads; the keys `extra` used to hold are fields with the values written in the file."""
    entries = yaml.safe_load(CATALOGUE_PATH.read_text(encoding="utf-8"))["indicators"]
    catalogue = load_catalogue(_cutoffs(entries))
    ids = {i.id for i in catalogue.indicators}
    assert not hasattr(catalogue.indicators[0], "extra")
    written = {e["id"]: e for e in entries if e["id"] in ids}
    for ind in catalogue.indicators:
        entry = written[ind.id]
        assert ind.rivm_reference == entry.get("rivm_reference")
        assert ind.top_fraction == entry.get("top_fraction")
        assert ind.category_strata == entry.get("category_strata")
        assert ind.affected_by == tuple(entry.get("affected_by", ()))
    assert catalogue.by_id("co_aandeel_top5pct").top_fraction == 0.05


def test_check_impact_is_the_entries_that_name_the_check():
    entries = yaml.safe_load(CATALOGUE_PATH.read_text(encoding="utf-8"))["indicators"]
    naming = [e["id"] for e in entries if "linkage_coverage" in e.get("affected_by", [])]
    # 8, and the five ledger indicators (co_ledger_<law>) of issue 20
    assert len(naming) == 13 and [i for i, _ in check_impact("linkage_coverage")] == naming
    # a template names the check once and stands for every segment in the data
    rows = [{"segment": "gezond", "label_nl": "Gezond"}, {"segment": "complex", "label_nl": "Complex"}]
    impact = check_impact("kaiser_pyramid", {"segments": rows})
    assert [i for i, _ in impact] == ["phm_segment_gezond", "phm_segment_complex"]


def _cutoffs(entries: list[dict]) -> dict:
    """A value for every {cut-off} the entries name (what they are does not matter to these tests)."""
    import string
    names = {name for e in entries for v in e.values() if isinstance(v, str)
             for _, name, _, _ in string.Formatter().parse(v) if name}
    return dict.fromkeys(names, 1)


def test_a_small_area_model_needs_a_survey_share(tmp_path):
    # ph_roken of SMALL is an unweighted proportion (no survey sampling variance for a Fay–Herriot model);
    # the key is appended as line 19, after the 18 lines of SMALL. One folder per text: the loader caches by file.
    folders = [tmp_path / name for name in ("a", "b", "c")]
    for folder in folders:
        folder.mkdir()
    message = error(folders[0], SMALL + "    small_area: fay_herriot\n")
    assert "line 19: indicator ph_roken: small_area must be one of ['fay_herriot'] on a weighted_proportion" in message
    survey = SMALL.replace("method: proportion", "method: weighted_proportion")
    assert "got 'bayes'" in error(folders[1], survey + "    small_area: bayes\n")
    (roken,) = load_catalogue({}, path=write(folders[2], survey + "    small_area: fay_herriot\n")).indicators
    assert roken.small_area == "fay_herriot"


def test_an_indicator_a_layout_cannot_carry_names_the_layout_and_why(tmp_path):
    text = SMALL + '    not_in_layouts: {cbs_microdata: "GEMON heeft geen rookvraag"}\n'
    catalogue = load_catalogue({}, path=write(tmp_path, text))
    assert catalogue.not_delivered("cbs_microdata") == ["ph_roken"] and catalogue.not_delivered("native") == []
    assert catalogue.rows()[0]["not_in_layouts"] == "cbs_microdata: GEMON heeft geen rookvraag"
    (tmp_path / "typo").mkdir()
    (tmp_path / "empty").mkdir()
    assert "'cbs_micordata' is not one of ['cbs_microdata', 'native']" in error(
        tmp_path / "typo", text.replace("cbs_microdata", "cbs_micordata"))
    assert "must say why" in error(tmp_path / "empty", text.replace('"GEMON heeft geen rookvraag"', '""'))


def test_a_known_income_denominator_must_name_the_strata_it_sums(tmp_path):
    # the income strata of this small catalogue's mart are unknown: the group's dimension must be one of the mart's
    text = SMALL + "    denominator_is_stratum: {inkomen:bekend: [inkomen:q1, inkomen:q2]}\n"
    assert "denominator_is_stratum must be one stratum of mart person_year" in error(tmp_path, text)
    good = SMALL.replace("strata: {geslacht: sex}", "strata: {geslacht: sex, inkomen: \"'q' || income_quintile\"}")
    (tmp_path / "good").mkdir()
    links = load_catalogue({}, path=write(tmp_path / "good", good + text[len(SMALL):])).disclosure_links()
    assert links[0]["denominator_is_stratum"] == "inkomen:bekend"
    assert links[0]["stratum_key"] == "person_year|true|rows"
    assert links[0]["stratum_groups"] == [{"stratum": "inkomen:bekend", "member": "inkomen:q1"},
                                          {"stratum": "inkomen:bekend", "member": "inkomen:q2"}]
