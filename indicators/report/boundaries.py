"""Wijk boundaries for the report's map, from the GeoJSON files that ship with a region (WGS84).

Only wijken with a published area get drawn; coordinates are rounded to about a metre so the inlined
map stays small, and rings are wound the way d3-geo (Vega's projection) expects.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

Feature = dict[str, Any]
DECIMALS = 5  # 1e-5 degree is about 1 m in the Netherlands: plenty for a choropleth


def _signed_area(ring: list[list[float]]) -> float:
    """Shoelace sum in lon/lat; positive for counter-clockwise rings."""
    return sum(x0 * y1 - x1 * y0 for (x0, y0, *_), (x1, y1, *_) in zip(ring, ring[1:], strict=False)) / 2


def _polygon(rings: list[list[list[float]]]) -> list[list[list[float]]]:
    """d3-geo treats the clockwise ring as the outside: exterior clockwise, holes counter-clockwise.

    RFC 7946 GeoJSON winds the other way; drawn as-is the shape would fill the whole globe but the wijk.
    """
    out = []
    for i, ring in enumerate(rings):
        rounded = [[round(c, DECIMALS) for c in point[:2]] for point in ring]
        clockwise = _signed_area(rounded) < 0
        out.append(rounded if clockwise == (i == 0) else rounded[::-1])
    return out


def _geometry(geometry: dict[str, Any]) -> dict[str, Any] | None:
    if geometry.get("type") == "Polygon":
        return {"type": "Polygon", "coordinates": _polygon(geometry["coordinates"])}
    if geometry.get("type") == "MultiPolygon":
        return {"type": "MultiPolygon", "coordinates": [_polygon(p) for p in geometry["coordinates"]]}
    return None


def wijk_features(geojson_dir: Path | None, wijk_codes: set[str]) -> list[Feature]:
    """Features (properties wijkCode, wijkNaam) of published wijken from every *.geojson in `geojson_dir`."""
    if geojson_dir is None or not geojson_dir.is_dir():
        return []
    features: dict[str, Feature] = {}
    for path in sorted(geojson_dir.glob("*.geojson")):
        for feature in json.loads(path.read_text(encoding="utf-8")).get("features", []):
            props = feature.get("properties") or {}
            code = props.get("wijkCode")
            geometry = _geometry(feature.get("geometry") or {})
            if code in wijk_codes and geometry is not None:
                features[code] = {
                    "type": "Feature",
                    "geometry": geometry,
                    "properties": {"wijkCode": code, "wijkNaam": props.get("wijkNaam", code)},
                }
    return [features[c] for c in sorted(features)]
