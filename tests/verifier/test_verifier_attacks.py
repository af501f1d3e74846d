"""Named attacks on a record: retired and revoked keys, a re-ordered log, a statement from
another draw, forged receipts, leaked private data, damaged zips, amendments."""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from datetime import date, datetime, timedelta

import pytest
from forge import document, log_entries, members, pack, relog, resign
from verifierkit import BUREAU, LOG, NOW, PASSPHRASE, Keys, Made

from keys.signer import sign_general
from keys.store import KeyStore
from placement.documents import Change, amendment, digest
from placement.keyring import CST, KeyRole, keyring_from_json
from placement.tlog import entry
from verifier.checks import Status
from verifier.report import Report
from verifier.verify import verify_bundle, verify_receipt, verify_statement
from web.record.draw import DrawRecord
from web.record.filelog import FileLog

SIGNED_DOCUMENTS = {
    "signature.announcement",
    "signature.ceremony",
    "signature.result",
    "signature.statements",
}


def failed(report: Report) -> set[str]:
    return {c.name for c in report.checks if c.status is Status.FAIL}


def message(report: Report, check: str) -> str:
    c = next(c for c in report.checks if c.name == check)
    return f"{c.message_zh} / {c.message_en}"


@pytest.fixture
def store_copy(keys: Keys, tmp_path) -> KeyStore:
    """The fixtures' key store, copied so that it can be rotated or revoked."""
    shutil.copytree(keys.store.directory, tmp_path / "store")
    return KeyStore(tmp_path / "store", kdf_rounds=1_000)


