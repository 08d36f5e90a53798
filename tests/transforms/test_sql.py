"""The SQL files of the warehouse models: the dependency parser, placeholders, and that every model is an asset."""

import duckdb
import pytest

from pipelines.metadata import table_key
from transforms import code_lists
from transforms.sql import fill, load_sql, model_inputs, model_tables, tables_read
from transforms.warehouse import LOG_TABLES

HAND_WRITTEN = """
-- staging.not_read: a comment names no input
-- reads: ref.target_groups
WITH x AS (SELECT * FROM raw.population p)
SELECT x.*, 'marts.in_a_string' AS label, s.year
FROM x JOIN staging.person_year s ON s.pseudo_id = x.pseudo_id
LEFT JOIN marts.survey_respondent USING (pseudo_id)
WHERE EXISTS (SELECT 1 FROM ref.acsc_icd10 r WHERE r.icd10_prefix = 'A')
"""


def test_tables_read_finds_each_qualified_table_once():
    # FROM raw.population, JOIN staging.person_year, JOIN marts.survey_respondent, the subquery's ref.acsc_icd10
    # and the declared ref.target_groups: 5; the comment, the string literal and the aliases x, s, r are no tables
    assert tables_read(HAND_WRITTEN) == {"raw.population", "staging.person_year", "marts.survey_respondent",
                                         "ref.acsc_icd10", "ref.target_groups"}


def test_model_inputs_of_a_real_file():
    # transforms/sql/staging/person_year.sql: FROM raw.population ... JOIN staging.areas
    assert model_inputs("staging.person_year") == {"raw.population", "staging.areas"}


def test_unknown_placeholder_names_the_file():
    with pytest.raises(KeyError, match=r"staging/phm_base\.sql: unknown placeholder \{k10_moderate\}"):
        load_sql("staging.phm_base", djg_lonely=3, self_rated_poor_min=4)
    assert fill("a >= {x} AND b", {"x": 16}, "here") == "a >= 16 AND b"


def test_every_model_and_its_inputs_are_assets():
    from pipelines.definitions import defs

    keys = {tuple(k.path[1:]) for k in defs.resolve_asset_graph().get_all_asset_keys()}  # without rg_<code>/
    models = model_tables()
    # 12 files in transforms/sql/staging, 12 in transforms/sql/marts, 11 in indicators/sql/candidate
    assert len(models) == 35
    for table in models:
        assert tuple(table_key(table).path) in keys, table
        for read in model_inputs(table) - set(LOG_TABLES):  # the logs are no asset's (transforms/warehouse.py)
            assert tuple(table_key(read).path) in keys, (table, read)


def _target_group_size(cutoffs: dict) -> int:
    """Members of `psychische_klachten` by its rule in target_groups.csv, cut-offs filled from `cutoffs`."""
    con = duckdb.connect()
    code_lists.load_code_lists(con, cutoffs)
    rule = con.execute("SELECT rule FROM ref.target_groups WHERE target_group = 'psychische_klachten'").fetchone()[0]
    con.execute("CREATE TABLE p AS SELECT * FROM (VALUES (15, false), (16, false), (19, false), (20, false), "
                "(25, false), (NULL, false), (10, true)) t(k10_score, has_depressie)")
    flags = "false AS has_angst, NULL::BOOLEAN AS k10_moderate_or_high_reported"  # items, not GEMON's flag
    return con.execute(f"SELECT count(*) FROM p, (SELECT {flags}) WHERE {rule}").fetchone()[0]


def test_a_cutoff_change_changes_the_target_group_by_hand():
    from tests.builders import SETTINGS

    # K10 >= 16: 16, 19, 20, 25 and the person with depression -> 5; K10 >= 20: 20, 25 and depression -> 3
    assert _target_group_size(SETTINGS.cutoffs) == 5
    assert _target_group_size({**SETTINGS.cutoffs, "k10_moderate": 20}) == 3
    with pytest.raises(KeyError, match=r"target_groups\.csv row 4 \(psychische_klachten\)"):
        _target_group_size({k: v for k, v in SETTINGS.cutoffs.items() if k != "k10_moderate"})
