"""Instructor matching: CUNY instructor strings to RateMyProfessors candidates, honestly.

Rules (pure, deterministic):

* `normalise_name` is the store's lookup key: accents folded, lower-case, apostrophes
  dropped ("O'Brien" -> "obrien"), other punctuation -> space ("Smith-Jones" -> "smith
  jones"), titles/suffixes dropped (Dr, Prof, Jr, PhD...), and one comma means
  "Last, First" ("Smith, John" -> "john smith"). Several instructors must be split first.
* Placeholders ("Staff", "TBA", "To Be Announced", "") never match.
* Surname: a trailing run of listing tokens equal to the candidate's surname (spaces and
  hyphens ignored) scores 1.0; one part of a double/hyphenated surname 0.75; a close
  spelling (difflib ratio >= 0.85, 5+ letters) 0.7 x ratio. No surname evidence: no match.
* Given name (multiplies the surname score): equal 1.0, nickname pair (Bob/Robert) 0.9,
  shortened form (Chris/Christopher) 0.8, middle name used as first 0.8, initial 0.75,
  absent 0.6, different 0.2.
* Department (when both sides have one): incompatible multiplies by 0.7.
* Candidates scoring >= 0.5 are plausible. The top one is matched only if no other
  plausible candidate is within 0.2 of it; otherwise the result is ambiguous and the ranked
  candidates are returned. Nobody is picked for having the most ratings.
* match_confidence = s1 * s1 / (sum of plausible scores): the top score discounted by the
  competition.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Generic, Protocol, TypeVar

PLAUSIBLE = 0.5
MARGIN = 0.2
DEPARTMENT_MISMATCH = 0.7

_PLACEHOLDERS = frozenset(
    {"staff", "tba", "tbd", "to", "be", "announced", "determined", "instructor", "faculty"}
    | {"unknown", "na", "none", "various", "department", "dept"}
)
_TITLES = frozenset({"dr", "prof", "professor", "mr", "mrs", "ms", "mx"})
_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv", "phd", "md", "esq", "edd"})
_TRANSLIT = str.maketrans({"ø": "o", "ł": "l", "đ": "d", "æ": "ae", "œ": "oe", "\u0131": "i"})
_DEPT_STOPWORDS = frozenset({"and", "of", "the", "department", "dept", "school", "program"})

_NICKNAME_GROUPS: tuple[frozenset[str], ...] = tuple(
    frozenset(group.split())
    for group in (
        "robert bob bobby rob robbie bert",
        "william bill billy will willy liam",
        "elizabeth liz lizzie beth betty eliza libby",
        "michael mike mikey mick",
        "james jim jimmy jamie",
        "katherine catherine kathryn katharine kate katie kathy cathy kat",
        "alexander alexandra alejandro alex sasha xander",
        "richard rick ricky dick rich richie",
        "thomas tom tommy",
        "joseph joe joey",
        "daniel dan danny",
        "david dave davey",
        "edward ed eddie ted ned",
        "theodore ted teddy theo",
        "charles charlie chuck",
        "christopher chris",
        "christina christine chris tina",
        "anthony tony",
        "andrew andy drew",
        "nicholas nick nicky",
        "jonathan jon",
        "john jack johnny",
        "matthew matt",
        "benjamin ben benny",
        "samuel sam sammy",
        "samantha sam",
        "steven stephen steve",
        "margaret maggie peggy meg",
        "patricia pat patty trish",
        "patrick pat paddy",
        "jennifer jen jenny",
        "rebecca becky becca",
        "susan sue susie",
        "deborah debra deb debbie",
        "victoria vicky tori",
        "jacqueline jackie",
        "gregory greg",
        "timothy tim timmy",
        "kenneth ken kenny",
        "ronald ron ronnie",
        "donald don donnie",
        "lawrence laurence larry",
        "gerald jerry",
        "peter pete",
        "frederick fred freddie",
        "henry hank harry",
        "nathan nathaniel nate",
        "zachary zach zack",
        "joshua josh",
        "jeffrey geoffrey jeff",
        "raymond ray",
        "francis frances francisco frank fran",
        "leonard leo len lenny",
        "vincent vince",
        "eugene gene",
        "abraham abe",
        "douglas doug",
        "philip phillip phil",
        "jose pepe",
        "guillermo memo",
    )
)


class NameCandidate(Protocol):
    """An RMP professor as the matcher sees it (Professor and RmpCandidate both fit)."""

    @property
    def first_name(self) -> str: ...
    @property
    def last_name(self) -> str: ...
    @property
    def num_ratings(self) -> int: ...
    @property
    def department(self) -> str: ...


C = TypeVar("C", bound=NameCandidate)


@dataclass(frozen=True)
class RmpCandidate:
    """A lightweight candidate from an RMP teacher search."""

    first_name: str
    last_name: str
    num_ratings: int = 0
    department: str = ""
    rmp_id: str = ""


@dataclass(frozen=True)
class ScoredCandidate(Generic[C]):
    candidate: C
    score: float
    reason: str


@dataclass(frozen=True)
class NameMatch(Generic[C]):
    """The verdict: a match, or None with the ranked alternatives and why."""

    query: str
    normalised: str
    matched: C | None
    match_confidence: float
    ambiguous: bool
    candidates: tuple[ScoredCandidate[C], ...]
    reason: str


# --- normalisation -----------------------------------------------------------------------


def _fold(text: str) -> str:
    """Case-fold, strip accents (NFKD minus combining marks), transliterate a few letters."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return plain.translate(_TRANSLIT)