class TestKeys:
    def test_key_used_after_its_retirement(self, small: Made, store_copy: KeyStore):
        """Rotated with a retirement day before the signing day: every bureau signature fails."""
        store_copy.rotate(BUREAU, BUREAU + "b", date(2024, 8, 1), PASSPHRASE)
        ring = store_copy.keyring()
        files = members(small.public)
        report = verify_bundle(pack({**files, "keyring.json": json.dumps(ring.to_json()).encode()}))
        assert failed(report) >= SIGNED_DOCUMENTS
        assert "2024-08-01" in message(report, "signature.ceremony")
        assert "retired" in message(report, "signature.ceremony")
        # The bureau's newer keyring as the trusted one gives the same answer.
        report = verify_bundle(small.public, trusted=ring)
        assert failed(report) >= SIGNED_DOCUMENTS
        assert "keyring.trusted" not in failed(report)  # the bundle's copy is only older

    def test_retired_key_signs_again(self, small: Made, store_copy: KeyStore):
        """A statement signed again with the retired key after retirement fails; one signed
        before retirement still verifies (sheets outlive keys), and so does the new key."""
        store_copy.rotate(BUREAU, BUREAU + "b", date(2024, 8, 1), PASSPHRASE)
        ring = store_copy.keyring()
        old = store_copy.signer(BUREAU, PASSPHRASE)
        new = store_copy.signer(BUREAU + "b", PASSPHRASE)
        doc = document(members(small.public)["statements/01.jws"])
        after = int(NOW.timestamp())
        before = int(datetime(2024, 7, 31, 23, 59, tzinfo=CST).timestamp())
        r = verify_statement(old.sign_jws(doc, iat=after, compress=True), keyring=ring)
        assert failed(r) == {"signature.statement"}
        assert "retired" in message(r, "signature.statement")
        assert verify_statement(old.sign_jws(doc, iat=before, compress=True), keyring=ring).verified
        assert verify_statement(new.sign_jws(doc, iat=after, compress=True), keyring=ring).verified

    @pytest.mark.parametrize(("day", "ok"), [(date(2024, 8, 14), False), (date(2024, 8, 15), True)])
    def test_revocation_day(self, small: Made, store_copy: KeyStore, day: date, ok: bool):
        """Revoked on the signing day: refused; revoked the day after: still valid."""
        store_copy.revoke(BUREAU, day, "密钥泄露")
        report = verify_bundle(small.public, trusted=store_copy.keyring())
        assert report.verified is ok
        if not ok:
            assert failed(report) >= SIGNED_DOCUMENTS
            assert "revoked" in message(report, "signature.result")

    @pytest.mark.parametrize(
        ("change", "expected"),
        [
            ({"valid_from": "2024-09-01"}, SIGNED_DOCUMENTS),
            ({"role": "supervisor"}, SIGNED_DOCUMENTS),
            ({"role": "log"}, SIGNED_DOCUMENTS),
        ],
    )
    def test_bureau_entry_changed(self, small: Made, change, expected):
        """A key not yet valid, or of a role that may not sign, is refused (bundle keyring)."""
        files = members(small.public)
        ring = json.loads(files["keyring.json"])
        for k in ring["keys"]:
            if k["vkey"].startswith(BUREAU + "+"):
                k.update(change)
        report = verify_bundle(pack({**files, "keyring.json": json.dumps(ring).encode()}))
        assert expected <= failed(report)

    def test_checkpoint_needs_a_log_key(self, small: Made):
        files = members(small.public)
        ring = json.loads(files["keyring.json"])
        for k in ring["keys"]:
            if k["vkey"].startswith(LOG + "+"):
                k["role"] = "bureau"
        report = verify_bundle(pack({**files, "keyring.json": json.dumps(ring).encode()}))
        assert "log.checkpoint" in failed(report)

    def test_signature_by_an_unknown_key(self, small: Made, tmp_path):
        """A document signed by a bureau key that is not in the keyring is refused."""
        stranger = KeyStore(tmp_path / "s", kdf_rounds=1_000)
        stranger.init()
        stranger.create(BUREAU, KeyRole.BUREAU, "冒名者", date(2024, 1, 1), PASSPHRASE)
        signer = stranger.signer(BUREAU, PASSPHRASE)
        files = members(small.public)
        text = files["ceremony.jws"].decode()
        forged = resign(text, document(text), [signer])
        report = verify_bundle(pack({**files, "ceremony.jws": forged.encode()}))
        assert "signature.ceremony" in failed(report)
        assert "not in the keyring" in message(report, "signature.ceremony")

    def test_cosignature_dropped_or_added(self, small: Made, keys: Keys):
        """The bureau alone still verifies; a supervisor may not sign first."""
        files = members(small.public)
        text = files["result.jws"].decode()
        alone = resign(text, document(text), [keys.bureau])
        assert verify_bundle(pack({**files, "result.jws": alone.encode()})).verified
        header_iat = int(NOW.timestamp())
        sup = keys.signers.supervisor
        assert sup is not None
        sup_first = sign_general(document(text), [keys.bureau, sup], iat=header_iat)
        general = json.loads(sup_first)
        general["signatures"].reverse()
        report = verify_bundle(pack({**files, "result.jws": json.dumps(general).encode()}))
        assert "signature.result" in failed(report)


