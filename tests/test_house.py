"""House rules the tree keeps: small modules and functions, no timed assertions in tests."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "schedule_mcp"
MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 60
LONG_ON_PURPOSE = "Long on purpose"
"""A function may be longer when its docstring or first comment says why, starting so."""
CLOCKS = {"perf_counter", "monotonic", "time", "perf_counter_ns", "monotonic_ns"}


def modules(folder: Path) -> Iterator[Path]:
    yield from sorted(folder.rglob("*.py"))


def functions(tree: ast.AST) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef]:
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node


def explains_its_length(node: ast.FunctionDef | ast.AsyncFunctionDef, source: list[str]) -> bool:
    docstring = ast.get_docstring(node) or ""
    head = "\n".join(source[node.lineno - 1 : node.lineno + 12])
    return LONG_ON_PURPOSE in docstring or f"# {LONG_ON_PURPOSE}" in head


def test_no_module_is_over_500_lines() -> None:
    long = {
        str(path.relative_to(PACKAGE)): count
        for path in modules(PACKAGE)
        if (count := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert long == {}


def test_no_function_is_over_60_lines_without_saying_why() -> None:
    long: list[str] = []
    for path in modules(PACKAGE):
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines()
        for node in functions(ast.parse(text)):
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            if length > MAX_FUNCTION_LINES and not explains_its_length(node, lines):
                long.append(f"{path.relative_to(PACKAGE)}:{node.lineno} {node.name} ({length})")
    assert long == []


def _is_clock_call(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in CLOCKS
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "time"
    )


def _is_reading(node: ast.AST, clocked: set[str]) -> bool:
    """A clock reading, a variable holding one, or arithmetic on them (not a call's argument)."""
    if _is_clock_call(node):
        return True
    if isinstance(node, ast.Name):
        return node.id in clocked
    if isinstance(node, ast.BinOp):
        return _is_reading(node.left, clocked) or _is_reading(node.right, clocked)
    return False


def timed_assertions(tree: ast.AST) -> Iterator[int]:
    """Lines of asserts that compare a wall-clock reading (directly or through a variable)."""
    for function in functions(tree):
        clocked: set[str] = set()
        for node in ast.walk(function):
            if isinstance(node, ast.Assign) and _is_reading(node.value, clocked):
                clocked |= {t.id for t in node.targets if isinstance(t, ast.Name)}
        for node in ast.walk(function):
            if not isinstance(node, ast.Assert):
                continue
            compared = [
                operand
                for compare in ast.walk(node.test)
                if isinstance(compare, ast.Compare)
                for operand in (compare.left, *compare.comparators)
            ]
            if any(_is_reading(operand, clocked) for operand in compared):
                yield node.lineno


@pytest.mark.parametrize("path", list(modules(ROOT / "tests")), ids=lambda p: p.name)
def test_no_test_asserts_elapsed_wall_time(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    assert list(timed_assertions(tree)) == []


def test_the_timed_assertion_scan_finds_one() -> None:
    sample = "import time\ndef f():\n    t = time.perf_counter()\n    assert time.perf_counter() - t < 1\n"
    assert list(timed_assertions(ast.parse(sample))) == [4]
