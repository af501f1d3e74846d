"""Text of exception requests in the browser verifier (web/static/verify/js/text.js) is read
exactly as the Python core reads it (spec §E2 "Reading text": white space of Python's
``str.isspace`` removed at both ends, then NFC; empty or over 500 code points refused),
in real Chromium, over the characters where JavaScript's ``trim`` differs."""

# ruff: noqa: E501 - the JavaScript run in the page is kept on readable lines

from __future__ import annotations

import unicodedata
from typing import Any

import pytest
from browserkit import js

from placement.exceptions import ExceptionError, named_from_json

WHITE = [chr(c) for c in range(0x110000) if chr(c).isspace()]
NOT_WHITE = ["\ufeff", "\u200b", "\u180e", "\u2060"]  # JS trim removes U+FEFF; Python keeps it
CORPUS = [
    *(f"{w}陈静{w}" for w in WHITE),
    *(f"{c}陈静{c}" for c in NOT_WHITE),
    "e\u0301",  # NFD → NFC
    "\u3000e\u0301\u3000",
    "a \u0301",  # the space is not at the end: the combining mark follows it
    "\uf900",  # a CJK compatibility ideograph: NFC maps it to U+8C48
    "\u1100\u1161\u11a8",  # Hangul jamo compose under NFC
    "张\u00a0三",  # inner white space stays
    "𠀀" * 500,  # 500 code points, 1000 UTF-16 units: accepted
    "𠀀" * 501,
    "a" * 500 + " ",  # 501 as written: refused, though 500 after trimming
    "".join(WHITE),
    "",
]


def python(text: str) -> str | None:
    try:
        return named_from_json([text, "F"])[0]
    except ExceptionError:
        return None


def test_python_reading_is_as_the_spec_says() -> None:
    """The oracle: strip (isspace), then NFC, refusals by length as written."""
    assert len(WHITE) == 29
    for text in CORPUS:
        trimmed = text.strip()
        want = None if not trimmed or len(text) > 500 else unicodedata.normalize("NFC", trimmed)
        assert python(text) == want, repr(text)


def test_js_reads_text_as_python(page: Any, vector_site: str) -> None:
    page.goto(vector_site)
    got = js(
        page,
        """const t = await mod('text');
        return arg.map((s) => { try { return t.readText(s, 'name'); } catch { return null; } });""",
        CORPUS,
    )
    want = [python(s) for s in CORPUS]
    diff = [(repr(s), g, w) for s, g, w in zip(CORPUS, got, want, strict=True) if g != w]
    assert diff == []


@pytest.mark.parametrize("end", ["\u3000", "\u0085", "\u001f"])
def test_same_name_with_trailing_space_is_the_same_name(
    page: Any, vector_site: str, end: str
) -> None:
    """A late pupil named "陈静" + white space is 重名 with 陈静 of class 1, so class 1 (which
    sizes alone would pick) is no candidate and the approval placing it in class 2 replays;
    the new statement shows the name as read."""
    page.goto(vector_site)
    got = js(
        page,
        """const x = await mod('exceptions');
        const leaf = (name, sex) => ({name, sex, stratum: '', twin: '', twin_wish: '', private: '00'.repeat(32), t: 'sunshine-placement/v1/pupil-leaf'});
        const team = (n) => ({number: n, label: `(${n})`, head_teacher: 'T', teachers: [], t: 'sunshine-placement/v1/team-leaf'});
        const state = {version: 1, leaves: [leaf('陈静', 'F'), leaf('王伟', 'M'), leaf('李娜', 'F'), leaf('张三', 'M'), leaf('赵四', 'M')],
          classes: [{number: 1, label: '(1)', pupils: [0, 1], team: team(1), version: 1},
                    {number: 2, label: '(2)', pupils: [2, 3, 4], team: team(2), version: 1}]};
        const setting = {cap: 45, tolerance: 1, finalSeed: new Uint8Array(32), drawnOn: '2024-08-14'};
        const req = {kind: 'late-placement', number: 1, detail: {admission: {basis: 'late-review', reference: 'R1'}, leaf: leaf(arg.name, 'F')}};
        const other = await x.lateClass(state, setting, leaf('陈晶', 'F'), 1, false);
        const dec = {decision: 'approved', waivers: [], placed: 2, decided_on: '2025-09-01'};
        const r = await x.applyException(state, setting, req, dec);
        return {other, changed: r.changed, name: r.state.leaves[5].name};""",
        {"name": "陈静" + end},
    )
    assert got == {"other": 1, "changed": [2], "name": "陈静"}
