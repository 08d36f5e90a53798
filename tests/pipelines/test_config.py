"""Settings are parsed, validated and resolved once: typed sections, errors that name file and key, and the
3.7 MB RIVM reference file read once per version of it."""

import os
import shutil

import pytest

import pipelines.config as config
from indicators.disclosure_policy import DisclosurePolicy
from pipelines.config import REPO_ROOT, ConfigError, load_regions, load_settings
from quality.thresholds import CheckThresholds

REFERENCE = REPO_ROOT / "sample_data" / "reference"


def write(tmp_path, extra: str = "", reference=REFERENCE):
    """A minimal phm.toml: one region (Heiloo), two years, `extra` appended."""
    path = tmp_path / "phm.toml"
    path.write_text(f'[region]\ncode = "RG_TEST"\ngemeenten = ["GM0399"]\n\n'
                    f'[run]\nyears = [2022, 2023]\nreference_dir = "{reference}"\n\n{extra}', encoding="utf-8")
    return path


@pytest.fixture
def parses(monkeypatch):
    """How often the configuration file is parsed (a counter on the loader's own parse step)."""
    calls = []
    real = config.parse_toml
    monkeypatch.setattr(config, "parse_toml", lambda path: calls.append(path) or real(path))
    return calls


def test_sections_left_out_get_the_typed_defaults(tmp_path):
    s = load_settings(write(tmp_path))
    assert s.disclosure == DisclosurePolicy(10, 50, 30, 10, 0.5, 5, 5, 0.25, 3, 0.5)
    assert s.checks == CheckThresholds(0.95, 0.02, 1e-9)


def test_configured_values_are_typed(tmp_path):
    s = load_settings(write(tmp_path, "[disclosure]\nmin_count = 5\n\n[checks]\nmin_linkage_coverage = 1\n"))
    assert s.disclosure.min_count == 5 and s.disclosure.min_denominator == 50
    assert s.checks.min_linkage_coverage == 1.0 and isinstance(s.checks.min_linkage_coverage, float)


@pytest.mark.parametrize(("extra", "fragments"), [
    ("[checks]\nmin_linkage_coverag = 0.9\n",
     ["[checks.min_linkage_coverag] unknown key (did you mean min_linkage_coverage?)"]),
    ("[checks]\nmax_quarantine_share = 2\n", ["[checks.max_quarantine_share] = 2 must lie in [0, 1]"]),
    ("[disclosure]\ndominance_share = 1.5\n", ["[disclosure.dominance_share] = 1.5 must lie in (0, 1]"]),
    ("[disclosure]\nmin_count = 0\n", ["[disclosure.min_count] = 0 must be >= 1"]),
    ("[disclosure]\nmin_cont = 5\n", ["[disclosure.min_cont] unknown key (did you mean min_count?)"]),
])
def test_a_bad_threshold_names_file_table_and_key(tmp_path, extra, fragments):
    path = write(tmp_path, extra)
    with pytest.raises(ConfigError) as err:
        load_settings(path)
    assert str(err.value).startswith(f"{path.resolve()}: ")
    for fragment in fragments:
        assert fragment in str(err.value)


def test_load_regions_parses_the_file_once(tmp_path, parses):
    path = write(tmp_path, '[regions.RG_TWEE]\nname = "Twee"\ngemeenten = ["GM0361"]\n')
    assert [s.region_code for s in load_regions(path)] == ["RG_TEST", "RG_TWEE"]
    assert len(parses) == 1


def test_the_rivm_reference_is_read_once_per_version_of_the_file(tmp_path):
    reference = tmp_path / "reference"
    reference.mkdir()
    csv = reference / config.RIVM_2020
    shutil.copy(REFERENCE / config.RIVM_2020, csv)
    shutil.copy(REFERENCE / "cbs_cpi_jaarmutatie.csv", reference)  # [prices]: the CPI series is read too
    path = write(tmp_path, reference=reference)
    config._gemeenten_of.cache_clear()
    load_settings(path)
    load_settings(path)
    assert (config._gemeenten_of.cache_info().misses, config._gemeenten_of.cache_info().hits) == (1, 1)
    # a new delivery of the reference file (another modification time) is read again
    stat = csv.stat()
    os.utime(csv, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    load_settings(path)
    assert config._gemeenten_of.cache_info().misses == 2


def test_completeness_left_out_gets_the_gate_defaults_and_a_key_of_it_is_checked(tmp_path):
    s = load_settings(write(tmp_path, "[completeness]\nmin_share_of_previous_year = 0.3\n"))
    assert s.completeness == {"optional": ["interventions", "intervention_participants"],
                              "min_share_of_previous_year": 0.3, "min_population_share_of_previous_year": 0.9,
                              "min_records_per_resident": {}}
    with pytest.raises(ConfigError, match=r"\[completeness.min_share_of_previus_year\] unknown key \(did you mean "
                                          r"min_share_of_previous_year\?\)"):
        load_settings(write(tmp_path, "[completeness]\nmin_share_of_previus_year = 0.3\n"))


def test_price_base_year_defaults_to_the_last_year_and_is_validated(tmp_path):
    assert load_settings(write(tmp_path)).price_year == 2023  # [run] years = [2022, 2023]
    assert load_settings(write(tmp_path, "[prices]\nbase_year = 2015\n")).price_year == 2015
    with pytest.raises(ConfigError, match=r"\[prices.base_year\] must be a year"):
        load_settings(write(tmp_path, '[prices]\nbase_year = "2024"\n'))
    with pytest.raises(ConfigError, match=r"\[prices.base\] unknown key \(did you mean base_year\?\)"):
        load_settings(write(tmp_path, "[prices]\nbase = 2024\n"))


def test_a_year_beyond_the_cpi_series_stops_the_configuration_naming_file_and_year(tmp_path):
    reference = tmp_path / "reference"
    shutil.copytree(REFERENCE, reference, ignore=shutil.ignore_patterns("*.geojson", "cbs_85984*", "*2016*",
                                                                          "*65plus*"))
    lines = (reference / "cbs_cpi_jaarmutatie.csv").read_text(encoding="utf-8").splitlines()
    (reference / "cbs_cpi_jaarmutatie.csv").write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8")  # no 2024
    path = tmp_path / "phm.toml"
    path.write_text(f'[region]\ncode = "RG_TEST"\ngemeenten = ["GM0399"]\n\n[run]\nyears = [2023, 2024]\n'
                    f'reference_dir = "{reference}"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"cbs_cpi_jaarmutatie.csv: no CPI change for 2024; add the line '2024,"):
        load_settings(path)
