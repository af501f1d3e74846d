"""Reading pupil leaves: the fast path agrees with the careful path (spec §4.2).

``verifier.documents`` reads the usual leaf without rebuilding it to compare
(``_plain_leaf``; a v2 leaf, spec §21.1, ``_plain_leaf_v2``) and hands every other
object to ``_leaf_careful``. Leaf objects
are drawn valid and then spoiled (other types, uppercase hex, non-NFC or blank
text, unknown sex or wish, a twin code without a wish, lone surrogates …): where
the fast path answers, it gives the careful path's leaf and leaf hash, and
``_leaf`` passes or fails exactly as the careful path does.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from placement.commitment import PUPIL_LEAF_TYPE, PUPIL_LEAF_TYPE_V2
from verifier.documents import _leaf, _leaf_careful, _plain_leaf, _plain_leaf_v2
from verifier.errors import Failed

_text = st.sampled_from(["张三", "Zoë", "e\u0301", " ", "", '"\\\n', "\U0001f600", "\ud800"])
_odd = st.sampled_from([None, 1, True, ["x"], {"a": 1}, 1.5])
_SPOIL = {
    "name": _text | _odd,
    "sex": st.sampled_from(["F", "M", "f", "X", ""]) | _odd,
    "stratum": _text | st.sampled_from(["s1", "s10"]) | _odd,
    "twin": _text | st.sampled_from(["t1"]) | _odd,
    "twin_wish": st.sampled_from(["", "same", "apart", "SAME"]) | _odd,
    "private": st.sampled_from(["ab" * 32, "AB" * 32, "ab" * 31, "g" * 64]) | _odd,
    "t": st.sampled_from([PUPIL_LEAF_TYPE, "sunshine-placement/v1/team-leaf"]) | _odd,
}


@st.composite
def leaf_docs(draw: st.DrawFn) -> dict[str, Any]:
    wish = draw(st.sampled_from(["", "same", "apart"]))
    doc: dict[str, Any] = {
        "name": draw(st.sampled_from(["王子轩", "李娜", "Zoë Li"])),
        "private": draw(st.binary(min_size=32, max_size=32)).hex(),
        "sex": draw(st.sampled_from(["F", "M"])),
        "stratum": draw(st.sampled_from(["", "s1", "s2"])),
        "t": PUPIL_LEAF_TYPE,
        "twin": "t1" if wish else "",
        "twin_wish": wish,
    }
    for key in draw(st.lists(st.sampled_from(sorted(_SPOIL)), max_size=3)):
        doc[key] = draw(_SPOIL[key])
    return doc


def _outcome(fn: Any, doc: dict[str, Any]) -> object:
    try:
        return fn(dict(doc))
    except Failed as e:
        return ("failed", e.zh, e.en)
    except Exception as e:  # noqa: BLE001 - whatever the careful path raises, both must
        return ("raised", type(e))


WHAT = ("第 0 个学生叶子", "leaf 0")
BASE = {"private": "ab" * 32, "sex": "F", "stratum": "", "t": PUPIL_LEAF_TYPE, "twin": ""}
BASE |= {"twin_wish": "", "name": "张三"}


@given(leaf_docs())
@example(BASE | {"name": "e\u0301"})  # not NFC
@example(BASE | {"name": "\ud800"})  # a lone surrogate
@example(BASE | {"private": "AB" * 32})  # uppercase hex
def test_fast_leaf_is_the_careful_leaf(doc: dict[str, Any]) -> None:
    """Where the fast path answers it is the careful answer; _leaf always is."""
    careful = _outcome(lambda d: _leaf_careful(d, WHAT), doc)
    fast = _plain_leaf(dict(doc))
    assert fast is None or fast == careful
    assert _outcome(lambda d: _leaf(d, 0), doc) == careful


@given(leaf_docs())
def test_every_accepted_leaf_takes_the_fast_path(doc: dict[str, Any]) -> None:
    """Every leaf the careful path accepts is read by the fast path (it is really used)."""
    careful = _outcome(lambda d: _leaf_careful(d, WHAT), doc)
    if isinstance(careful, tuple) and careful[0] in {"failed", "raised"}:
        return
    assert _plain_leaf(dict(doc)) == careful


# v2 (§21.1): no name, a same-name code, and no stratum beside a same-name code (§20.3).
# The type is not spoiled: another type makes the object a v1 leaf, whose fields differ.
_SPOIL_V2 = {k: v for k, v in _SPOIL.items() if k not in {"name", "t"}}
_SPOIL_V2["same_name"] = _text | st.sampled_from(["n1", "n12"]) | _odd


@st.composite
def leaf_docs_v2(draw: st.DrawFn) -> dict[str, Any]:
    wish = draw(st.sampled_from(["", "same", "apart"]))
    same = draw(st.sampled_from(["", "n1", "n2"]))
    doc: dict[str, Any] = {
        "private": draw(st.binary(min_size=32, max_size=32)).hex(),
        "same_name": same,
        "sex": draw(st.sampled_from(["F", "M"])),
        "stratum": "" if same else draw(st.sampled_from(["", "s1", "s2"])),
        "t": PUPIL_LEAF_TYPE_V2,
        "twin": "t1" if wish else "",
        "twin_wish": wish,
    }
    for key in draw(st.lists(st.sampled_from(sorted(_SPOIL_V2)), max_size=3)):
        doc[key] = draw(_SPOIL_V2[key])
    return doc


BASE_V2 = {k: v for k, v in BASE.items() if k != "name"} | {
    "same_name": "",
    "t": PUPIL_LEAF_TYPE_V2,
}


@given(leaf_docs_v2())
@example(BASE_V2 | {"same_name": "n1", "stratum": "s1"})  # a 重名 leaf shows no stratum
@example(BASE_V2 | {"same_name": "n\u0301"})  # not NFC
@example(BASE_V2 | {"same_name": "\ud800"})  # a lone surrogate
@example(BASE_V2 | {"private": "AB" * 32})  # uppercase hex
def test_fast_v2_leaf_is_the_careful_leaf(doc: dict[str, Any]) -> None:
    """As for v1: where the v2 fast path answers it is the careful answer; _leaf always is."""
    careful = _outcome(lambda d: _leaf_careful(d, WHAT), doc)
    fast = _plain_leaf_v2(dict(doc))
    assert fast is None or fast == careful
    assert _outcome(lambda d: _leaf(d, 0), doc) == careful


@given(leaf_docs_v2())
def test_every_accepted_v2_leaf_takes_the_fast_path(doc: dict[str, Any]) -> None:
    """Every v2 leaf the careful path accepts is read by the v2 fast path."""
    careful = _outcome(lambda d: _leaf_careful(d, WHAT), doc)
    if isinstance(careful, tuple) and careful[0] in {"failed", "raised"}:
        return
    assert careful[0].version == 2  # type: ignore[index]
    assert _plain_leaf_v2(dict(doc)) == careful


def test_leaf_reads_usual_leaves_without_the_careful_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """``_leaf`` hands a usual v1 or v2 leaf to its fast reader, not to the careful path."""

    def careful(*_: object) -> None:
        raise AssertionError

    monkeypatch.setattr("verifier.documents._leaf_careful", careful)
    assert _leaf(dict(BASE), 0)[0].version == 1
    assert _leaf(dict(BASE_V2), 0)[0].version == 2
