"""What the public may see of a season (spec S1): no name, ID, phone, address or salt,
and no link from a receipt or a poster line to an entry."""

from __future__ import annotations

import io
import zipfile

from seasonkit import SY, draw_bundle, run

from placement.merkle import leaf_hash
from placement.season.notice import PosterLine, poster_order


def test_the_public_bundle_holds_nothing_personal():
    made = run()
    draw_bundle(made)
    with zipfile.ZipFile(io.BytesIO(made.public())) as z:
        text = "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
    apps = made.ledger.records
    for app in apps:
        for private in (
            app.name,
            app.id_number,
            app.guardian_phone,
            app.address,
            app.salt.hex(),
            app.submission().hex(),
            app.number,
        ):
            assert private not in text, private
    # entries are public (the chain needs them), receipts' submissions are not
    assert apps[0].entry().hex() in text


def test_the_archive_holds_the_records():
    made = run()
    with zipfile.ZipFile(io.BytesIO(made.archive())) as z:
        assert made.ledger.records[0].id_number in z.read("private/records.json").decode()


def test_the_poster_order_does_not_follow_the_committed_order():
    made = run(stop_at_notice=True)
    notice = made.ledger.notices[(SY, "2024级一年级")]
    apps = {a.entry(): a for a in made.ledger.records}
    listed = [apps[e] for e in notice.entries.entries]  # committed (leaf-hash) order
    poster = poster_order([PosterLine(a.name, a.sex.value, a.number) for a in listed])
    assert [p.name for p in poster] == sorted(a.name for a in listed)
    assert [a.name for a in listed] != [p.name for p in poster]
    assert list(notice.entries.entries) == sorted(notice.entries.entries, key=leaf_hash)


def test_the_fast_record_bytes_are_rfc8785():
    """record_bytes takes the fast serialiser: it must equal RFC 8785 on every record."""
    import rfc8785  # noqa: PLC0415

    from placement.season.application import record_bytes  # noqa: PLC0415

    made = run()
    for app in made.ledger.records:
        assert record_bytes(app) == rfc8785.dumps(app.to_json())
    for e in made.ledger.log:
        from placement.season.log import entry_bytes  # noqa: PLC0415

        assert entry_bytes(e) == rfc8785.dumps(e)
