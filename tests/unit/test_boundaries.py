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


# -- the rooms of web/ (docs/service.md) -------------------------------------------------------

# Top to bottom; a room may import only the rooms below it (and the project packages after it).
ROOMS = ("cli", "demo", "app", "portal", "service", "sheets", "db", "record")
BELOW_WEB = frozenset({"placement", "keys"})  # what the bottom room, record/, may import
FLASK = frozenset({"flask", "flask_wtf", "werkzeug", "itsdangerous"})
PROJECT = ("placement", "verifier", "keys", "web")


def _room(dotted: str) -> str | None:
    """The room of a module ``web.<room>…``; None for anything outside web/'s rooms."""
    parts = dotted.split(".")
    if parts[0] != "web" or len(parts) < 2:
        return None
    return parts[1] if parts[1] in ROOMS else None


def _may_import(room: str) -> frozenset[str]:
    return frozenset(ROOMS[ROOMS.index(room) + 1 :])


def test_every_web_module_is_in_a_room():
    """web/ holds only its package marker and the rooms: no module left outside the table."""
    loose = [
        str(p.relative_to(ROOT))
        for p in _files("web")
        if p.relative_to(ROOT / "web").parts[0] not in {*ROOMS, "__init__.py"}
    ]
    assert not loose, "modules outside the rooms:\n" + "\n".join(loose)


def _room_violations() -> list[str]:
    found = []
    for path in _files("web"):
        rel = path.relative_to(ROOT)
        room = _room(".".join(rel.with_suffix("").parts))
        if room is None:
            continue
        allowed = _may_import(room)
        for line, top, dotted in _imports(path):
            target = _room(dotted)
            if top == "web" and target is None and dotted != "web":
                found.append(f"{rel}:{line}: imports {dotted}, which is in no room")
            elif target is not None and target != room and target not in allowed:
                found.append(f"{rel}:{line}: {room}/ imports {dotted} ({target}/ is not below)")
            elif top in FLASK and ROOMS.index(room) > ROOMS.index("app"):
                found.append(f"{rel}:{line}: {room}/ is below app/ and imports {dotted}")
            elif room == "record" and top in {"web", "verifier"} and target != "record":
                found.append(f"{rel}:{line}: record/ imports {dotted}")
    return found


def test_rooms_import_only_rooms_below():
    """The one-way doors: each room imports only rooms below it, nested imports included;
    nothing imports cli/; Flask stays in app/ and above."""
    found = _room_violations()
    assert not found, "room rule broken:\n" + "\n".join(found)


def test_nothing_imports_the_command_line():
    """web.cli is the top: no other module in the project imports it."""
    found = [
        f"{path.relative_to(ROOT)}:{line}: imports {dotted}"
        for package in PROJECT
        for path in _files(package)
        if _room(".".join(path.relative_to(ROOT).with_suffix("").parts)) != "cli"
        for line, _, dotted in _imports(path)
        if dotted == "web.cli" or dotted.startswith("web.cli.")
    ]
    assert not found, "\n".join(found)


def test_room_rule_sees_a_nested_upward_import():
    """The room check is not vacuous: an import inside a function body that goes up is found."""
    source = "def f():\n    from web.app.factory import create_app\n"
    found = [
        dotted
        for _, _, dotted in _imports_in(source, ("web", "service"))
        if _room(dotted) not in _may_import("service")
    ]
    assert found == ["web.app.factory"]


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _type_checking_lines(tree: ast.Module) -> set[int]:
    """Lines under ``if TYPE_CHECKING:``: those imports never run, so they make no cycle."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for inner in node.body:
                lines.update(range(inner.lineno, (inner.end_lineno or inner.lineno) + 1))
    return lines


def import_graph() -> dict[str, set[str]]:
    """Module → the project modules it imports, from every import statement anywhere in it
    (function bodies included). ``from a import b`` points at ``a.b`` when that is a module."""
    paths = {_module_name(p): p for package in PROJECT for p in _files(package)}
    graph: dict[str, set[str]] = {m: set() for m in paths}
    for module, path in paths.items():
        is_package = path.name == "__init__.py"
        package = tuple(module.split(".")) if is_package else tuple(module.split(".")[:-1])
        tree = ast.parse(path.read_text("utf-8"))
        skip = _type_checking_lines(tree)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Import | ast.ImportFrom) or node.lineno in skip:
                continue
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            else:
                if node.level:
                    keep = len(package) - (node.level - 1)
                    base = ".".join((*package[:keep], *([node.module] if node.module else [])))
                else:
                    base = node.module or ""
                targets = [
                    f"{base}.{a.name}" if f"{base}.{a.name}" in paths else base for a in node.names
                ]
            for named in targets:
                target = named
                while target and target not in paths:
                    target = target.rpartition(".")[0]
                if target and target != module:
                    graph[module].add(target)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle (as a path that returns to its start), or None (depth-first search)."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start)):
            return cycle
    return None


def test_no_import_cycles():
    """No module of placement/, verifier/, keys/ or web/ reaches itself through imports,
    counting the imports hidden inside functions."""
    graph = import_graph()
    assert len(graph) > 100  # the whole project was scanned
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " → ".join(cycle or [])


def test_cycle_check_finds_a_cycle():
    """The cycle search is not vacuous: a → b → c → a is found, a tree is not."""
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None
