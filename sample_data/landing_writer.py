"""Writing a synthetic region as landing files, with a documented number of realistic defects.

`generate()` is the entry point behind `phm generate`: deterministic for a seed (same
arguments, byte-identical files), every defect counted in `generator_manifest.json` so that
tests can expect exact quarantine counts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from sample_data.synthetic_people import (
    build_people,
    choose_interventions,
    gp_rows,
    hospital_rows,
    population_rows,
    provision_rows,
    survey_rows,
    workforce_rows,
    zvw_rows,
)
from sample_data.synthetic_region import load_region, pseudo_ids

DEFECT_RATE = 0.0005          # share of rows per defect kind (at least one per file)
DEFAULT_EFFECT = -0.4         # Welzijn op Recept: 40 % fewer ED visits for participants after their start
BSN_LIKE = "111222333"        # 9 digits that pass the elfproef: what a BSN leak looks like


@dataclass(frozen=True)
class Format:
    kind: str                 # csv | parquet
    encoding: str = "utf-8"
    delimiter: str = ","

    @property
    def decimal(self) -> str:
        return "," if self.delimiter == ";" else "."


FORMATS = {
    "population": Format("csv"), "gp_episodes": Format("csv"), "participatie": Format("csv"),
    "health_survey": Format("csv"), "intervention_participants": Format("csv"),
    "zvw_costs": Format("parquet"), "workforce": Format("csv", delimiter=";"),
    "wmo": Format("csv", "windows-1252", ";"), "jeugd": Format("csv", "windows-1252", ";"),
    "interventions": Format("csv", "windows-1252", ";"),
    "hospital_events": Format("parquet"), "wlz": Format("parquet"),
}

# Defect kinds per source: (kind, column, how). Each defective row carries exactly one defect.
DEFECTS = {
    "population": ["unknown_buurt", "invalid_pseudo_id", "duplicate_key"],
    "gp_episodes": ["impossible_date", "malformed_row"],
    "hospital_events": ["impossible_date", "invalid_code"],
    "zvw_costs": ["out_of_range"],
    "wmo": ["impossible_date"], "jeugd": ["impossible_date"], "wlz": ["impossible_date"],
    "participatie": ["out_of_range"],
    "health_survey": ["out_of_range", "malformed_row"],
    "workforce": ["out_of_range"],
}
STAGING_DUPLICATES = ("gp_episodes", "hospital_events")
UNLINKED = ("gp_episodes", "hospital_events", "zvw_costs")
OUT_OF_RANGE = {"zvw_costs": ("insured_days", 400), "participatie": ("months", 13),
                "health_survey": ("k10_03", 7), "workforce": ("burnout_complaints_pct", 140.0)}
SORT_KEYS = {"population": ["pseudo_id"], "zvw_costs": ["pseudo_id", "cost_category"],
             "participatie": ["pseudo_id", "regulation"], "health_survey": ["pseudo_id"],
             "workforce": ["org_id"], "interventions": ["intervention_id", "buurt_code"],
             "intervention_participants": ["intervention_id", "pseudo_id"]}


def _mutate(frame: pl.DataFrame, source: str, kind: str, rows: np.ndarray) -> pl.DataFrame:
    mask = pl.Series(np.isin(np.arange(frame.height), rows))
    if kind == "unknown_buurt":
        return frame.with_columns(buurt_code=pl.when(mask).then(pl.lit("BU99999999")).otherwise("buurt_code"))
    if kind == "invalid_pseudo_id":
        return frame.with_columns(pseudo_id=pl.when(mask).then(pl.lit(BSN_LIKE)).otherwise("pseudo_id"))
    if kind == "impossible_date":
        return frame.with_columns(end_date=pl.when(mask).then(pl.col("start_date") - pl.duration(days=30))
                                  .otherwise("end_date"))
    if kind == "invalid_code":
        return frame.with_columns(event_type=pl.when(mask).then(pl.lit("onbekend")).otherwise("event_type"))
    if kind == "out_of_range":
        column, value = OUT_OF_RANGE[source]
        return frame.with_columns(pl.when(mask).then(pl.lit(value)).otherwise(pl.col(column))
                                  .cast(frame.schema[column]).alias(column))
    return frame  # malformed_row and duplicate_key are applied when writing


def _inject(frame: pl.DataFrame, source: str, rng: np.random.Generator):
    """Apply defects to one file's rows; returns the frame, defect counts, extra copies and marked lines."""
    kinds = DEFECTS.get(source, [])
    per_kind = max(1, int(round(frame.height * DEFECT_RATE)))
    needed = per_kind * (len(kinds) + 2)
    if frame.height < needed + 2:
        return frame, {}, 0, 0, []
    chosen = rng.choice(frame.height, size=needed, replace=False)
    defects: dict[str, int] = {}
    malformed_rows: list[int] = []
    duplicate_rows: list[int] = []
    for i, kind in enumerate(kinds):
        rows = np.sort(chosen[i * per_kind:(i + 1) * per_kind])
        defects[kind] = len(rows)
        if kind == "malformed_row":
            malformed_rows = rows.tolist()
        elif kind == "duplicate_key":
            duplicate_rows = rows.tolist()
        else:
            frame = _mutate(frame, source, kind, rows)
    spare = np.sort(chosen[len(kinds) * per_kind:])
    unlinked = 0
    if source in UNLINKED:
        rows = spare[:per_kind]
        new_ids = pseudo_ids(rng, len(rows))
        mask = np.isin(np.arange(frame.height), rows)
        replacement = np.array(frame["pseudo_id"].to_list(), dtype=object)
        replacement[mask] = new_ids
        frame = frame.with_columns(pseudo_id=pl.Series(replacement.astype(str)))
        unlinked = len(rows)
    staged = 0
    if source in STAGING_DUPLICATES:
        copies = frame[spare[per_kind:].tolist()]
        frame = pl.concat([frame, copies])
        staged = copies.height
    if duplicate_rows:
        frame = pl.concat([frame, frame[duplicate_rows]])
    return frame, defects, staged, unlinked, malformed_rows


