"""Writing a benchmark's section into docs/benchmarks.md: replaced in place when the
file has it (from its ``## `` heading to its end marker), appended otherwise."""

from __future__ import annotations

from pathlib import Path


def replace_section(doc: Path, section: str, *, heading: str, end: str) -> None:
    """``section`` starts with ``heading`` and ends with the ``end`` marker."""
    text = doc.read_text("utf-8")
    if heading in text and end in text:
        head = text[: text.index(heading)]
        tail = text[text.index(end) + len(end) :]
        text = head + section + tail
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    doc.write_text(text, "utf-8")
