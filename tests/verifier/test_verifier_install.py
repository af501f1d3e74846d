"""A parent association's install: a clean virtual environment, the project without its
web or test extras (``--no-deps``), then only ``cryptography`` and ``rfc8785``."""

from __future__ import annotations

import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest
from verifierkit import ROOT, Made

SOURCES = ("pyproject.toml", "README.md", "LICENSE", "placement", "verifier", "web", "keys")


def _run(*args: object, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, check=False, cwd=cwd, timeout=600
    )


@pytest.mark.slow
def test_verifier_alone_in_a_clean_venv(tmp_path: Path, small: Made):
    env = tmp_path / "venv"
    try:
        venv.EnvBuilder(with_pip=True, system_site_packages=False, clear=True).create(env)
    except (OSError, subprocess.CalledProcessError) as e:  # no venv or ensurepip here
        pytest.skip(f"cannot create a virtual environment here: {e}")
    python = env / ("Scripts" if sys.platform == "win32" else "bin") / "python"
    if not python.exists():
        pytest.skip("the virtual environment has no python")
    # Build from a copy so that no build/ folder appears in the working tree.
    src = tmp_path / "src"
    src.mkdir()
    for name in SOURCES:
        item = ROOT / name
        if item.is_dir():
            shutil.copytree(item, src / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(item, src / name)
    steps = [
        (python, "-m", "pip", "install", "--quiet", "--no-deps", src),
        (python, "-m", "pip", "install", "--quiet", "cryptography", "rfc8785"),
    ]
    for step in steps:
        done = _run(*step)
        assert done.returncode == 0, done.stdout + done.stderr
    where = _run(python, "-c", "import verifier; print(verifier.__file__)", cwd=tmp_path).stdout
    assert Path(where.strip()).is_relative_to(env), where
    listed = _run(python, "-m", "pip", "list", "--format=freeze").stdout.lower()
    assert "flask" not in listed
    assert "jsonschema" not in listed
    assert "pytest" not in listed
    bundle = tmp_path / "public.zip"
    bundle.write_bytes(small.public)
    script = env / ("Scripts" if sys.platform == "win32" else "bin") / "verify-placement"
    done = _run(script, bundle, cwd=tmp_path)
    assert done.returncode == 3, done.stdout + done.stderr  # own keys only (spec §23.2)
    assert "VERIFIED" in done.stdout
    assert "Traceback" not in done.stdout + done.stderr
