"""One configuration for the app and the command line (issue 10), and what ``init`` must
record before the day (issue 11, points 2 and 5): the public base URL printed in every QR
code, and the one database an instance's keys sign a log for."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from clikit import run
from pagekit import intake_at, page_of, post
from servicekit import BUREAU, LOG, PASSPHRASE, make_service

from keys.store import KeyStore
from placement.keyring import KeyRole
from web.app.factory import create_app
from web.app.services import services
from web.service.config import PLACEHOLDER_BASE_URL, resolve
from web.service.roles import Role

URL = "https://placement.taobei.example"


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    monkeypatch.setenv("PLACEMENT_KEY_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("PLACEMENT_ADMIN_PASSWORD", "admin-password-1")
    for var in (
        "PLACEMENT_DATABASE_URL",
        "PLACEMENT_INSTANCE_PATH",
        "PLACEMENT_PUBLIC_BASE_URL",
        "PLACEMENT_BUREAU_KEY",
        "PLACEMENT_LOG_KEY",
    ):
        monkeypatch.delenv(var, raising=False)
    return monkeypatch


def with_keys(folder: Path) -> None:
    """Fast test keys, made before ``init`` as a bureau may do on an offline machine."""
    folder.mkdir()
    store = KeyStore(folder / "keys", kdf_rounds=1_000)
    store.init()
    store.create(BUREAU, KeyRole.BUREAU, "洮北区教育局", date(2024, 6, 1), PASSPHRASE)
    store.create(LOG, KeyRole.LOG, "洮北区教育局透明日志", date(2024, 6, 1), PASSPHRASE)


def init(capsys: pytest.CaptureFixture[str], inst: Path, *flags: str) -> tuple[int, str]:
    keys = ("--bureau-key", BUREAU, "--log-key", LOG)
    code, out, err = run(capsys, "init", "--instance", str(inst), *keys, *flags)
    return code, out + err


def config_of(inst: Path) -> dict[str, str]:
    data = json.loads((inst / "config.json").read_text("utf-8"))
    assert isinstance(data, dict)
    return data


# -- the public base URL -----------------------------------------------------------------------


@pytest.mark.usefixtures("env")
def test_init_requires_the_public_base_url(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    inst = tmp_path / "inst"
    with_keys(inst)
    db = f"sqlite:///{inst / 'placement.db'}"
    code, text = init(capsys, inst, "--database-url", db)
    assert code == 1
    assert "--public-base-url" in text
    assert "公众核验页" in text
    assert "Traceback" not in text
    assert not (inst / "placement.db").exists()  # refused before anything was made
    for placeholder in ("https://verify.taobei.edu.example", PLACEHOLDER_BASE_URL, "ftp://x"):
        code, text = init(capsys, inst, "--database-url", db, "--public-base-url", placeholder)
        assert code == 1, placeholder
        assert "https://" in text
        assert not (inst / "placement.db").exists()
    code, text = init(capsys, inst, "--database-url", db, "--public-base-url", URL)
    assert code == 0, text
    assert f"{URL}/verify/" in text  # the exact page the QR codes will carry
    assert config_of(inst)["PUBLIC_BASE_URL"] == URL


def test_printing_refuses_the_placeholder_and_the_form_shows_the_url(
    tmp_path: Path,
) -> None:
    svc = make_service(tmp_path / "a", "sqlite", config={"PUBLIC_BASE_URL": ""})
    iid = intake_at(svc, "drawn")
    c = svc.client(Role.OPERATOR)
    page = c.get(page_of(iid)).get_data(as_text=True)
    assert "未设置公开网址" in page
    assert "no public base URL is set" in page
    assert "PLACEMENT_PUBLIC_BASE_URL" in page
    r = post(c, f"{page_of(iid)}/sheets", {"copy_gate": "1"}, on=page_of(iid))
    assert r.status_code == 400
    body = r.get_data(as_text=True)
    assert "未设置公开网址" in body
    assert "no public base URL is set" in body
    services(svc.app).engine.dispose()

    shown = make_service(tmp_path / "b", "sqlite", config={"PUBLIC_BASE_URL": URL + "/"})
    iid = intake_at(shown, "drawn")
    page = shown.client(Role.OPERATOR).get(page_of(iid)).get_data(as_text=True)
    assert f"<code>{URL}/verify/</code>" in page
    services(shown.app).engine.dispose()

    demo = make_service(tmp_path / "c", "sqlite", config={"PUBLIC_BASE_URL": "", "DEMO": "1"})
    iid = intake_at(demo, "drawn")
    page = demo.client(Role.OPERATOR).get(page_of(iid)).get_data(as_text=True)
    assert f"<code>{PLACEHOLDER_BASE_URL}</code>" in page  # the demo may print it
    services(demo.app).engine.dispose()


# -- one database per instance -----------------------------------------------------------------


def test_init_records_the_database_the_environment_named(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    inst = tmp_path / "inst"
    with_keys(inst)
    elsewhere = tmp_path / "db" / "district.db"
    elsewhere.parent.mkdir()
    env.setenv("PLACEMENT_DATABASE_URL", f"sqlite:///{elsewhere}")
    code, text = init(capsys, inst, "--public-base-url", URL)
    assert code == 0, text
    assert config_of(inst)["DATABASE_URL"] == f"sqlite:///{elsewhere}"
    assert elsewhere.exists()
    # A later shell without the variable finds the same database, not a new one.
    env.delenv("PLACEMENT_DATABASE_URL")
    assert resolve(str(inst)).database_url == f"sqlite:///{elsewhere}"
    code, _, err = run(capsys, "schools", "list", "--instance", str(inst))
    assert code == 0, err
    assert not (inst / "placement.db").exists()
    # Running init again is harmless: same database, nothing new.
    code, text = init(capsys, inst)
    assert code == 0, text
    assert not (inst / "placement.db").exists()


def test_init_refuses_a_second_database_for_the_same_keys(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    inst = tmp_path / "inst"
    with_keys(inst)
    first = f"sqlite:///{tmp_path / 'first.db'}"
    code, text = init(capsys, inst, "--database-url", first, "--public-base-url", URL)
    assert code == 0, text
    other = tmp_path / "second.db"
    env.setenv("PLACEMENT_DATABASE_URL", f"sqlite:///{other}")
    code, text = init(capsys, inst)
    assert code == 1
    assert first in text  # names the recorded database
    assert "不会另建数据库" in text
    assert "will not make another" in text
    assert not other.exists()
    assert config_of(inst)["DATABASE_URL"] == first


@pytest.mark.usefixtures("env")
def test_init_will_not_silently_make_a_database_beside_existing_keys(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    inst = tmp_path / "inst"
    with_keys(inst)  # keys, but no database recorded (an instance made before this fix)
    code, text = init(capsys, inst, "--public-base-url", URL)
    assert code == 1
    assert "--database-url" in text
    assert "已有签名密钥" in text
    assert "already has signing keys" in text
    assert not (inst / "placement.db").exists()


# -- one configuration ------------------------------------------------------------------------


def test_the_app_reads_the_instance_config_as_the_command_line_does(
    env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    inst = tmp_path / "inst"
    inst.mkdir()
    db = f"sqlite:///{tmp_path / 'elsewhere.db'}"
    (inst / "config.json").write_text(
        json.dumps({"DATABASE_URL": db, "PUBLIC_BASE_URL": URL, "BUREAU_KEY": "b"}), "utf-8"
    )
    env.setenv("PLACEMENT_BUREAU_KEY", "from-env")
    app = create_app({"INSTANCE_PATH": str(inst), "SECRET_KEY": "x"})
    cli = resolve(str(inst))
    assert app.config["DATABASE_URL"] == cli.database_url == db
    assert app.config["PUBLIC_BASE_URL"] == cli.public_base_url == URL
    assert app.config["BUREAU_KEY"] == cli.bureau_key == "from-env"  # the variable wins
    assert app.config["LOGIN_LIMIT"] == 10
    services(app).engine.dispose()
    # The session secret is made once in the instance folder and read by every worker.
    first = create_app({"INSTANCE_PATH": str(inst)})
    second = create_app({"INSTANCE_PATH": str(inst)})
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert (inst / "secret_key").stat().st_mode & 0o777 == 0o600
    for a in (first, second):
        services(a).engine.dispose()
