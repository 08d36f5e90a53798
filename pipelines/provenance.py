"""Where a publication comes from: code version and run timing."""

from __future__ import annotations

import subprocess
from importlib.metadata import PackageNotFoundError, version

from pipelines.config import REPO_ROOT


def code_version() -> str:
    """The git commit (with +dirty when the tree has changes), else the package version."""
    try:
        sha = subprocess.run(["git", "-C", str(REPO_ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                             text=True, timeout=5, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(REPO_ROOT), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=5).stdout.strip()
        return sha + ("+dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        try:
            return version("phm-pipeline")
        except PackageNotFoundError:
            return "unknown"