class TestLog:
    @pytest.mark.parametrize(("a", "b"), [(1, 2), (3, 4), (0, 1)])
    def test_reordered_log(self, small: Made, keys: Keys, tmp_path, a: int, b: int):
        """Two entries swapped and the log rebuilt with FileLog on a copy, checkpoints
        signed again with the log key: the order check refuses it."""
        files = members(small.public)
        entries = log_entries(files)
        entries[a], entries[b] = entries[b], entries[a]
        log = FileLog(tmp_path / "log")
        sizes = {int(p.rsplit("/", 1)[1]) for p in files if p.startswith("log/checkpoints/")}
        for n, e in enumerate(entries, start=1):
            log.append(e)
            if n in sizes or n == len(entries):
                checkpoint = log.checkpoint(keys.signers.log)
        rebuilt = DrawRecord(small.record.dir, log)._log_members(checkpoint)
        kept = {p: v for p, v in files.items() if not p.startswith("log/")}
        rebuilt["log/checkpoint"] = checkpoint.encode()
        report = verify_bundle(pack({**kept, **rebuilt}))
        assert "log.order" in failed(report)
        assert not failed(report) & {"log.inclusion", "log.consistency", "log.checkpoint"}

    def test_log_rewritten_behind_an_old_checkpoint(self, small: Made, keys: Keys):
        """A rewritten history fails consistency with a checkpoint kept from before."""
        files = members(small.public)
        entries = log_entries(files)
        entries[1]["detail"]["input"] = "6 6 6"
        forged = relog(files, entries, keys.signers.log)
        old = {p: v for p, v in files.items() if p.startswith("log/checkpoints/")}
        report = verify_bundle(pack({**forged, **old}))
        assert "log.consistency" in failed(report)

    def test_entry_left_out(self, small: Made, keys: Keys):
        """A step missing from the log (here: the seed reveal) is refused."""
        files = members(small.public)
        entries = [e for e in log_entries(files) if e["event"] != "seed.revealed"]
        report = verify_bundle(pack(relog(files, entries, keys.signers.log)))
        assert {"log.order", "log.documents"} <= failed(report)

    def test_announcement_logged_after_the_ceremony(self, small: Made, keys: Keys):
        files = members(small.public)
        entries = log_entries(files)
        entries = [*entries[1:3], entries[0], *entries[3:]]
        report = verify_bundle(pack(relog(files, entries, keys.signers.log)))
        assert {"log.order", "log.timeline"} & failed(report)
        assert not report.verified


class TestDocuments:
    def test_statement_from_another_draw(self, small: Made, other: Made):
        files = members(small.public)
        theirs = members(other.public)["statements/01.jws"]
        report = verify_bundle(pack({**files, "statements/01.jws": theirs}))
        assert failed(report) == {"statements.match"}
        assert "class 1" in message(report, "statements.match")

    def test_statement_missing_or_extra(self, small: Made):
        files = members(small.public)
        without = {p: v for p, v in files.items() if p != "statements/03.jws"}
        assert "statements.match" in failed(verify_bundle(pack(without)))
        extra = {**files, "statements/04.jws": files["statements/03.jws"]}
        assert "statements.match" in failed(verify_bundle(pack(extra)))

    def test_pupils_swapped_between_classes(self, small: Made, keys: Keys):
        """Two pupils of the same sex and stratum swapped, result and statements signed again:
        the balance still holds, but the replay shows the draw did not give this result."""
        files = members(small.public)
        text = files["result.jws"].decode()
        doc = document(text)
        leaves = json.loads(files["roster/leaves.json"])
        names = [x["name"] for x in leaves]
        plain = {i for i, x in enumerate(leaves) if names.count(x["name"]) == 1 and not x["twin"]}

        def key(i: int) -> tuple[str, str]:
            return leaves[i]["sex"], leaves[i]["stratum"]

        a, b = doc["classes"][0]["pupils"], doc["classes"][1]["pupils"]
        i, j = next((i, j) for i in a for j in b if key(i) == key(j) and {i, j} <= plain)
        a[a.index(i)], b[b.index(j)] = j, i
        forged = resign(text, doc, keys.signers.cosigners())
        report = verify_bundle(pack({**files, "result.jws": forged.encode()}))
        assert "draw.replay" in failed(report)
        assert "draw.guarantees" not in failed(report)
        assert "class 1" in message(report, "draw.replay")

    def test_amendment(self, small: Made, keys: Keys):
        """A signed, logged amendment verifies; one moving a pupil from the wrong class fails,
        and one missing from the log fails."""
        files = members(small.public)
        result = document(files["result.jws"])
        cls = result["classes"]
        pupil = cls[0]["pupils"][0]

        def bundle(src: int, logged: bool = True) -> bytes:
            doc = amendment(
                result_digest=digest(result),
                seq=1,
                changes=[Change(pupil=pupil, from_class=src, to_class=2)],
                reason="家长申请，经审批",
                approved_by="洮北区教育局",
                approved_on="2024-08-20",
            )
            signed = keys.bureau.sign_jws(doc, iat=int((NOW + timedelta(days=6)).timestamp()))
            entries = log_entries(files)
            if logged:
                entries.append(
                    entry(
                        event="amendment.approved",
                        draw_id=small.record.draw_id,
                        actor="bureau",
                        time="2024-08-20T10:00:00+08:00",
                        detail={"digest": digest(doc).hex()},
                    )
                )
            forged = relog(files, entries, keys.signers.log)
            return pack({**forged, "amendments/1.jws": signed.encode()})

        assert verify_bundle(bundle(1)).verified
        assert "amendments.apply" in failed(verify_bundle(bundle(3)))
        assert "log.documents" in failed(verify_bundle(bundle(1, logged=False)))


