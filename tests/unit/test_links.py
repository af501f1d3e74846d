"""The one codec for printed verification links (placement.links), as the sheets and the
verifier use it: one bounded inflate limit (64 KiB, spec §18), one error type."""

from __future__ import annotations

import pytest

from placement.errors import PlacementError
from placement.jws import b64u, deflate
from placement.links import (
    MAX_INFLATED,
    LinkError,
    fragment_payload,
    from_digits,
    parse_url,
    to_digits,
)
from verifier._cli import main as verify_main
from web.sheets import qr


def receipt_fragment(size: int) -> str:
    """An ``r=`` fragment whose DEFLATE data inflates to ``size`` bytes of JSON text."""
    text = '{"x":"' + "a" * (size - 8) + '"}'
    assert len(text) == size
    return "r=" + to_digits(b64u(deflate(text.encode())))


def test_the_limit_is_the_spec_s_64_kib() -> None:
    assert MAX_INFLATED == 64 * 1024
    kind, text = fragment_payload(receipt_fragment(MAX_INFLATED))
    assert kind == "receipt"
    assert len(text) == MAX_INFLATED


@pytest.mark.parametrize("size", [MAX_INFLATED + 1, 1 << 20])
def test_a_link_inflating_past_the_limit_is_refused_by_sheets_and_verifier(
    size: int, capsys: pytest.CaptureFixture[str]
) -> None:
    fragment = receipt_fragment(size)
    with pytest.raises(LinkError) as e:
        fragment_payload(fragment)
    assert (e.value.zh, e.value.en) == (
        "回执链接不完整或过大",
        "the receipt link is truncated or too large",
    )
    with pytest.raises(qr.QrError):
        parse_url(f"https://verify.example/verify/#{fragment}")
    assert verify_main([f"https://verify.example/verify/#{fragment}"]) == 2
    err = capsys.readouterr().err
    assert "回执链接不完整或过大" in err
    assert "the receipt link is truncated or too large" in err


def test_one_error_type_carrying_both_languages() -> None:
    assert qr.QrError is LinkError
    assert issubclass(LinkError, PlacementError)
    for bad in ("1", "9a", "99"):
        with pytest.raises(LinkError) as e:
            from_digits(bad)
        assert e.value.zh != e.value.en
    with pytest.raises(LinkError):
        parse_url("https://verify.example/verify/")


def test_sheets_write_what_the_codec_reads() -> None:
    jws = "eyJhbGciOiJFZERTQSJ9.e30.c2ln"
    url = qr.document_url(jws)
    assert url.startswith(qr.DEFAULT_BASE_URL)
    assert parse_url(url).text == jws
    receipt = {"t": "receipt", "n": 1}
    assert parse_url(qr.receipt_url(receipt)).text == '{"n":1,"t":"receipt"}'