def _write(frame: pl.DataFrame, path: Path, fmt: Format, malformed: list[int], drop_field: bool) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt.kind == "parquet":
        frame.write_parquet(path, compression="zstd", statistics=False)
        return
    text = frame.write_csv(separator=fmt.delimiter, decimal_comma=fmt.decimal == ",", float_precision=None)
    if malformed:
        lines = text.split("\n")
        for row in malformed:  # a handful of lines per file: one field missing or one too many
            line = lines[row + 1]
            lines[row + 1] = line.rsplit(fmt.delimiter, 1)[0] if drop_field else line + fmt.delimiter + "extra"
        text = "\n".join(lines)
    path.write_bytes(text.encode(fmt.encoding if fmt.encoding != "windows-1252" else "cp1252"))


def generate(out_dir: Path, gemeenten: list[str], years: list[int], seed: int = 20241, scale: float = 1.0,
             intervention_effect: float | None = None) -> dict:
    """Write every landing file of a synthetic region and `generator_manifest.json`; returns the manifest."""
    out_dir = Path(out_dir)
    effect = DEFAULT_EFFECT if intervention_effect is None else float(intervention_effect)
    rng = np.random.default_rng(seed)
    region = load_region(list(gemeenten), scale)
    people = build_people(rng, region, list(years))
    interventions = choose_interventions(rng, people, region, list(years))
    hospital, truth = hospital_rows(rng, people, region, list(years), interventions, effect)
    provisions = provision_rows(rng, people, list(years))
    frames = {
        "population": population_rows(people, region, list(years)),
        "gp_episodes": gp_rows(rng, people, list(years)),
        "hospital_events": hospital,
        "zvw_costs": zvw_rows(rng, people, list(years)),
        **provisions,
        "health_survey": survey_rows(rng, people, region, list(years)),
        "workforce": workforce_rows(rng, region, list(years)),
        **_intervention_frames(rng, people, interventions),
    }
    manifest: dict = {"seed": seed, "scale": scale, "gemeenten": list(gemeenten), "years": list(years),
                      "generated_by": "phm-pipeline sample_data", "residents": {}, "files": {}, "defects": {},
                      "expected_quarantine": {}, "staging_duplicates": {}, "unlinked_records": {}}
    for source in sorted(frames):
        fmt = FORMATS[source]
        frame = frames[source]
        for year in years:
            part = frame.filter(pl.col("_year") == year).drop("_year")
            if part.is_empty():
                continue
            part = part.sort(SORT_KEYS.get(source, ["pseudo_id", "start_date"]), maintain_order=True)
            part, defects, staged, unlinked, malformed = _inject(part, source, rng)
            name = f"{source}/{source}_{year}.{fmt.kind}"
            _write(part, out_dir / name, fmt, malformed, drop_field=source == "health_survey")
            manifest["files"][name] = {"source": source, "year": year, "rows": part.height, "format": fmt.kind,
                                       "encoding": fmt.encoding if fmt.kind == "csv" else None,
                                       "delimiter": fmt.delimiter if fmt.kind == "csv" else None,
                                       "decimal": fmt.decimal if fmt.kind == "csv" else None}
            if defects:
                manifest["defects"][name] = defects
                manifest["expected_quarantine"][name] = sum(defects.values())
            if staged:
                manifest["staging_duplicates"][name] = staged
            if unlinked:
                manifest["unlinked_records"][name] = unlinked
            if source == "population":
                manifest["residents"][str(year)] = part.height - sum(defects.values())
    manifest["interventions"] = _truth(interventions, truth, effect)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "generator_manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True),
                                                      encoding="utf-8")
    return manifest