class TestReceipts:
    def announcement(self, made: Made) -> str:
        return members(made.public)["announcement.jws"].decode()

    def test_good_receipt(self, small: Made, keys: Keys):
        r = verify_receipt(
            small.receipt, announcement=self.announcement(small), keyring=keys.keyring
        )
        assert r.verified, [c for c in r.checks if c.blocks]

    def test_receipt_of_another_roster(self, small: Made, other: Made, keys: Keys):
        r = verify_receipt(
            other.receipt, announcement=self.announcement(small), keyring=keys.keyring
        )
        assert failed(r) == {"receipt.announcement"}

    def test_pupil_not_in_the_roster(self, small: Made):
        """Another child's name on a real receipt: the inclusion proof fails."""
        forged = json.loads(json.dumps(small.receipt))
        forged["leaf"]["name"] = "王小明"
        r = verify_receipt(forged, announcement=None, keyring=None)
        # …and, given no announcement, the receipt is refused for that too (spec §21.5)
        assert failed(r) == {"receipt.inclusion", "signature.announcement", "receipt.announcement"}
        moved = json.loads(json.dumps(small.receipt))
        moved["index"] = (moved["index"] + 1) % moved["size"]
        assert "receipt.inclusion" in failed(verify_receipt(moved, announcement=None, keyring=None))

    @pytest.mark.parametrize("field", ["salt", "id_number", "birth_date", "student_no"])
    def test_private_part_changed(self, small: Made, field: str):
        forged = json.loads(json.dumps(small.receipt))
        value = forged["private"][field]
        forged["private"][field] = value[:-1] + ("0" if value[-1] != "0" else "1")
        r = verify_receipt(forged, announcement=None, keyring=None)
        assert "receipt.private" in failed(r)

    def test_announcement_without_keyring_is_incomplete(self, small: Made):
        r = verify_receipt(small.receipt, announcement=self.announcement(small), keyring=None)
        assert not r.verified
        assert not failed(r)
        skipped = {c.name for c in r.checks if c.blocks}
        assert skipped == {"signature.announcement"}


