"""The workspace.yaml of a deployment: one code location per region of the configuration."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from pipelines.config import REPO_ROOT, Settings


def location_name(region_code: str) -> str:
    """The code location, asset key prefix and module attribute of a region: `rg_alkmaar` for RG_ALKMAAR."""
    return region_code.lower()


def workspace_yaml(regions: Iterable[Settings], working_directory: Path = REPO_ROOT) -> str:
    """One `python_module` location per region, loading `pipelines.definitions.<location>`.

    Daemon, webserver and code servers must see the same PHM_CONFIG and PHM_DATA_DIR as `phm`; the file is
    regenerated (`phm workspace`) when a region is added, and a location is reloaded after its region's
    settings change."""
    lines = ["# One code location per region of the configuration; written by `phm workspace`.", "load_from:"]
    for settings in regions:
        name = location_name(settings.region_code)
        lines += [f"  - python_module:  # {settings.region_name}",
                  "      module_name: pipelines.definitions",
                  f"      attribute: {name}",
                  f"      location_name: {name}",
                  f"      working_directory: {working_directory}"]
    return "\n".join(lines) + "\n"