def _intervention_frames(rng, people, interventions) -> dict[str, pl.DataFrame]:
    rows, parts = [], []
    for iv in interventions:
        year = int(str(iv.start)[:4])
        rows.append(pl.DataFrame({"intervention_id": iv.intervention_id, "name": iv.name,
                                  "target_group": iv.target_group, "buurt_code": iv.buurten,
                                  "start_date": np.full(len(iv.buurten), iv.start), "end_date": None,
                                  "_year": year}))
        referral = iv.starts - np.array(rng.integers(7, 22, len(iv.participants)), dtype="timedelta64[D]")
        parts.append(pl.DataFrame({
            "pseudo_id": people.pid[iv.participants], "intervention_id": iv.intervention_id,
            "referral_date": referral, "start_date": iv.starts,
            "completed": rng.random(len(iv.participants)) < 0.7,
            "_year": referral.astype("datetime64[Y]").astype(int) + 1970}))
    interventions_frame = pl.concat(rows).with_columns(pl.col("start_date").cast(pl.Date),
                                                        pl.col("end_date").cast(pl.Date))
    participants = pl.concat(parts).with_columns(pl.col("referral_date").cast(pl.Date),
                                                 pl.col("start_date").cast(pl.Date),
                                                 pl.col("_year").cast(pl.Int64))
    return {"interventions": interventions_frame, "intervention_participants": participants}


def _truth(interventions, truth: dict, effect: float) -> list[dict]:
    wor = interventions[0]
    per_participant = 1000 * truth["prevented"] / truth["participant_years"] if truth["participant_years"] else 0.0
    area = 1000 * truth.get("area_prevented", 0.0) / truth["area_years"] if truth["area_years"] else 0.0
    return [
        {"intervention_id": wor.intervention_id, "start_date": str(wor.start), "buurten": wor.buurten,
         "target_group": wor.target_group, "participants": int(len(wor.participants)),
         "outcome": "seh_bezoek per persoonjaar", "outcome_indicator": "eq_seh_per_1000",
         "true_relative_effect": effect,
         "true_participant_effect_per_1000_participant_years": per_participant,
         "expected_participant_did_per_1000": 1000 * truth.get("start_year_prevented", 0.0)
         / max(truth.get("start_year_participants", 0), 1),
         "expected_area_effect_per_1000_residents": area},
        {"intervention_id": interventions[1].intervention_id, "start_date": str(interventions[1].start),
         "buurten": interventions[1].buurten, "target_group": interventions[1].target_group,
         "participants": int(len(interventions[1].participants)), "outcome": None,
         "true_relative_effect": 0.0},
    ]