def _tokens(text: str, keep_hyphens: bool = False) -> list[str]:
    text = re.sub("['`\u2019\u02bc]", "", text)
    pattern = r"[^a-z0-9-]+" if keep_hyphens else r"[^a-z0-9]+"
    words = (re.sub(r"-+", "-", word).strip("-") for word in re.sub(pattern, " ", text).split())
    return [word for word in words if word]


def name_tokens(text: str, *, keep_hyphens: bool = False) -> list[str]:
    """Tokens of `normalise_name(text)`; `keep_hyphens` keeps "smith-jones" as one token."""
    folded = _fold(text)
    if folded.count(",") == 1:
        before, after = folded.split(",")
        after_tokens = _tokens(after)
        if after_tokens and all(token in _SUFFIXES for token in after_tokens):
            folded = before
        else:
            folded = f"{after} {before}"
    tokens = _tokens(folded.replace(",", " "), keep_hyphens)
    while len(tokens) > 1 and tokens[0] in _TITLES:
        tokens = tokens[1:]
    kept = [token for token in tokens if token not in _SUFFIXES]
    return kept or tokens


def normalise_name(text: str) -> str:
    """The lookup key: "Smith, José A." -> "jose a smith"; "Dr. Mary O'Neil-Ruiz" -> "mary oneil ruiz"."""
    return " ".join(name_tokens(text))


def is_placeholder(text: str) -> bool:
    """ "Staff", "TBA", "To Be Announced", blank: no real instructor named."""
    tokens = name_tokens(text)
    return not tokens or all(token in _PLACEHOLDERS for token in tokens)


# --- scoring -----------------------------------------------------------------------------


def nicknames_match(a: str, b: str) -> bool:
    """Whether two given names share a nickname group (Bob ~ Robert, Liz ~ Elizabeth)."""
    return any(a in group and b in group for group in _NICKNAME_GROUPS)


def _joined(tokens: Sequence[str]) -> str:
    return "".join(tokens).replace("-", "")


def _parts(tokens: Sequence[str]) -> set[str]:
    return {part for token in tokens for part in token.split("-") if len(part) >= 2}


def _surname(listing: list[str], last: list[str]) -> tuple[float, int, str] | None:
    """(score, index where the surname starts in `listing`, reason) or None.

    Tokens keep their hyphens, so "Smith-Jones" fully matches only "Smith-Jones" (or
    "Smith Jones"), while "Jones" matches it as one part.
    """
    if not last or not listing:
        return None
    joined = _joined(last)
    start = 1 if len(listing) > 1 else 0
    for index in range(start, len(listing)):
        if _joined(listing[index:]) == joined:
            return 1.0, index, "surname matches"
    for index in range(start, len(listing)):
        if _parts([listing[index]]) & _parts(last):
            return 0.75, index, "part of a double surname matches"
    tail = _joined(listing[-1:])
    ratio = SequenceMatcher(None, tail, joined).ratio()
    if min(len(tail), len(joined)) >= 5 and ratio >= 0.85:
        return 0.7 * ratio, len(listing) - 1, "surname spelled slightly differently"
    return None


