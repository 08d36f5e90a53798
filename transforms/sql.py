"""The SQL of every warehouse model, one file per table: `<package>/sql/<schema>/<table>.sql`.

Models live beside the package that runs them: `transforms/sql/` (staging and marts), `indicators/sql/`
(the publication candidate).

A model's file holds the SELECT that builds its table; the table's name is the file's, so the writer needs
no regex to find it, and the tables a model reads (`tables_read`) are its asset's dependencies: lineage is
declared once, in the SQL. `{name}` placeholders are filled by the caller (rule predicates, cut-offs, the
last configured year); an unfilled one is an error naming the file.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

SQL_DIR = Path(__file__).parent / "sql"
SQL_DIRS = (SQL_DIR, Path(__file__).parents[1] / "indicators" / "sql")
# the schemas of warehouse.duckdb (transforms/warehouse.py: SCHEMAS); a qualified name in one of them is a table
WAREHOUSE_SCHEMAS = ("meta", "ref", "raw", "quarantine", "staging", "marts", "indicators", "quality", "candidate")
PLACEHOLDER = re.compile(r"\{(\w+)\}")
_COMMENT = re.compile(r"--[^\n]*")
# a template's tables that Python reads to fill it (rule tables): declared in its file as `-- reads: a.b, c.d`
_READS = re.compile(r"^--\s*reads:(.*)$", re.M)
_STRING = re.compile(r"'(?:[^']|'')*'")
_QUALIFIED = re.compile(r"(?<![\w.])(" + "|".join(WAREHOUSE_SCHEMAS) + r")\.([A-Za-z_]\w*)\b")


def sql_path(table: str) -> Path:
    """The file of model `schema.table` (in the first SQL folder that has it; else where transforms keeps it)."""
    schema, name = table.split(".")
    found = [d / schema / f"{name}.sql" for d in SQL_DIRS if (d / schema / f"{name}.sql").exists()]
    return found[0] if found else SQL_DIR / schema / f"{name}.sql"


@functools.cache
def _text(table: str) -> str:
    path = sql_path(table)
    if not path.exists():
        raise FileNotFoundError(f"no SQL for {table}: expected {path}")
    return path.read_text(encoding="utf-8")


def fill(template: str, params: dict, where: str) -> str:
    """Replace every `{name}` of `template` by `params[name]`; an unknown name is an error naming `where`."""
    def value(match: re.Match) -> str:
        if match[1] not in params:
            raise KeyError(f"{where}: unknown placeholder {{{match[1]}}}; known: {sorted(params) or 'none'}")
        return str(params[match[1]])
    return PLACEHOLDER.sub(value, template)


def load_sql(table: str, **params) -> str:
    """The SELECT of model `schema.table`, its `{name}` placeholders filled from `params`."""
    return fill(_text(table), params, str(sql_path(table)))


def tables_read(sql: str) -> set[str]:
    """Every warehouse table (`schema.table`) that `sql` names outside comments and string literals, and
    those its `-- reads:` lines declare."""
    code = _STRING.sub("''", _COMMENT.sub("", sql))
    declared = " ".join(_READS.findall(sql))
    return {f"{schema}.{name}" for schema, name in _QUALIFIED.findall(code) + _QUALIFIED.findall(declared)}


def model_tables() -> list[str]:
    """Every model with a SQL file, as `schema.table`."""
    return sorted(f"{p.parent.name}.{p.stem}" for d in SQL_DIRS for p in d.glob("*/*.sql"))


def model_inputs(table: str) -> set[str]:
    """The tables model `table` reads (its own name excluded: a model may read its previous rows)."""
    return tables_read(_text(table)) - {table}
