"""Campus-to-campus travel times: the docs/performance.md section 7 model over data/campuses.json.

minutes(i, j) = ceil5(base + per_km * haversine_km(i, j) + penalty_i + penalty_j); the same
campus costs a short walk (only charged between different known buildings). Overrides replace
single pairs; the matrix is then closed under shortest paths (Floyd-Warshall) so the triangle
inequality holds, which makes the optimizer's pairwise transfer check exact (see optimizer).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

EARTH_RADIUS_KM = 6371.0088


@dataclass(frozen=True, slots=True)
class Campus:
    """A campus centroid with its last-mile penalty (minutes off the subway)."""

    key: str
    code: str
    name: str
    lat: float
    lon: float
    penalty: int


@cache
def load_campus_data() -> dict[str, Any]:
    """The packaged campuses.json (versioned); read once."""
    text = resources.files("schedule_mcp.data").joinpath("campuses.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


@cache
def _normalise(campus: str) -> str:
    text = campus.strip().upper()
    return text[:-2] if len(text) == 5 and text[-2:].isdigit() else text


def _round_up(value: float, step: int) -> int:
    return math.ceil(value / step - 1e-9) * step


class TravelModel:
    """Door-to-door minutes between campuses, plus the hard-check buffer and walking time."""

    def __init__(
        self,
        campuses: Mapping[str, Campus],
        *,
        base_minutes: float = 12.0,
        per_km_minutes: float = 3.0,
        round_to: int = 5,
        walk_minutes: int = 5,
        buffer_minutes: int = 10,
        unknown_minutes: int | None = None,
        overrides: Mapping[tuple[str, str], int] | None = None,
        version: str = "custom",
    ) -> None:
        self.campuses = dict(campuses)
        self.walk_minutes = walk_minutes
        self.buffer_minutes = buffer_minutes
        self.version = version
        keys = sorted(self.campuses)
        matrix: dict[str, dict[str, int]] = {a: {} for a in keys}
        for a in keys:
            for b in keys:
                ca, cb = self.campuses[a], self.campuses[b]
                if a == b:
                    matrix[a][b] = 0
                    continue
                km = haversine_km(ca.lat, ca.lon, cb.lat, cb.lon)
                raw = base_minutes + per_km_minutes * km + ca.penalty + cb.penalty
                matrix[a][b] = _round_up(raw, round_to)
        for (a, b), minutes in (overrides or {}).items():
            for x, y in ((a, b), (b, a)):
                if x not in matrix or y not in matrix:
                    raise ValueError(f"travel override names unknown campus {x!r} or {y!r}")
                matrix[x][y] = int(minutes)
        for via in keys:  # shortest-path closure keeps the triangle inequality
            row_via = matrix[via]
            for a in keys:
                a_via = matrix[a][via]
                row_a = matrix[a]
                for b in keys:
                    if a_via + row_via[b] < row_a[b]:
                        row_a[b] = a_via + row_via[b]
        self._matrix = matrix
        largest = max((v for row in matrix.values() for v in row.values()), default=60)
        # an unknown campus costs the largest known trip: keeps the triangle inequality
        self.unknown_minutes = largest if unknown_minutes is None else unknown_minutes

    @classmethod
    def default(
        cls,
        *,
        off_peak: bool = False,
        overrides: Mapping[tuple[str, str], int] | None = None,
        walk_minutes: int | None = None,
        buffer_minutes: int | None = None,
    ) -> TravelModel:
        """The packaged model; the services layer passes config values as overrides."""
        data = load_campus_data()
        params = data["off_peak" if off_peak else "peak"]
        campuses = {
            key: Campus(key, c["code"], c["name"], c["lat"], c["lon"], c["penalty"])
            for key, c in data["campuses"].items()
        }
        return cls(
            campuses,
            base_minutes=params["base_minutes"],
            per_km_minutes=params["per_km_minutes"],
            round_to=data["round_to_minutes"],
            walk_minutes=data["same_campus_walk_minutes"] if walk_minutes is None else walk_minutes,
            buffer_minutes=data["hard_buffer_minutes"]
            if buffer_minutes is None
            else buffer_minutes,
            overrides=overrides,
            version=str(data["version"]),
        )

    @staticmethod
    def normalise(campus: str) -> str:
        """ "QNS01" / "qns" -> "QNS"."""
        return _normalise(campus)

    def minutes(self, a: str, b: str) -> int:
        """Plain travel minutes between two campuses (0 for the same campus)."""
        ka, kb = self.normalise(a), self.normalise(b)
        if ka == kb:
            return 0
        row = self._matrix.get(ka)
        if row is None or kb not in row:
            return self.unknown_minutes
        return row[kb]

    def required_gap(self, a: str, b: str, building_a: str = "", building_b: str = "") -> int:
        """Minutes needed between two consecutive meetings for the hard transfer check.

        Different campuses: travel + buffer. Same campus: the walking time when both buildings
        are known and differ, else 0.
        """
        if self.normalise(a) == self.normalise(b):
            if building_a and building_b and building_a != building_b:
                return self.walk_minutes
            return 0
        return self.minutes(a, b) + self.buffer_minutes
