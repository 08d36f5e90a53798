"""The wijk page's table of model-based survey estimates: Dutch numbers, the note, and an empty case."""

import polars as pl

from indicators.report.sections import SMALL_AREA_NOTE, small_area


def test_direct_and_model_values_in_dutch():
    rows = pl.DataFrame({"area_name": ["Centrum <oost>"], "name_nl": ["Eenzaam"], "direct_value": [31.26],
                         "value": [27.04], "ci_low": [21.5], "ci_high": [32.58], "direct_weight": [0.314]})
    out = small_area(rows)
    assert out.startswith(SMALL_AREA_NOTE)
    # 31.26 -> "31,3" (one decimal, decimal comma), interval "21,5 – 32,6", weight 0.314 -> "0,31"; name escaped
    for text in ("Centrum &lt;oost&gt;", ">31,3<", ">27,0<", "21,5 – 32,6", ">0,31<"):
        assert text in out


def test_no_rows_says_why():
    assert "te weinig gepubliceerde buurtcijfers" in small_area(pl.DataFrame())
