"""Verification URLs (spec §18.1): digit pairs, fragments, and the size of the codes."""

from __future__ import annotations

import hashlib
import io
import json
import random
import zlib

import pytest
import qrcode
import zxingcpp
from PIL import Image
from qrcode import util
from qrcode.constants import ERROR_CORRECT_M
from sheetkit import digits_to_text, receipt_of

from placement.canonical import canonical_json
from placement.jws import b64u_decode
from placement.links import LinkError as QrError
from placement.links import from_digits, parse_url, to_digits
from web.sheets.options import DEFAULT_BASE_URL
from web.sheets.qr import document_url, qr_image, receipt_url
from web.sheets.qrdata import codewords
from web.sheets.qrmask import FastQRCode, penalties

JWS = "eyJhbGciOiJFZERTQSJ9.e30.c2lnbmF0dXJlLV8"


class TestDigits:
    def test_smart_health_card_rule(self):
        """Each character c becomes the two digits of ord(c) - 45."""
        assert to_digits("-.09AZ_az") == "000103122045505277"
        assert from_digits("000103122045505277") == "-.09AZ_az"

    def test_round_trip_of_every_character(self):
        alphabet = "-.0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
        assert from_digits(to_digits(alphabet)) == alphabet
        assert digits_to_text(to_digits(alphabet)) == alphabet

    @pytest.mark.parametrize("bad", ["1", "0a", "02", "78", "99", "١٢"])
    def test_refuses_what_no_character_wrote(self, bad: str):
        with pytest.raises(QrError):
            from_digits(bad)

    def test_refuses_non_base64url(self):
        with pytest.raises(QrError):
            to_digits("a+b")


class TestUrls:
    def test_document(self):
        url = document_url(JWS)
        assert url == f"{DEFAULT_BASE_URL}#n={to_digits(JWS)}"
        assert parse_url(url).key == "n"
        assert parse_url(url).text == JWS

    def test_base_url_is_configurable(self):
        url = document_url(JWS, "https://example.org/v")
        assert url.startswith("https://example.org/v#n=")
        with pytest.raises(QrError):
            document_url(JWS, "https://example.org/v#x")

    def test_receipt(self):
        receipt = {"draw": "d", "index": 3, "name": "张三", "t": "sunshine-placement/v1/receipt"}
        url = receipt_url(receipt)
        text = digits_to_text(url.split("#r=", 1)[1])
        assert zlib.decompress(b64u_decode(text), -15) == canonical_json(receipt)
        assert receipt_of(url) == receipt
        assert json.loads(parse_url(url).text) == receipt

    @pytest.mark.parametrize("url", [DEFAULT_BASE_URL, f"{DEFAULT_BASE_URL}#x=0102", "#r=0001"])
    def test_refuses_other_fragments(self, url: str):
        with pytest.raises(QrError):
            parse_url(url)


class TestImage:
    def test_numeric_segment_and_decodes(self):
        """The digits go in a numeric segment: a 780-character JWS (the formats brief's
        50-pupil list) after the default base URL fits version 21 at ECC M, where the
        JWS itself in an 8-bit segment needs version 23; zxing reads it back exactly."""
        rng = random.Random(780)
        chars = "-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
        jws = ".".join("".join(rng.choices(chars, k=k)) for k in (200, 492, 86))
        url = document_url(jws)
        img = qr_image(url)
        assert img.version == 21
        assert qr_image(f"{DEFAULT_BASE_URL}#{jws}").version == 23
        assert img.modules == 17 + 4 * img.version + 8
        with Image.open(io.BytesIO(img.png)) as im:
            assert im.mode == "1"
            assert im.size == (img.modules, img.modules)
            big = im.resize((img.modules * 3, img.modules * 3), Image.Resampling.NEAREST)
        (found,) = zxingcpp.read_barcodes(big)
        assert found.text == url
        assert found.extra["Version"] == str(img.version)
        assert found.extra["ECLevel"] == "M"


