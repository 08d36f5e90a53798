"""Independent, named random streams derived from the one generator seed.

Each part of the generator draws from its own stream, so that changing how (say) the survey is
drawn never changes the population or the claims of the same seed.
"""

from __future__ import annotations

import zlib

import numpy as np


def stream(seed: int, name: str) -> np.random.Generator:
    """The random generator of part `name` for `seed` (stable across runs and platforms)."""
    return np.random.default_rng(np.random.SeedSequence([int(seed), zlib.crc32(name.encode("utf-8"))]))
