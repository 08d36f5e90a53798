"""Area boundaries (buurt, wijk, gemeente) for the report's maps, from the GeoJSON files of a region (WGS84).

Only published areas are kept; coordinates are rounded to about a metre so the inlined maps stay
small, and rings are wound the way d3-geo (Vega's projection) expects.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

Feature = dict[str, Any]
DECIMALS = 5  # 1e-5 degree is about 1 m in the Netherlands: plenty for a choropleth
OWN_CODE_KEYS = ("statcode", "buurtcode", "buurtCode", "wijkcode", "wijkCode", "gemeentecode", "gemeenteCode")


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


def own_code(properties: dict[str, Any]) -> str | None:
    """The feature's own area code: CBS `statcode`, else the PDOK code of the finest level it names.

    A buurt feature also carries its wijk's `wijkCode`, so the finest level wins.
    """
    for key in OWN_CODE_KEYS:
        if properties.get(key):
            return str(properties[key]).strip()
    return None


def read_features(geojson_dir: Path | None, area_codes: set[str]) -> dict[str, Feature]:
    """Area code -> feature (property area_code) of the published areas in every *.geojson of `geojson_dir`."""
    if geojson_dir is None or not geojson_dir.is_dir():
        return {}
    features: dict[str, Feature] = {}
    for path in sorted(geojson_dir.glob("*.geojson")):
        for feature in json.loads(path.read_text(encoding="utf-8")).get("features", []):
            code = own_code(feature.get("properties") or {})
            geometry = _geometry(feature.get("geometry") or {})
            if code in area_codes and geometry is not None:
                features[code] = {"type": "Feature", "geometry": geometry, "properties": {"area_code": code}}
    return dict(sorted(features.items()))


def _rings(geometry: dict[str, Any]) -> list[list[list[float]]]:
    polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    return [ring for polygon in polygons for ring in polygon]


def outline(features: list[Feature], area_code: str) -> Feature | None:
    """The border of the area that `features` tile together (a wijk from its buurten): every edge only one has.

    Neighbouring areas of one generalised map share their vertices, so an inner edge occurs twice and the
    outer edges once. The border drawn this way fits the drawn areas exactly, where the parent's own,
    separately generalised boundary would stray from them by up to a few hundred metres.
    """
    edges: Counter[frozenset[tuple[float, float]]] = Counter()
    for feature in features:
        for ring in _rings(feature["geometry"]):
            edges.update(frozenset((tuple(a), tuple(b))) for a, b in zip(ring, ring[1:], strict=False) if a != b)
    border = [sorted(edge) for edge, n in edges.items() if n == 1]
    if not border:
        return None
    return {
        "type": "Feature",
        "geometry": {"type": "MultiLineString", "coordinates": [[list(a), list(b)] for a, b in border]},
        "properties": {"area_code": area_code},
    }
