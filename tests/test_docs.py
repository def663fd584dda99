"""The docs render: mermaid blocks are plausibly valid, the documented pdoc command builds."""

from __future__ import annotations

import importlib.util
import pkgutil
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

import schedule_mcp

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
FENCE = re.compile(r"^```mermaid[ \t]*\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)
DIAGRAM_TYPES = (
    "flowchart",
    "graph",
    "sequenceDiagram",
    "classDiagram",
    "stateDiagram-v2",
    "stateDiagram",
    "erDiagram",
    "journey",
    "gantt",
    "pie",
    "mindmap",
    "timeline",
    "gitGraph",
    "quadrantChart",
    "requirementDiagram",
    "C4Context",
    "block-beta",
    "sankey-beta",
    "xychart-beta",
)
BLOCK_OPENERS = ("loop", "alt", "opt", "par", "critical", "break", "rect", "box")
PAIRS = {"(": ")", "[": "]", "{": "}"}
# pdoc warnings that come from sources outside our control (none today).
KNOWN_PDOC_WARNINGS: tuple[str, ...] = ()


def mermaid_blocks() -> list[tuple[str, int, str]]:
    found = []
    for path in sorted(DOCS.glob("*.md")):
        text = path.read_text(encoding="utf-8")
        for match in FENCE.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            found.append((path.name, line, match.group(1)))
    return found


def _strip_strings(line: str) -> str:
    """Labels in quotes may hold any bracket; leave them out of the balance check."""
    return re.sub(r'"[^"]*"', '""', line)


def check_block(body: str) -> list[str]:
    problems: list[str] = []
    lines = [ln for ln in body.splitlines() if ln.strip() and not ln.strip().startswith("%%")]
    if not lines:
        return ["empty diagram"]
    first = lines[0].strip()
    kind = first.split()[0]
    if kind not in DIAGRAM_TYPES:
        problems.append(f"unknown diagram type {kind!r}")
    if kind in {"flowchart", "graph"} and len(first.split()) > 1:
        direction = first.split()[1]
        if direction not in {"TB", "TD", "BT", "RL", "LR"}:
            problems.append(f"unknown flowchart direction {direction!r}")
    stack: list[str] = []
    depth = 0
    for number, raw in enumerate(lines[1:], 2):
        line = _strip_strings(raw.strip())
        if kind == "sequenceDiagram" and ";" in raw:
            problems.append(f"line {number}: ';' ends a statement in a sequence diagram")
        if line.count('"') % 2:
            problems.append(f"line {number}: unbalanced quotes")
        for char in line:
            if char in PAIRS:
                stack.append(PAIRS[char])
            elif char in PAIRS.values() and (not stack or stack.pop() != char):
                problems.append(f"line {number}: unbalanced {char!r}")
                stack.clear()
        word = line.split()[0] if line.split() else ""
        opens = BLOCK_OPENERS if kind == "sequenceDiagram" else ("subgraph",)
        if word in opens:
            depth += 1
        elif word == "end":
            depth -= 1
            if depth < 0:
                problems.append(f"line {number}: 'end' without an open block")
                depth = 0
    if stack:
        problems.append(f"unclosed brackets: {''.join(stack)}")
    if depth:
        problems.append(f"{depth} block(s) without 'end'")
    if kind == "sequenceDiagram":
        declared = {
            m.group(1) for ln in lines if (m := re.match(r"\s*(?:participant|actor)\s+(\w+)", ln))
        }
        arrows = re.compile(r"^\s*(\w+)\s*(?:-->>|->>|-->|->|--x|-x|--\)|-\))\s*[+-]?(\w+)\s*:")
        for ln in lines:
            if (m := arrows.match(ln)) and declared:
                problems.extend(
                    f"message uses undeclared participant {name!r}"
                    for name in m.groups()
                    if name not in declared
                )
    return problems


def test_docs_have_mermaid_diagrams() -> None:
    blocks = mermaid_blocks()
    kinds = [body.strip().split()[0] for _, _, body in blocks]
    assert kinds.count("sequenceDiagram") >= 4  # cold, cached, SWR, outage
    assert any(k in {"flowchart", "graph"} for k in kinds)


@pytest.mark.parametrize(("name", "line", "body"), mermaid_blocks())
def test_mermaid_block_is_valid(name: str, line: int, body: str) -> None:
    assert check_block(body) == [], f"{name}:{line}"


@pytest.mark.parametrize(
    "body",
    [
        "flowchart LR\n  a[one --> b",
        "sequenceDiagram\n  participant A\n  loop x\n  A->>A: hi",
        "sequenceDiagrams\n  A->>B: x",
        "sequenceDiagram\n  participant A\n  A->>B: to nobody",
        "sequenceDiagram\n  participant A\n  A->>A: one; two",
    ],
)
def test_checker_rejects_broken_diagrams(body: str) -> None:
    assert check_block(body)


def documented_pdoc_command() -> list[str]:
    text = (DOCS / "operations.md").read_text(encoding="utf-8")
    match = re.search(r"^\$ (python -m pdoc .+)$", text, re.MULTILINE)
    assert match, "docs/operations.md documents no `$ python -m pdoc ...` command"
    return shlex.split(match.group(1))


def test_pdoc_command_names_every_top_level_module() -> None:
    command = documented_pdoc_command()
    wanted = {
        f"schedule_mcp.{m.name}"
        for m in pkgutil.iter_modules(schedule_mcp.__path__)
        if m.name != "__main__"
    }
    missing = sorted(wanted - set(command))
    assert not missing, f"add to the pdoc command in docs/operations.md: {missing}"


@pytest.mark.skipif(importlib.util.find_spec("pdoc") is None, reason="pdoc not installed")
def test_pdoc_builds_without_warnings(tmp_path: Path) -> None:
    command = documented_pdoc_command()
    out = command.index("-o") + 1
    command[out] = str(tmp_path / "api")
    command[0] = sys.executable
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    warnings = [
        line
        for line in (done.stdout + done.stderr).splitlines()
        if line.startswith("Warn") and not any(known in line for known in KNOWN_PDOC_WARNINGS)
    ]
    assert not warnings, "\n".join(warnings)
    assert (tmp_path / "api" / "index.html").is_file()
    assert (tmp_path / "api" / "schedule_mcp" / "server.html").is_file()
