"""The shipped package holds no test support: no module under src/schedule_mcp imports the
tests or a test-only library, defines a fault server or fake upstream, or opens a socket
server of its own; `schedule_mcp.testing` is gone; and the sample world has no fault knobs."""

from __future__ import annotations

import ast
import importlib.util
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "schedule_mcp"
TEST_ONLY_IMPORTS = (
    "tests",
    "schedule_mcp.testing",
    "pytest",
    "hypothesis",
    "respx",
    "inline_snapshot",
    "dirty_equals",
    "time_machine",
)
TEST_SUPPORT_CLASSES = {"FaultServer", "Fault", "FakeUpstream", "ContentFault", "FakeClock"}
TEST_SUPPORT_FILES = {"fault_server.py", "fake_upstream.py", "sample_generator.py"}


def _imports(tree: ast.AST) -> list[str]:
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
    return names


def violations(source: str) -> list[str]:
    """What in one module's source marks it as test support (empty: none)."""
    tree = ast.parse(source)
    found = [
        f"imports {name}"
        for name in _imports(tree)
        if any(name == bad or name.startswith(f"{bad}.") for bad in TEST_ONLY_IMPORTS)
    ]
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and node.name in TEST_SUPPORT_CLASSES:
            found.append(f"defines {node.name}")
        if isinstance(node, ast.Attribute) and node.attr in {"start_server", "start_unix_server"}:
            found.append(f"opens a socket server ({node.attr})")
    return found


def _words(name: str) -> set[str]:
    return {part.lower() for part in re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])", name)}


def fault_knobs(source: str) -> list[str]:
    """Identifiers naming a fault ("ContentFault", "set_fault", "faults"; not "default")."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, ast.Attribute):
            names.add(node.attr)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
    return sorted(name for name in names if _words(name) & {"fault", "faults"})


def test_the_checks_catch_test_support() -> None:
    assert violations("from tests.support.fault_server import FaultServer") == [
        "imports tests.support.fault_server"
    ]
    assert violations("import pytest\nclass FaultServer: ...") == [
        "imports pytest",
        "defines FaultServer",
    ]
    assert violations("import asyncio\nasyncio.start_server(h, '127.0.0.1', 0)") == [
        "opens a socket server (start_server)"
    ]
    assert violations("from schedule_mcp.testing import world") == ["imports schedule_mcp.testing"]
    assert fault_knobs("class ContentFault: ...\ndef set_fault(kind=default): ...") == [
        "ContentFault",
        "set_fault",
    ]
    assert violations("import testsuite\nfrom schedule_mcp.domain import models") == []


def test_no_module_of_the_package_is_test_support() -> None:
    modules = sorted(PACKAGE.rglob("*.py"))
    assert len(modules) > 40
    found = {
        str(path.relative_to(PACKAGE)): problems
        for path in modules
        if (problems := violations(path.read_text(encoding="utf-8")))
    }
    assert found == {}
    assert not [path for path in modules if path.name in TEST_SUPPORT_FILES]


def test_the_testing_package_is_gone() -> None:
    assert not (PACKAGE / "testing").exists()
    assert importlib.util.find_spec("schedule_mcp.testing") is None


def test_the_sample_world_has_no_fault_knobs() -> None:
    found = {
        path.name: knobs
        for path in sorted((PACKAGE / "sample").glob("*.py"))
        if (knobs := fault_knobs(path.read_text(encoding="utf-8")))
    }
    assert found == {}
