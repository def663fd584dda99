"""Class numbers across colleges: "41175" at home, "63028@BAR01" elsewhere."""

from __future__ import annotations

import pytest

from schedule_mcp.domain.class_numbers import ClassNumberError, class_label, parse_class_ref
from schedule_mcp.domain.colleges import CollegeError, find_college

QUEENS, BARUCH = find_college("QNS01"), find_college("BAR01")


def test_labels_are_bare_at_home_and_qualified_elsewhere() -> None:
    assert class_label("41175", "QNS01", "QNS01") == "41175"
    assert class_label("63028", "BAR01", "QNS01") == "63028@BAR01"


@pytest.mark.parametrize(
    ("text", "college", "label"),
    [
        ("41175", QUEENS, "41175"),
        (" 63028@BAR01 ", BARUCH, "63028@BAR01"),
        ("63028 @ Baruch", BARUCH, "63028@BAR01"),
        ("41175@qns01", QUEENS, "41175"),
    ],
)
def test_parse_class_refs(text: str, college: object, label: str) -> None:
    ref = parse_class_ref(text, QUEENS)
    assert ref.college == college and ref.label(QUEENS) == label


@pytest.mark.parametrize("text", ["123", "4117a", "@BAR01", "٤١١٧٥", "41175 BAR01"])
def test_malformed_numbers_are_refused(text: str) -> None:
    with pytest.raises(ClassNumberError, match="is not a class number"):
        parse_class_ref(text, QUEENS)


def test_an_unknown_college_says_so() -> None:
    with pytest.raises(CollegeError, match="Narnia"):
        parse_class_ref("41175@Narnia", QUEENS)
