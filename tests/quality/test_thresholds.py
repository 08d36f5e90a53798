"""The check thresholds of [checks]: defaults in one place, an unknown key refused by name."""

import pytest

from quality.thresholds import CheckThresholds


def test_defaults_are_those_of_the_shipped_phm_toml():
    # phm.toml: min_linkage_coverage = 0.95, max_quarantine_share = 0.02, run_to_run_tolerance = 1e-9
    assert CheckThresholds() == CheckThresholds(0.95, 0.02, 1e-9)


def test_an_unknown_key_is_named_with_a_suggestion():
    with pytest.raises(ValueError) as err:
        CheckThresholds.from_mapping({"min_linkage_coverag": 0.9})
    assert str(err.value).startswith("checks.min_linkage_coverag is not a check threshold "
                                     "(did you mean min_linkage_coverage?)")


def test_missing_keys_keep_their_default_and_whole_numbers_become_floats():
    thresholds = CheckThresholds.from_mapping({"max_quarantine_share": 0, "min_linkage_coverage": 1})
    assert thresholds == CheckThresholds(1.0, 0.0, 1e-9)
    assert isinstance(thresholds.min_linkage_coverage, float)


@pytest.mark.parametrize(("key", "bad", "fragment"), [
    ("min_linkage_coverage", 1.5, "checks.min_linkage_coverage = 1.5 must lie in [0, 1]"),
    ("run_to_run_tolerance", -1e-9, "checks.run_to_run_tolerance = -1e-09 must be >= 0"),
    ("max_quarantine_share", "2%", "checks.max_quarantine_share = '2%' must be a number"),
    ("max_quarantine_share", True, "checks.max_quarantine_share = True must be a number"),
])
def test_a_bad_value_is_named(key, bad, fragment):
    with pytest.raises(ValueError) as err:
        CheckThresholds.from_mapping({key: bad})
    assert fragment in str(err.value)
