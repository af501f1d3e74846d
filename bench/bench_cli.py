"""Start-up of the command lines against a bare interpreter (issue 10: "a fast command line").

    python bench/bench_cli.py            # 21 runs of each, printed
    python bench/bench_cli.py --write    # and the section in docs/benchmarks.md

Each of ``python -c pass``, ``placement --help``, ``placement <group> --help`` (for a few
groups) and ``verify-placement --help`` is started as a fresh process, interleaved round by
round so that load on the machine hits them alike; the figure is the median wall time of
each, and the ratio is against ``python -c pass`` of the same run. Targets: ``placement
--help`` ≤ 4×, ``verify-placement --help`` ≤ 4×.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from benchdoc import replace_section

DOC = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
HEADING = "## Command-line start-up (`bench/bench_cli.py`)"
END = "<!-- cli-bench:end -->"
PY = sys.executable
# The console scripts pip installed beside this interpreter, as people run them.
BIN = Path(PY).parent
COMMANDS: dict[str, list[str]] = {
    "python -c pass": [PY, "-c", "pass"],
    "placement --help": [str(BIN / "placement"), "--help"],
    "placement draw --help": [str(BIN / "placement"), "draw", "--help"],
    "placement keys --help": [str(BIN / "placement"), "keys", "--help"],
    "placement print --help": [str(BIN / "placement"), "print", "--help"],
    "verify-placement --help": [str(BIN / "verify-placement"), "--help"],
}
TARGETS = {"placement --help": 4.0, "verify-placement --help": 4.0}


def measure(runs: int) -> dict[str, float]:
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for _ in range(runs):
        for name, cmd in COMMANDS.items():
            start = time.perf_counter()
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(t) for name, t in times.items()}


def section(medians: dict[str, float], runs: int, load: tuple[float, float]) -> str:
    base = medians["python -c pass"]
    rows = []
    for name, t in medians.items():
        target = f"≤ {TARGETS[name]:.0f}×" if name in TARGETS else ""
        rows.append(f"| `{name}` | {t * 1000:.0f} ms | **{t / base:.1f}×** | {target} |")
    cpu = platform.processor() or platform.machine()
    return "\n".join(
        [
            HEADING,
            "",
            "<!-- cli-bench:start -->",
            (
                f"Measured {datetime.now(UTC):%Y-%m-%d} on {os.cpu_count()} × {cpu}, Python "
                f"{platform.python_version()}; load average {load[0]:.1f} before and {load[1]:.1f} "
                f"after. Medians of {runs} fresh processes each, interleaved; the ratio is against "
                "`python -c pass` of the same run. The parser is built from light modules only "
                "(`web/cli/`): each command imports the service, the database or the sheets when "
                "it runs (`tests/unit/test_cli_imports.py` checks that `--help` loads no Flask, "
                "SQLAlchemy, SQLModel or WeasyPrint)."
            ),
            "",
            "| command | median | / `python -c pass` | target |",
            "|---|---|---|---|",
            *rows,
            END,
        ]
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--write", action="store_true", help="rewrite the section in the docs")
    args = parser.parse_args()
    before = os.getloadavg()[0]
    measure(2)  # warm the file cache
    medians = measure(args.runs)
    after = os.getloadavg()[0]
    text = section(medians, args.runs, (before, after))
    print(text)
    if args.write:
        replace_section(DOC, text, heading=HEADING, end=END)
    base = medians["python -c pass"]
    return 0 if all(medians[n] / base <= t for n, t in TARGETS.items()) else 1


if __name__ == "__main__":
    sys.exit(main())