class TestPrivacyAndZip:
    def test_private_member_in_a_public_bundle(self, small: Made):
        files = members(small.public)
        leak = members(small.archive)["private/leaves.json"]
        report = verify_bundle(pack({**files, "private/leaves.json": leak}))
        assert {"bundle.members", "bundle.privacy"} <= failed(report)

    @pytest.mark.parametrize(
        ("member", "text"),
        [
            ("teams.json", "220802201806147027"),
            ("schemas/extra.schema.json", '{"salt": "00112233445566778899aabbccddeeff"}'),
            ("roster/salts.json", '[{"salt": "00112233445566778899aabbccddeeff"}]'),
        ],
    )
    def test_private_data_in_public_members(self, small: Made, member: str, text: str):
        files = members(small.public)
        if member == "teams.json":
            teams = json.loads(files[member])
            teams[0]["teachers"][0]["name"] = text
            data = json.dumps(teams, ensure_ascii=False).encode()
        else:
            data = text.encode()
        report = verify_bundle(pack({**files, member: data}))
        assert "bundle.privacy" in failed(report)

    def test_archive_private_leaf_changed(self, small: Made):
        files = members(small.archive)
        private = json.loads(files["private/leaves.json"])
        private[3]["salt"] = "0" * 32
        report = verify_bundle(pack({**files, "private/leaves.json": json.dumps(private).encode()}))
        assert failed(report) == {"archive.private"}

    def test_archive_codes_changed(self, small: Made):
        files = members(small.archive)
        codes = json.loads(files["private/codes.json"])
        codes["strata"]["s1"] = "随班就读"
        report = verify_bundle(pack({**files, "private/codes.json": json.dumps(codes).encode()}))
        assert failed(report) == {"archive.codes"}

    @pytest.mark.parametrize(
        "damage",
        ["traversal", "absolute", "duplicate", "appended", "prepended", "unsorted", "stored"],
    )
    def test_unsafe_zip(self, small: Made, damage: str):
        files = members(small.public)
        data = pack(files)
        if damage in {"traversal", "absolute", "duplicate", "unsorted", "stored"}:
            out = io.BytesIO()
            names = sorted(files)
            if damage == "unsorted":
                names.reverse()
            with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
                for p in names:
                    info = zipfile.ZipInfo(p, date_time=(1980, 1, 1, 0, 0, 0))
                    info.compress_type = (
                        zipfile.ZIP_STORED if damage == "stored" else zipfile.ZIP_DEFLATED
                    )
                    z.writestr(info, files[p])
                extra = {"traversal": "../../etc/evil", "absolute": "/etc/evil"}
                if damage in extra:
                    z.writestr(zipfile.ZipInfo(extra[damage], (1980, 1, 1, 0, 0, 0)), b"x")
                if damage == "duplicate":
                    with pytest.warns(UserWarning, match="Duplicate name"):
                        z.writestr(zipfile.ZipInfo("teams.json", (1980, 1, 1, 0, 0, 0)), b"[]")
            data = out.getvalue()
        elif damage == "appended":
            data += b"hidden"
        else:
            data = b"hidden" + data
        report = verify_bundle(data)
        assert failed(report) == {"bundle.open"}
        assert all(c.status is Status.SKIP for c in report.checks if c.name != "bundle.open")

    def test_not_a_zip_at_all_names_bundle_open(self):
        report = verify_bundle(b"PK\x03\x04 not really")
        assert failed(report) == {"bundle.open"}


def test_cancelled_draw(cancelled: bytes, keys: Keys):
    """A cancelled draw's bundle verifies, and says so; without the cancellation in the
    log, the same bundle does not."""
    report = verify_bundle(cancelled, trusted=keys.keyring)
    assert report.verified, [(c.name, c.message_en) for c in report.checks if c.blocks]
    assert "cancelled" in message(report, "log.documents")
    files = members(cancelled)
    entries = [e for e in log_entries(files) if e["event"] != "announcement.cancelled"]
    report = verify_bundle(pack(relog(files, entries, keys.signers.log)))
    assert "log.documents" in failed(report)


def test_result_of_a_cancelled_announcement(small: Made, keys: Keys):
    """A cancellation logged after the result voids it, even as the log's last entry."""
    files = members(small.public)
    entries = log_entries(files)
    announced = entries[0]["detail"]["digest"]
    entries.append(
        entry(
            event="announcement.cancelled",
            draw_id=small.record.draw_id,
            actor="bureau",
            time="2024-08-14T11:00:00+08:00",
            detail={"digest": announced, "reason": "重新抽签"},
        )
    )
    report = verify_bundle(pack(relog(files, entries, keys.signers.log)))
    assert "log.documents" in failed(report)
    assert "void" in message(report, "log.documents")


def test_keyring_parses_like_the_store(small: Made, keys: Keys):
    """The bundle's keyring is the key store's (sanity of the fixtures)."""
    ring = keyring_from_json(json.loads(members(small.public)["keyring.json"]))
    assert ring == keys.keyring
