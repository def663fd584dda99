"""The committed sample world is exactly what the seeded generator writes."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from schedule_mcp.sample.world import SNAPSHOT_DIR, SNAPSHOT_PACKAGE, load_sample_world
from tests.support.sample_generator import SNAPSHOT_SOURCE, generate_world, write_snapshot

SNAPSHOT = resources.files(SNAPSHOT_PACKAGE).joinpath(SNAPSHOT_DIR)


def test_committed_json_is_what_the_generator_writes() -> None:
    generated = generate_world()
    assert SNAPSHOT.joinpath("cuny.json").read_text(encoding="utf-8") == generated.cuny_json()
    assert SNAPSHOT.joinpath("rmp.json").read_text(encoding="utf-8") == generated.rmp_json()
    assert generated == load_sample_world()


def test_write_snapshot_writes_the_committed_files(tmp_path: Path) -> None:
    written = write_snapshot(tmp_path)
    assert [path.name for path in written] == ["cuny.json", "rmp.json"]
    for path in written:
        assert path.read_bytes() == (SNAPSHOT_SOURCE / path.name).read_bytes()
