"""The disclosure policy: the thresholds of `[disclosure]` in phm.toml, with their defaults in one place.

Disclosure control (`indicators/disclosure.py`), the attacker's audit (`quality/disclosure_audit.py`) and the
publish assets all read this one object, so a threshold cannot mean one thing to the suppression and another
to the audit that checks it. Kept free of heavy imports: the configuration loader imports it on every start.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

from quality.thresholds import refuse_unknown

WHOLE_NUMBERS = ("min_count", "min_denominator", "min_respondents", "min_cost_persons", "rounding_base",
                 "protection_width", "min_units")
SHARES = ("dominance_share", "magnitude_protection", "unit_dominance_share")


@dataclass(frozen=True)
class DisclosurePolicy:
    """Thresholds of the disclosure policy (defaults after CBS practice), from `[disclosure]` in phm.toml."""

    min_count: int = 10
    min_denominator: int = 50
    min_respondents: int = 30
    min_cost_persons: int = 10
    dominance_share: float = 0.5
    rounding_base: int = 5
    # How far an outsider must remain from a protected count (persons), and from a protected cost or
    # business total (a share of it), whatever sums they form from the publication.
    protection_width: int = 5
    magnitude_protection: float = 0.25
    # Organisations (workforce): at least this many behind a cell, none carrying more than this share.
    min_units: int = 3
    unit_dominance_share: float = 0.5

    def __post_init__(self) -> None:
        for name in WHOLE_NUMBERS:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"disclosure.{name} = {value!r} must be >= 1 and a whole number")
        for name in SHARES:
            share = getattr(self, name)
            if isinstance(share, bool) or not isinstance(share, int | float) or not 0 < share <= 1:
                raise ValueError(f"disclosure.{name} = {share!r} must lie in (0, 1]")

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, Any] | None) -> DisclosurePolicy:
        """The policy from the `[disclosure]` table; missing keys keep their default, unknown keys fail."""
        mapping = dict(mapping or {})
        refuse_unknown(mapping, [f.name for f in fields(cls)], "disclosure", "a disclosure setting")
        return cls(**mapping)

    def as_dict(self) -> dict[str, float]:
        """The thresholds by name, as the audit reads them."""
        return asdict(self)