def _given(given: list[str], first: list[str]) -> tuple[float, str]:
    """Factor for the given names (see module docstring)."""
    given = [part for token in given for part in token.split("-") if part]
    first = [part for token in first for part in token.split("-") if part]
    if not given or not first:
        return 0.6, "no given name to compare"
    mine, theirs = given[0], first[0]
    if mine == theirs or "".join(given) == "".join(first):
        return 1.0, "first name matches"
    if nicknames_match(mine, theirs):
        return 0.9, f"nickname {mine}/{theirs}"
    if min(len(mine), len(theirs)) >= 3 and (mine.startswith(theirs) or theirs.startswith(mine)):
        return 0.8, f"shortened first name {mine}/{theirs}"
    if theirs in given[1:] or mine in first[1:]:
        return 0.8, "middle name used as first name"
    if (len(mine) == 1 or len(theirs) == 1) and mine[0] == theirs[0]:
        return 0.75, f"initial {mine[0].upper()} fits"
    return 0.2, f"first name differs ({mine}/{theirs})"


def _department_compatible(wanted: str, theirs: str) -> bool | None:
    """None when either is unknown; token overlap or an abbreviation (CSCI ~ Computer Science)."""
    a = [t for t in name_tokens(wanted) if t not in _DEPT_STOPWORDS]
    b = [t for t in name_tokens(theirs) if t not in _DEPT_STOPWORDS]
    if not a or not b:
        return None
    if set(a) & set(b):
        return True
    for short, long in ((a, b), (b, a)):
        code, words = "".join(short), "".join(long)
        if len(short) == 1 and len(code) <= 5 and code[0] == words[0]:
            letters = iter(words)
            if all(char in letters for char in code):
                return True
    return False


def score_candidate(
    listing: list[str], candidate: NameCandidate, department: str
) -> tuple[float, str]:
    """Score one candidate against listing tokens; 0 when the surname has no support."""
    surname = _surname(listing, name_tokens(candidate.last_name, keep_hyphens=True))
    if surname is None:
        return 0.0, "surname differs"
    score, start, why = surname
    factor, given_why = _given(listing[:start], name_tokens(candidate.first_name))
    score *= factor
    reasons = [why, given_why]
    compatible = _department_compatible(department, candidate.department) if department else None
    if compatible is False:
        score *= DEPARTMENT_MISMATCH
        reasons.append(f"department {candidate.department!r} differs")
    elif compatible:
        reasons.append("department fits")
    return round(score, 6), "; ".join(reasons)


def match_instructor(
    instructor: str, candidates: Sequence[C], *, department: str = ""
) -> NameMatch[C]:
    """Match a CUNY instructor string to RMP candidates (see module docstring for rules)."""
    normalised = normalise_name(instructor)
    if is_placeholder(instructor):
        return NameMatch(instructor, normalised, None, 0.0, False, (), "placeholder, not a person")
    listing = name_tokens(instructor, keep_hyphens=True)
    scored = [
        ScoredCandidate(candidate, *score_candidate(listing, candidate, department))
        for candidate in candidates
    ]
    ranked = tuple(
        sorted(
            (s for s in scored if s.score > 0),
            key=lambda s: (
                -s.score,
                -s.candidate.num_ratings,
                normalise_name(s.candidate.last_name),
                normalise_name(s.candidate.first_name),
            ),
        )
    )
    plausible = [s for s in ranked if s.score >= PLAUSIBLE]
    if not plausible:
        why = "no candidate with a compatible name" if ranked else "no candidate shares the surname"
        return NameMatch(instructor, normalised, None, 0.0, False, ranked, why)
    top = plausible[0]
    confidence = round(top.score * top.score / sum(s.score for s in plausible), 6)
    if len(plausible) > 1 and top.score - plausible[1].score < MARGIN:
        close = [s for s in plausible if top.score - s.score < MARGIN]
        same = len(
            {
                (normalise_name(s.candidate.first_name), normalise_name(s.candidate.last_name))
                for s in close
            }
        )
        why = f"{len(close)} candidates fit about equally well"
        if same == 1:
            why += " (same name: possibly duplicate RMP profiles)"
        return NameMatch(instructor, normalised, None, confidence, True, ranked, why)
    return NameMatch(instructor, normalised, top.candidate, confidence, False, ranked, top.reason)
