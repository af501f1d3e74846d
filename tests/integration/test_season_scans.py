"""Proof scans: images or PDF by their first bytes, at most 5 MiB, kept 0600 in the
instance folder, only by a reviewer of the application's school, never served."""

from __future__ import annotations

import io
import stat
from datetime import datetime
from pathlib import Path

import pytest
from servicekit import Service, csrf

from placement.keyring import CST
from placement.policy import Level
from web.demo import season as demo
from web.service.errors import ServiceError
from web.service.roles import Role
from web.service.season import scans, steps

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n" + b"x" * 64


def setup(svc: Service) -> dict[str, str]:
    svc.at(datetime(2024, 7, 1, 9, tzinfo=CST))
    steps.create(svc.env, catchment=demo.catchment(), plan=demo.plan(), user="admin")
    out = {}
    for n, (school, community) in enumerate(((demo.SY, "新华社区"), (demo.X1, "长庆社区"))):
        svc.at(datetime(2024, 7, 15, 9, n, tzinfo=CST))
        app = steps.register(
            svc.env,
            demo.SEASON,
            demo.form(70 + n, community),
            school=school,
            intake=demo.PRIMARY,
            level=Level.PRIMARY,
        )
        out[school] = app.number
    return out


def upload(c, number: str, data: bytes, name: str = "scan.png"):
    token = csrf(c, "/staff/season/")
    return c.post(
        f"/staff/season/scan/{number}",
        data={"csrf_token": token, "scan": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def test_scans_are_kept_privately_and_checked_by_content(sqlite_service: Service):
    svc = sqlite_service
    numbers = setup(svc)
    op = svc.client(Role.OPERATOR)
    assert upload(op, numbers[demo.SY], PNG).status_code == 302
    assert upload(op, numbers[demo.SY], PDF, "deed.pdf").status_code == 302
    # a script named .png, an oversize file, another school's application
    assert upload(op, numbers[demo.SY], b"<script>alert(1)</script>").status_code == 400
    big = PNG + b"\x00" * scans.MAX_SCAN  # refused by the service (an HTTP test client
    with pytest.raises(ServiceError, match="5 MiB"):  # spools such a body to a file it leaks)
        scans.store_scan(Path(svc.app.instance_path), number=numbers[demo.SY], data=big)
    assert upload(op, numbers[demo.X1], PNG).status_code == 403
    assert upload(svc.client(Role.SUPERVISOR), numbers[demo.SY], PNG).status_code == 403
    kept = scans.scans_of(Path(svc.app.instance_path), numbers[demo.SY])
    assert sorted(p.suffix for p in kept) == [".pdf", ".png"]
    for p in kept:
        assert stat.S_IMODE(p.stat().st_mode) == 0o600
    assert stat.S_IMODE(kept[0].parent.stat().st_mode) == 0o700
    anyone = svc.app.test_client()
    assert anyone.get(f"/season-scans/{kept[0].name}").status_code == 404
    assert anyone.get(f"/static/../season-scans/{kept[0].name}").status_code == 404
