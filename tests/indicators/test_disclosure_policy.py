"""The disclosure policy: its defaults are the ones the README documents, and bad values are refused by name."""

import re

import pytest

from indicators.disclosure_policy import DisclosurePolicy
from pipelines.config import REPO_ROOT


def _readme_numbers() -> dict[str, float]:
    """The thresholds as the README's "Disclosure control" section states them in prose."""
    text = " ".join((REPO_ROOT / "README.md").read_text(encoding="utf-8").split())
    found = {
        "min_count": r"fewer than (\d+) persons behind a cell",
        "min_denominator": r"a denominator below (\d+) for proportions",
        "min_respondents": r"fewer than (\d+) survey respondents",
        "min_cost_persons": r"a cost cell of fewer than (\d+) persons",
        "rounding_base": r"Counts are rounded half up to a multiple of (\d+)",
        "protection_width": r"exclude `v - (\d+)` nor `v \+ \d+` \(`protection_width`\)",
        "magnitude_protection": r"not `([0-9.]+) x` nor",
        "min_units": r"\*\*organisations\*\* \(workforce\): fewer than (\d+) behind a cell",
    }
    numbers = {key: float(re.search(pattern, text).group(1)) for key, pattern in found.items()}
    numbers["magnitude_protection"] = 1 - numbers["magnitude_protection"]  # "not 0.75 x": 25 % room
    assert "more than half of a cost cell" in text and "one carrying more than half of its numerator" in text
    return {**numbers, "dominance_share": 0.5, "unit_dominance_share": 0.5}


def test_defaults_are_the_documented_ones():
    policy = DisclosurePolicy()
    assert {k: float(v) for k, v in policy.as_dict().items()} == pytest.approx(_readme_numbers())
    # and, written out by hand: 10 persons, 50 in a denominator, 30 respondents, 10 in a cost cell, half,
    # multiples of 5, +-5 persons, 25 %, 3 organisations, half
    assert policy == DisclosurePolicy(10, 50, 30, 10, 0.5, 5, 5, 0.25, 3, 0.5)


def test_an_unknown_key_is_named_with_a_suggestion():
    with pytest.raises(ValueError, match=r"disclosure.min_cont is not a disclosure setting \(did you mean min_count\?\)"):
        DisclosurePolicy.from_mapping({"min_cont": 5})


@pytest.mark.parametrize(("key", "bad", "fragment"), [
    ("dominance_share", 1.5, "disclosure.dominance_share = 1.5 must lie in (0, 1]"),
    ("rounding_base", 0, "disclosure.rounding_base = 0 must be >= 1"),
    ("min_units", 2.5, "disclosure.min_units = 2.5 must be >= 1 and a whole number"),
])
def test_a_bad_value_is_named(key, bad, fragment):
    with pytest.raises(ValueError) as err:
        DisclosurePolicy.from_mapping({key: bad})
    assert fragment in str(err.value)
