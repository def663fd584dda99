"""Person-name normalisation used as a lookup key (sections' instructors, professors)."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache


@lru_cache(maxsize=4096)
def normalise_person_name(name: str) -> str:
    """ "Smith, John A." / "JOHN A SMITH" / "Jóhn Smith" -> "john a smith" (a lookup key)."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(char for char in text if not unicodedata.combining(char))
    if text.count(",") == 1:
        last, first = text.split(",")
        text = f"{first} {last}"
    text = re.sub(r"[^\w\s'-]", " ", text.lower())
    return " ".join(text.split())
