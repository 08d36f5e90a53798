"""Synthetic landing data for a region: every source of the landing contracts (quality/contracts.py), per year, with a manifest.

`generate()` is the public entry point. The same arguments give byte-identical files. Each part
draws from its own seeded stream (sample_data.random_streams); the manifest records what was
written, every injected defect (so tests can expect exact quarantine counts) and the true effect of
the seeded intervention (so the evaluation can be checked against it).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl

from quality.contracts import LAYOUTS
from sample_data.buurten import load_buurten
from sample_data.cbs_files import write_cbs
from sample_data.defects import STAGING_DUPLICATE_SOURCES, Injected, inject
from sample_data.gp_episodes import build_gp_episodes
from sample_data.hospital import build_hospital
from sample_data.interventions import Intervention, choose_interventions, intervention_frames
from sample_data.medicines import build_medicines
from sample_data.population import build_people, population_frame
from sample_data.random_streams import stream
from sample_data.social_domain import build_jeugd, build_participatie, build_wmo
from sample_data.survey import build_survey
from sample_data.wlz import build_wlz
from sample_data.workforce import build_workforce
from sample_data.writers import FORMATS, MALFORMED_EXTRA_FIELD, file_name, split_by_file_year, write_file
from sample_data.zvw import apply_cost_effect, build_zvw

DEFAULT_EFFECT = -0.4   # Welzijn op Recept: ED visits x 0.6 for participants from their start
DEFAULT_COST_EFFECT = -0.15  # Welzijn op Recept: Zvw GP + hospital claims x 0.85 from the start; Wlz unchanged
GENERATED_BY = "phm-pipeline sample_data"
OUTCOME = "seh_bezoek per persoonjaar"
OUTCOME_INDICATOR = "eq_seh_per_1000"




def generate(out_dir: Path, gemeenten: list[str], years: list[int], seed: int = 20241, scale: float = 1.0,
             intervention_effect: float | None = None, layout: str = "native",
             cost_effect: float | None = None) -> dict:
    """Write the landing files of a synthetic region under `out_dir` and return the generator manifest.

    Files are `out_dir/<source>/<source>_<year>.<csv|parquet>`; the manifest is also written to
    `out_dir/generator_manifest.json`. `scale` multiplies the number of residents;
    `intervention_effect` is the relative change in participants' ED visits after their start
    (None: the default -0.4; 0.0: no effect); `cost_effect` the relative change in their Zvw GP and hospital
    claims (sample_data/zvw.py: apply_cost_effect; None: the default -0.15; 0.0: none). `layout="cbs_microdata"` writes the same persons and
    records (without the injected defects) as CBS Remote Access files under `out_dir/cbs`
    (sample_data/cbs_files.py) instead.
    """
    if layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}; expected one of {', '.join(LAYOUTS)}")
    out_dir = Path(out_dir)
    gemeenten = list(dict.fromkeys(str(g).strip() for g in gemeenten))
    years = sorted({int(y) for y in years})
    if not years:
        raise ValueError("no years given; expected e.g. [2022, 2023, 2024]")
    if not scale > 0:
        raise ValueError(f"scale must be positive, got {scale}")
    effect = DEFAULT_EFFECT if intervention_effect is None else float(intervention_effect)
    if effect < -1.0:
        raise ValueError(f"intervention_effect is a relative change and cannot be below -1, got {effect}")
    cost = DEFAULT_COST_EFFECT if cost_effect is None else float(cost_effect)
    if cost < -1.0:
        raise ValueError(f"cost_effect is a relative change and cannot be below -1, got {cost}")
    span = list(range(years[0], years[-1] + 1))  # simulate every year in between, write the configured ones

    buurten = load_buurten(gemeenten, scale, stream(seed, "buurten"))
    people = build_people(buurten, span, seed)
    wlz = build_wlz(stream(seed, "wlz"), people)
    gp, hip_fractures = build_gp_episodes(stream(seed, "gp_episodes"), people)
    chosen = choose_interventions(stream(seed, "interventions"), people, buurten, years)
    interventions = [iv for iv in chosen if iv.buurten]
    hospital = build_hospital(stream(seed, "hospital_events"), people, interventions, hip_fractures, effect)
    zvw, cost_truth = apply_cost_effect(build_zvw(stream(seed, "zvw_costs"), people, hospital, wlz), people,
                                        interventions, cost)
    frames: dict[str, pl.DataFrame] = {
        "population": pl.concat([population_frame(people, y, wlz.institutional[:, people.k(y)], buurten.code)
                                 for y in span]),
        "gp_episodes": gp,
        "hospital_events": hospital.frame,
        "zvw_costs": zvw,
        "wmo": build_wmo(stream(seed, "wmo"), people),
        "jeugd": build_jeugd(stream(seed, "jeugd"), people),
        "participatie": build_participatie(stream(seed, "participatie"), people),
        "wlz": wlz.frame,
        "medicines": build_medicines(stream(seed, "medicines"), people),
        "health_survey": build_survey(stream(seed, "health_survey"), people, buurten, wlz),
        "workforce": build_workforce(stream(seed, "workforce"), gemeenten, span),
        **intervention_frames(people, interventions),
    }

    if layout == "cbs_microdata":
        header = {"seed": seed, "scale": scale, "gemeenten": gemeenten, "years": years, "generated_by": GENERATED_BY}
        return write_cbs(out_dir / "cbs", stream(seed, "cbs_layout"), people, buurten.code, frames, years, header)

    manifest: dict = {
        "seed": seed, "scale": scale, "gemeenten": gemeenten, "years": years, "generated_by": GENERATED_BY,
        "residents": {}, "files": {}, "defects": {}, "expected_quarantine": {}, "staging_duplicates": {},
        "unlinked_records": {},
    }
    linked = np.zeros(len(people), dtype=bool)  # persons with a population row that passes its contract
    for source in FORMATS:  # population first: the other files' linkage is counted against it
        fmt = FORMATS[source]
        rng = stream(seed, f"defects/{source}")
        for year, part in split_by_file_year(source, frames[source], years).items():
            if source in ("interventions", "intervention_participants") and part.is_empty():
                continue  # delivered when something starts
            injected = inject(rng, part, source)
            name = file_name(source, year)
            write_file(out_dir / name, injected.frame.drop("_person", strict=False), fmt, injected.malformed,
                       MALFORMED_EXTRA_FIELD.get(source, True))
            manifest["files"][name] = {"source": source, "year": year, "rows": injected.frame.height,
                                       **fmt.manifest()}
            if injected.defects:
                manifest["defects"][name] = injected.defects
            manifest["expected_quarantine"][name] = sum(injected.defects.values())
            if source in STAGING_DUPLICATE_SOURCES:
                manifest["staging_duplicates"][name] = injected.staging_duplicates
            loaded = _loaded_persons(injected)  # person index per loaded row, -1 = nobody of the region
            if source == "population":
                manifest["residents"][str(year)] = len(loaded)
                linked[loaded] = True
            elif loaded is not None:  # unlinked: loaded records of nobody with a loaded population row
                unlinked = (loaded < 0) | ~linked[np.maximum(loaded, 0)]
                manifest["unlinked_records"][name] = int(unlinked.sum())
    manifest["interventions"] = [_intervention_entry(iv, hospital.truth.get(iv.intervention_id, {}),
                                                     cost_truth.get(iv.intervention_id, {}))
                                 for iv in interventions]
    text = json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "generator_manifest.json").write_text(text, encoding="utf-8")
    return json.loads(text)


def _loaded_persons(injected: Injected) -> np.ndarray | None:
    """Person index of every row the ingest contracts will load (all but the injected defects)."""
    if "_person" not in injected.frame.columns:
        return None
    keep = np.ones(injected.frame.height, dtype=bool)
    keep[injected.quarantined] = False
    return injected.frame["_person"].to_numpy()[keep]


def _intervention_entry(iv: Intervention, truth: dict[str, float], cost_truth: dict[str, dict[str, float]]) -> dict:
    """The manifest entry of an intervention: where and when, and its true and expected effects (ED visits;
    cost per law, under `cost_effects`: the seeded law and one left unchanged)."""
    return {
        "intervention_id": iv.intervention_id,
        "name": iv.name,
        "target_group": iv.target_group,
        "start_date": str(np.datetime64(int(iv.start_day), "D")),
        "buurten": list(iv.buurten),
        "participants": int(len(iv.person)),
        "outcome": OUTCOME,
        "outcome_indicator": OUTCOME_INDICATOR,
        **{key: round(float(value), 6) for key, value in sorted(truth.items())},
        "cost_effects": {law: {key: round(float(value), 6) for key, value in sorted(values.items())}
                         for law, values in sorted(cost_truth.items())},
    }
