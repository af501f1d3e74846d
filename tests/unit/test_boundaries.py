"""Architecture boundaries: the pure core and the verifier import nothing they must not."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Neither the core nor the standalone verifier may depend on the web app, keys or I/O stacks.
APP_ONLY = frozenset({"web", "keys", "flask", "sqlmodel", "sqlalchemy", "weasyprint"})
# The pure core takes every byte of randomness, time and data as an argument.
IMPURE = frozenset(
    {
        "os",
        "random",
        "secrets",
        "time",
        "socket",
        "urllib",
        "http",
        "pathlib",
        "io",
        "subprocess",
        "sqlite3",
        "uuid",
        "importlib",  # would let a module import anything above behind the scanner's back
        "shutil",
        "tempfile",
        "requests",
        "httpx",
    }
)
FORBIDDEN_CALLS = frozenset({"open", "__import__", "exec", "eval", "input"})
CLOCK_ATTRIBUTES = frozenset({"now", "today", "utcnow", "time_ns", "monotonic", "perf_counter"})


def _files(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def _imports(path: Path) -> Iterator[tuple[int, str, str]]:
    package = path.relative_to(ROOT).with_suffix("").parts[:-1]
    return _imports_in(path.read_text("utf-8"), package)


def _imports_in(source: str, package: tuple[str, ...]) -> Iterator[tuple[int, str, str]]:
    """(line, top-level module, dotted name) for every import, nested ones included."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name.split(".")[0], alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                base = node.module or ""
            else:
                # Relative import: resolve against the file's package; escaping it is an error.
                keep = len(package) - (node.level - 1)
                prefix = ".".join(package[: max(keep, 0)]) if keep > 0 else "<outside>"
                base = f"{prefix}.{node.module}" if node.module else prefix
            yield node.lineno, base.split(".")[0], base


def _violations(package: str, banned: frozenset[str]) -> list[str]:
    found = []
    for path in _files(package):
        rel = path.relative_to(ROOT)
        for line, top, dotted in _imports(path):
            if top in banned or top == "<outside>":
                found.append(f"{rel}:{line}: imports {dotted}")
    return found


def test_packages_exist():
    """The scan below is not vacuous: both packages have Python files."""
    assert _files("placement")
    assert _files("verifier")


@pytest.mark.parametrize("package", ["placement", "verifier"])
def test_no_app_imports(package):
    """The core and the verifier never import the web app, keys, ORM or PDF stack."""
    found = _violations(package, APP_ONLY)
    assert not found, "forbidden imports:\n" + "\n".join(found)


def test_core_has_no_io_randomness_or_clock_imports():
    """The pure core gets randomness, time and files from its caller, never by itself."""
    found = _violations("placement", IMPURE)
    assert not found, "impure imports in placement/:\n" + "\n".join(found)


def test_core_calls_no_open_or_dynamic_code():
    """The pure core opens no files and runs no dynamic imports or eval."""
    found = []
    for path in _files("placement"):
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.id if isinstance(func, ast.Name) else None
                if name in FORBIDDEN_CALLS:
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}: calls {name}()")
    assert not found, "forbidden calls in placement/:\n" + "\n".join(found)


def test_core_reads_no_clock():
    """No date.today(), datetime.now() or time-like calls: the draw cannot depend on when it ran."""
    found = []
    for path in _files("placement"):
        tree = ast.parse(path.read_text("utf-8"))
        found.extend(
            f"{path.relative_to(ROOT)}:{node.lineno}: uses .{node.attr}"
            for node in ast.walk(tree)
            if isinstance(node, ast.Attribute) and node.attr in CLOCK_ATTRIBUTES
        )
    assert not found, "clock access in placement/:\n" + "\n".join(found)


def test_scanner_sees_nested_and_relative_imports():
    """The scanner itself catches imports hidden in functions and relative imports."""
    source = (
        "def f():\n"
        "    import os.path\n"
        "    from web.cli import main\n"
        "    from . import canonical\n"
        "    from .. import keys\n"
    )
    found = list(_imports_in(source, ("placement",)))
    tops = {top for _, top, _ in found}
    assert {"os", "web", "placement", "<outside>"} <= tops
    assert (3, "web", "web.cli") in found
