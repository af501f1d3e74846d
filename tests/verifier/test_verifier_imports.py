"""The standalone verifier imports only the standard library, the core, ``cryptography``
and ``pypdf`` (pure Python; only to read a printed class-list PDF, verifier/sheets.py)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import verifier

PACKAGE = Path(verifier.__file__).resolve().parent
ALLOWED = frozenset({"placement", "verifier", "cryptography", "pypdf"}) | sys.stdlib_module_names
NEVER = frozenset({"web", "keys", "flask", "sqlmodel", "sqlalchemy", "weasyprint", "jsonschema"})


def imports(path: Path) -> list[tuple[int, str]]:
    """(line, top-level module) of every import in a file, nested and relative ones included."""
    found = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name.split(".")[0]) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            top = "verifier" if node.level else (node.module or "").split(".")[0]
            found.append((node.lineno, top))
    return found


def test_verifier_imports_only_allowed_modules():
    files = sorted(PACKAGE.rglob("*.py"))
    assert len(files) > 10
    bad = [
        f"{path.relative_to(PACKAGE.parent)}:{line}: imports {top}"
        for path in files
        for line, top in imports(path)
        if top not in ALLOWED or top in NEVER
    ]
    assert not bad, "\n".join(bad)


def test_scanner_catches_nested_imports(tmp_path: Path):
    source = tmp_path / "x.py"
    source.write_text(
        "def f():\n    import web.record.bundle\n    from keys.signer import Signer\n"
    )
    assert {top for _, top in imports(source)} == {"web", "keys"}


def test_no_dynamic_imports():
    """No __import__/importlib tricks to reach past the scan."""
    for path in PACKAGE.rglob("*.py"):
        text = path.read_text("utf-8")
        assert "__import__" not in text, path
        assert "import_module" not in text, path
