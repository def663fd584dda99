"""The 26 CUNY institutions of Global Search, looked up by code or (fuzzy) name."""

from __future__ import annotations

import difflib
import re
from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class CollegeKind(StrEnum):
    SENIOR = "senior"
    COMMUNITY = "community"
    COMPREHENSIVE = "comprehensive"
    GRADUATE = "graduate"
    HONORS = "honors"
    MEDICAL = "medical"


class College(BaseModel):
    """A CUNY institution: `code` is Global Search's `inst_selection` value."""

    model_config = ConfigDict(frozen=True)

    code: str
    name: str
    kind: CollegeKind
    campus: str
    aliases: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return f"{self.name} ({self.code})"


def _college(code: str, name: str, kind: CollegeKind, campus: str, *aliases: str) -> College:
    return College(code=code, name=name, kind=kind, campus=campus, aliases=aliases)


S, C, X, G = (
    CollegeKind.SENIOR,
    CollegeKind.COMMUNITY,
    CollegeKind.COMPREHENSIVE,
    CollegeKind.GRADUATE,
)
COLLEGES: tuple[College, ...] = (
    _college("BAR01", "Baruch College", S, "BAR", "Baruch"),
    _college(
        "BMC01",
        "Borough of Manhattan CC",
        C,
        "BMC",
        "BMCC",
        "Borough of Manhattan Community College",
    ),
    _college("BCC01", "Bronx CC", C, "BCC", "BCC", "Bronx Community College"),
    _college("BKL01", "Brooklyn College", S, "BKL", "Brooklyn"),
    _college("CTY01", "City College", S, "CTY", "CCNY", "City College of New York"),
    _college("CSI01", "College of Staten Island", X, "CSI", "CSI", "Staten Island"),
    _college("GRD01", "Graduate Center", G, "GRD", "CUNY Graduate Center", "GC"),
    _college("NCC01", "Guttman CC", C, "NCC", "Guttman", "Guttman Community College"),
    _college("HOS01", "Hostos CC", C, "HOS", "Hostos", "Hostos Community College"),
    _college("HTR01", "Hunter College", S, "HTR", "Hunter"),
    _college(
        "JJC01", "John Jay College", S, "JJC", "John Jay", "John Jay College of Criminal Justice"
    ),
    _college(
        "KCC01", "Kingsborough CC", C, "KCC", "Kingsborough", "Kingsborough Community College"
    ),
    _college("LAG01", "LaGuardia CC", C, "LAG", "LaGuardia", "LaGuardia Community College"),
    _college("LEH01", "Lehman College", S, "LEH", "Lehman"),
    _college("MHC01", "Macaulay Honors College", CollegeKind.HONORS, "MHC", "Macaulay"),
    _college("MEC01", "Medgar Evers College", X, "MEC", "Medgar Evers"),
    _college(
        "NYT01",
        "NYC College of Technology",
        X,
        "NYT",
        "City Tech",
        "New York City College of Technology",
    ),
    _college("QNS01", "Queens College", S, "QNS", "Queens", "QC"),
    _college(
        "QCC01", "Queensborough CC", C, "QCC", "Queensborough", "Queensborough Community College"
    ),
    _college(
        "SOJ01", "School of Journalism", G, "SOJ", "Craig Newmark Graduate School of Journalism"
    ),
    _college(
        "SLU01", "School of Labor & Urban Studies", S, "SLU", "School of Labor and Urban Studies"
    ),
    _college("LAW01", "School of Law", G, "LAW", "CUNY Law", "CUNY School of Law"),
    _college("MED01", "School of Medicine", CollegeKind.MEDICAL, "MED", "CUNY School of Medicine"),
    _college("SPS01", "School of Professional Studies", S, "SPS", "SPS"),
    _college("SPH01", "School of Public Health", G, "SPH", "CUNY SPH"),
    _college("YRK01", "York College", S, "YRK", "York"),
)
del S, C, X, G

_BY_CODE = {college.code: college for college in COLLEGES}


class CollegeError(ValueError):
    """A string that names no CUNY college; `suggestions` holds the closest labels."""

    def __init__(self, message: str, suggestions: list[College]) -> None:
        super().__init__(message)
        self.suggestions = suggestions


def _normalise(text: str) -> str:
    text = text.lower().replace("&", " and ")
    text = re.sub(r"\bcuny\b|\bthe\b|[^a-z0-9 ]", " ", text)
    text = re.sub(r"\bcommunity college\b", "cc", text)
    return " ".join(text.split())


def _names(college: College) -> list[str]:
    return [college.name, *college.aliases]


_BY_NAME: dict[str, College] = {}
for _c in COLLEGES:
    for _n in _names(_c):
        _BY_NAME.setdefault(_normalise(_n), _c)
    _BY_NAME.setdefault(_normalise(_c.name.removesuffix(" College")), _c)
    _BY_NAME.setdefault(_c.code[:3].lower(), _c)


def get_college(code: str) -> College:
    """Exact lookup by institution code, e.g. "QNS01"."""
    college = _BY_CODE.get(code.strip().upper())
    if college is None:
        raise CollegeError(f"unknown college code {code!r}", suggest_colleges(code))
    return college


def suggest_colleges(text: str, limit: int = 3) -> list[College]:
    """Closest colleges to a misspelt name or code, best first."""
    key = _normalise(text)
    scored: dict[str, float] = {}
    for name, college in _BY_NAME.items():
        ratio = difflib.SequenceMatcher(None, key, name).ratio()
        if ratio > scored.get(college.code, 0.0):
            scored[college.code] = ratio
    ranked = sorted(scored.items(), key=lambda item: (-item[1], item[0]))
    return [_BY_CODE[code] for code, ratio in ranked[:limit] if ratio >= 0.5]


def find_college(text: str) -> College:
    """Resolve a code ("QNS01"), a name ("Queens College") or a short name ("Queens").

    Raises CollegeError with "did you mean ...?" suggestions when nothing matches exactly.
    """
    cleaned = text.strip()
    if not cleaned:
        raise CollegeError(
            "college is empty; give a code like QNS01 or a name like Queens College", []
        )
    if cleaned.upper() in _BY_CODE:
        return _BY_CODE[cleaned.upper()]
    college = _BY_NAME.get(_normalise(cleaned))
    if college is not None:
        return college
    suggestions = suggest_colleges(cleaned)
    if suggestions:
        hint = " or ".join(s.label for s in suggestions[:2])
        raise CollegeError(f"unknown college {text!r}; did you mean {hint}?", suggestions)
    raise CollegeError(
        f"unknown college {text!r}; use a code such as QNS01, HTR01 or BAR01 "
        "(the schedule://colleges resource lists all 26)",
        [],
    )
