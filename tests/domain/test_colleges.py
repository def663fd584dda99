import pytest

from schedule_mcp.domain.colleges import COLLEGES, CollegeError, find_college, get_college

REFERENCE = {
    "BAR01": "Baruch College",
    "BMC01": "Borough of Manhattan CC",
    "BCC01": "Bronx CC",
    "BKL01": "Brooklyn College",
    "CTY01": "City College",
    "CSI01": "College of Staten Island",
    "GRD01": "Graduate Center",
    "NCC01": "Guttman CC",
    "HOS01": "Hostos CC",
    "HTR01": "Hunter College",
    "JJC01": "John Jay College",
    "KCC01": "Kingsborough CC",
    "LAG01": "LaGuardia CC",
    "LEH01": "Lehman College",
    "MHC01": "Macaulay Honors College",
    "MEC01": "Medgar Evers College",
    "NYT01": "NYC College of Technology",
    "QNS01": "Queens College",
    "QCC01": "Queensborough CC",
    "SOJ01": "School of Journalism",
    "SLU01": "School of Labor & Urban Studies",
    "LAW01": "School of Law",
    "MED01": "School of Medicine",
    "SPS01": "School of Professional Studies",
    "SPH01": "School of Public Health",
    "YRK01": "York College",
}


def test_the_26_institutions_of_global_search() -> None:
    assert {c.code: c.name for c in COLLEGES} == REFERENCE


@pytest.mark.parametrize(("code", "name"), sorted(REFERENCE.items()))
def test_lookup_by_code_and_by_label(code: str, name: str) -> None:
    assert find_college(code).code == code
    assert find_college(code.lower()).code == code
    assert find_college(name).code == code
    assert get_college(code).name == name


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Queens", "QNS01"),
        ("queens college", "QNS01"),
        ("QC", "QNS01"),
        ("Hunter", "HTR01"),
        ("CUNY Hunter College", "HTR01"),
        ("Baruch", "BAR01"),
        ("CCNY", "CTY01"),
        ("City College of New York", "CTY01"),
        ("City Tech", "NYT01"),
        ("Borough of Manhattan Community College", "BMC01"),
        ("BMCC", "BMC01"),
        ("John Jay", "JJC01"),
        ("School of Labor and Urban Studies", "SLU01"),
        ("Queensborough", "QCC01"),
    ],
)
def test_lookup_by_common_names(text: str, code: str) -> None:
    assert find_college(text).code == code


def test_misspelt_name_suggests_the_closest_college() -> None:
    with pytest.raises(CollegeError) as info:
        find_college("Qeens Colege")
    assert "did you mean Queens College (QNS01)" in str(info.value)
    assert info.value.suggestions[0].code == "QNS01"


@pytest.mark.parametrize("text", ["", "   ", "Harvard University", "XYZ99"])
def test_unknown_colleges_are_clear_errors(text: str) -> None:
    with pytest.raises(CollegeError) as info:
        find_college(text)
    assert "QNS01" in str(info.value) or "did you mean" in str(info.value)


def test_get_college_is_exact() -> None:
    with pytest.raises(CollegeError):
        get_college("Queens")
