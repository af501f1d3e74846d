"""The command lines start fast: their parsers load no web framework, database layer or
PDF renderer (issue 10), and the lazy list of commands matches what each group registers."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

import pytest

HEAVY = ("flask", "sqlalchemy", "sqlmodel", "weasyprint", "openpyxl", "alembic")


def loaded_after(code: str) -> set[str]:
    """The heavy top-level packages in ``sys.modules`` after running ``code`` in a fresh
    interpreter (``--help`` exits through SystemExit, which is caught)."""
    probe = (
        "import sys, json, contextlib, io\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n"
        + "".join(f"        {line}\n" for line in code.splitlines())
        + "    except SystemExit:\n"
        "        pass\n"
        f"print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & {set(HEAVY)!r})))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], check=True, capture_output=True, text=True
    ).stdout
    return set(json.loads(out.splitlines()[-1]))


@pytest.mark.parametrize(
    "code",
    [
        "import web.cli",
        "import web.cli; web.cli.build_parser(['--help'])",
        "from web.cli import main; main(['--help'])",
        "from web.cli import main; main([])",
        "from web.cli import main; main(['draw', '--help'])",
        "from web.cli import main; main(['schools', 'add', '--help'])",
        "from web.cli import main; main(['print', '--help'])",
        "from web.cli import main; main(['keys', '--help'])",
        "from web.cli import main; main(['serve', '--help'])",
        "from web.cli import main; main(['export-public', '--help'])",
        "from web.cli import main; main(['district', 'run', '--help'])",
        "import web.cli; web.cli.full_parser()",
    ],
)
def test_placement_help_loads_no_framework_database_or_renderer(code: str) -> None:
    assert loaded_after(code) == set()


def test_verify_placement_help_loads_only_the_parser() -> None:
    code = "from verifier._cli import main; main(['--help'])"
    assert loaded_after(code) == set()
    probe = (
        "import sys, contextlib, io\n"
        "from verifier._cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    main(['--help'])\n"
        "print(sorted(m for m in sys.modules if m.startswith(('verifier.', 'cryptography'))))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], check=True, capture_output=True, text=True
    ).stdout
    assert out.strip() == "['verifier._cli', 'verifier.errors']"


def test_the_lazy_command_list_matches_what_each_group_registers() -> None:
    import web.cli  # noqa: PLC0415 - the module under test

    registered: dict[str, tuple[str, str]] = {}
    for module in dict.fromkeys(m for m, _ in web.cli.COMMANDS.values()):
        parser = argparse.ArgumentParser()
        sub = parser.add_subparsers()
        web.cli.add_group(sub, module)
        for action in sub._choices_actions:
            registered[action.dest] = (module, str(action.help))
    assert registered == web.cli.COMMANDS
    assert list(registered) == list(web.cli.COMMANDS)  # --help lists them in this order


def test_a_command_builds_only_its_own_group(capsys: pytest.CaptureFixture[str]) -> None:
    from web.cli import main  # noqa: PLC0415

    with pytest.raises(SystemExit):
        main(["freeze", "--help"])
    assert "INTAKE" in capsys.readouterr().out
    with pytest.raises(SystemExit) as e:
        main(["no-such-command"])
    assert e.value.code == 2
    assert "invalid choice" in capsys.readouterr().err