class TestMaskChoice:
    @pytest.mark.parametrize("length", [3, 40, 150, 400, 900, 1500, 2200, 2900])
    def test_same_scores_and_symbol_as_qrcode(self, length: int):
        """All eight mask scores equal qrcode's own, so the symbol is the one it makes
        (versions below and above 7, where version information is added)."""
        rng = random.Random(length)
        url = f"{DEFAULT_BASE_URL}#n=" + "".join(rng.choices("0123456789", k=length))
        ref = qrcode.QRCode(error_correction=ERROR_CORRECT_M)
        ref.add_data(url)
        ref.best_fit()
        expected = []
        for mask in range(8):
            ref.makeImpl(True, mask)
            expected.append(util.lost_point(ref.modules))
        fast = FastQRCode(error_correction=ERROR_CORRECT_M)
        fast.add_data(url)
        fast.best_fit()
        assert penalties(fast) == expected
        ref.make()
        fast.make()
        assert fast.get_matrix() == ref.get_matrix()


def _sample_url(kind: str, length: int, rng: random.Random) -> str:
    if kind == "numeric":  # v1 documents and receipts: the digit pairs
        return f"{DEFAULT_BASE_URL}#n=" + "".join(rng.choices("0123456789", k=length))
    if kind == "reference":  # v2 references: short codes, 8-bit and alphanumeric segments
        b64 = "".join(rng.choices("ABCXYZabcxyz0123456789_-", k=43))
        return f"{DEFAULT_BASE_URL}#d=draw-{length}/c{length % 60:02d}/{b64}"
    return "".join(rng.choices("ABCDEFGHIJ0123456789 $%*+-./:abcxyz阳光é", k=length))


class TestBulkEncoding:
    """web.sheets.qrdata redoes qrcode's codeword and placement arithmetic in bulk; the
    version, every codeword and every module must stay qrcode's own."""

    @pytest.mark.parametrize("kind", ["numeric", "reference", "mixed"])
    @pytest.mark.parametrize("length", [1, 7, 40, 151, 400, 977, 1500, 2200, 2900])
    def test_same_codewords_and_symbol_as_qrcode(self, kind: str, length: int):
        url = _sample_url(
            kind, min(length, 1200) if kind == "mixed" else length, random.Random(length)
        )
        ref = qrcode.QRCode(error_correction=ERROR_CORRECT_M)
        ref.add_data(url, optimize=20)
        ref.make(fit=True)
        fast = FastQRCode(error_correction=ERROR_CORRECT_M)
        fast.add_data(url, optimize=20)
        fast.make(fit=True)
        assert fast.version == ref.version
        assert codewords(fast.version, ERROR_CORRECT_M, fast.data_list) == util.create_data(
            ref.version, ERROR_CORRECT_M, ref.data_list
        )
        assert fast.get_matrix() == ref.get_matrix()


class TestFrozenSymbols:
    """The symbols of sample statements are frozen module by module: a change of encoder
    (segno chooses other masks for about half of these lengths) or of its segment, mask
    or version rules shows here, not on a parent's phone."""

    @pytest.mark.parametrize(
        ("length", "version", "digest"),
        [
            (300, 13, "f70e127465c44bd909d9ad3e2056c03dfc3515bb78322f3eaa2c8df832fd639e"),
            (1100, 23, "d56af451e5f88574cf6fd6cafbf3fcbf6ccdefbc83ac391b8c239d6bbceaa90d"),
            (1500, 27, "f2f0b7769a66c8b7fe5ba8176d54910aa1c5355960501cd673948cdaba422d4e"),
        ],
    )
    def test_module_matrix(self, length: int, version: int, digest: str):

        rng = random.Random(18)
        chars = "-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
        jws = ""
        for k in (300, 1100, 1500):  # drawn in this order, so each sample is fixed
            parts = (k // 5, k * 3 // 5, 86)
            sample = ".".join("".join(rng.choices(chars, k=n)) for n in parts)
            if k == length:
                jws = sample
        img = qr_image(document_url(jws))
        assert img.version == version
        with Image.open(io.BytesIO(img.png)) as im:
            assert hashlib.sha256(im.convert("L").tobytes()).hexdigest() == digest
