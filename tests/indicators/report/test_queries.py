"""The report's headline and map indicators are the ones the catalogue flags (`report:`), not a list in code."""

from __future__ import annotations

import polars as pl
import yaml

from indicators.catalogue import CATALOGUE_PATH
from indicators.report.queries import key_indicators, map_indicators

ENTRIES = [e for e in yaml.safe_load(CATALOGUE_PATH.read_text(encoding="utf-8"))["indicators"] if "expand" not in e]
CATALOGUE = pl.DataFrame({"indicator_id": [e["id"] for e in ENTRIES], "aim": [e["aim"] for e in ENTRIES],
                          "catalogue_order": list(range(1, len(ENTRIES) + 1))})
PRESENT = {e["id"] for e in ENTRIES}


def test_headline_indicators_are_those_flagged_in_catalogue_order():
    flagged = [e["id"] for e in ENTRIES if e.get("report", {}).get("headline")]
    assert len(flagged) == 8  # one or two per aim, every aim but phm
    assert key_indicators(CATALOGUE, PRESENT) == flagged


def test_an_aim_whose_headline_is_missing_shows_its_first_indicator():
    flagged = [e["id"] for e in ENTRIES if e.get("report", {}).get("headline")]
    missing = "pw_ziekteverzuim"
    first_other = next(e["id"] for e in ENTRIES if e["aim"] == "professional_wellbeing" and e["id"] != missing)
    assert key_indicators(CATALOGUE, PRESENT - {missing}) == [i for i in flagged if i != missing] + [first_other]


def test_map_indicators_are_those_flagged_in_menu_order():
    flagged = sorted((e["report"]["map"], e["id"]) for e in ENTRIES if "map" in e.get("report", {}))
    assert [place for place, _ in flagged] == list(range(1, len(flagged) + 1))  # 1, 2, ... without gaps
    assert map_indicators(PRESENT) == [i for _, i in flagged]
    assert map_indicators(PRESENT - {flagged[0][1]}) == [i for _, i in flagged[1:]]
