import pytest

from schedule_mcp.domain.models import (
    InstructionMode,
    Meeting,
    Section,
    SyncEntity,
    SyncMetadata,
    SyncStatus,
    normalise_course_code,
)


@pytest.mark.parametrize(
    ("label", "mode"),
    [
        ("In Person", InstructionMode.IN_PERSON),
        ("", InstructionMode.IN_PERSON),
        ("Hybrid Synchronous", InstructionMode.HYBRID),
        ("HyFlex", InstructionMode.HYBRID),
        ("Online Asynchronous", InstructionMode.ONLINE_ASYNCHRONOUS),
        ("Online Synchronous", InstructionMode.ONLINE_SYNCHRONOUS),
        ("Independent Study", InstructionMode.OTHER),
    ],
)
def test_instruction_mode_labels(label: str, mode: InstructionMode) -> None:
    assert InstructionMode.from_label(label) is mode


@pytest.mark.parametrize(
    ("label", "rooms", "mode"),
    [
        ("Online", ["Online-Asynchronous"], InstructionMode.ONLINE_ASYNCHRONOUS),
        ("Online", ["Online-Synchronous"], InstructionMode.ONLINE_SYNCHRONOUS),
        ("Online", ["TBA"], InstructionMode.ONLINE_SYNCHRONOUS),  # may meet: times unknown
        ("Online Synchronous", ["Online-Asynchronous"], InstructionMode.ONLINE_SYNCHRONOUS),
        ("In Person", ["TBA"], InstructionMode.IN_PERSON),  # TBA never means online
        ("In Person", ["Online-Asynchronous"], InstructionMode.IN_PERSON),  # the label decides
        ("Hybrid Synchronous", ["Online-Asynchronous"], InstructionMode.HYBRID),
    ],
)
def test_instruction_mode_of_a_listing(label: str, rooms: list[str], mode: InstructionMode) -> None:
    assert InstructionMode.from_listing(label, rooms) is mode


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("csci212", "CSCI 212"),
        ("CSCI  212", "CSCI 212"),
        ("csci-212", "CSCI 212"),
        ("STA 2000", "STA 2000"),
        ("BIOL 105L", "BIOL 105L"),
    ],
)
def test_course_codes_normalise(text: str, code: str) -> None:
    assert normalise_course_code(text) == code


def test_section_instructors_skip_placeholders_and_duplicates() -> None:
    section = Section(
        class_number="56226",
        course_code="CSCI 212",
        section="01",
        component="LEC",
        meetings=[
            Meeting(instructor="Ada Byron, Alan Turing"),
            Meeting(instructor="Ada Byron"),
            Meeting(instructor="TBA"),
            Meeting(instructor="Staff"),
            Meeting(instructor="To Be Announced"),
            Meeting(instructor="STAFF, Staff"),
            Meeting(instructor="tbd"),
        ],
    )
    assert section.instructors == ["Ada Byron", "Alan Turing"]


def test_sync_metadata_validates_its_enums() -> None:
    meta = SyncMetadata(
        entity_type="courses", semester="2026 Fall", university="QNS01", sync_status="success"
    )  # type: ignore[arg-type]
    assert meta.entity_type is SyncEntity.COURSES
    assert meta.sync_status is SyncStatus.SUCCESS
    with pytest.raises(ValueError):
        SyncMetadata(
            entity_type="gossip", semester="2026 Fall", university="QNS01", sync_status="success"
        )  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        SyncMetadata(
            entity_type="courses", semester="2026 Fall", university="QNS01", sync_status="meh"
        )  # type: ignore[arg-type]
