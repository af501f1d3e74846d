"""Importing another holder's public key: a supervisor keeps their private key at home."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import pytest
from samples import sample_announcement

from keys.errors import KeyExistsError, KeyNotFoundError, KeysError
from keys.passphrase import ENV_VAR
from keys.signer import sign_general
from keys.store import KeyStore
from placement.keyring import KeyRole, keyring_from_json
from verifier._cli import main as verify_main
from web.cli import main

PASS = "correct horse battery 正确"
DAY = date(2024, 8, 1)
IAT = int(datetime.fromisoformat("2024-08-14T09:31:05+08:00").timestamp())
BUREAU = "taobei.edu.example/bureau-2024"
SUPERVISOR = "jiwei.taobei.example/supervisor-2024"
ANN = sample_announcement()


def _store(path: Path) -> KeyStore:
    s = KeyStore(path, kdf_rounds=1_000)
    assert s.init()
    return s


@pytest.fixture
def bureau(tmp_path: Path) -> KeyStore:
    s = _store(tmp_path / "bureau")
    s.create(BUREAU, KeyRole.BUREAU, "洮北区教育局", DAY, PASS)
    return s


@pytest.fixture
def supervisor(tmp_path: Path) -> KeyStore:
    s = _store(tmp_path / "supervisor")
    s.create(SUPERVISOR, KeyRole.SUPERVISOR, "洮北区纪委监委", DAY, PASS)
    return s


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


class TestAddPublic:
    def test_import(self, bureau, supervisor):
        theirs = supervisor.find(SUPERVISOR)
        entry = bureau.add_public(theirs.vkey + "\n", KeyRole.SUPERVISOR, " 纪委监委 ", DAY)
        assert entry.vkey == theirs.vkey
        assert entry.label == "纪委监委"
        assert not bureau.has_private(entry)
        assert bureau.find(SUPERVISOR) == entry
        ring = keyring_from_json(json.loads(bureau.keyring_path.read_bytes()))
        assert entry in ring.keys
        assert len(ring.keys) == 2
        assert not list(bureau.directory.glob("*.pem.*"))
        assert len(list(bureau.directory.glob("*.pem"))) == 1
        assert not list(bureau.directory.glob("*.tmp"))

    def test_no_private_key_to_sign_with(self, bureau, supervisor):
        bureau.add_public(supervisor.find(SUPERVISOR).vkey, KeyRole.SUPERVISOR, "纪委", DAY)
        with pytest.raises(KeyNotFoundError, match="no private key here") as e:
            bureau.signer(SUPERVISOR, PASS)
        assert "本机没有" in e.value.zh

    def test_duplicate_vkey(self, bureau, supervisor):
        vk = supervisor.find(SUPERVISOR).vkey
        bureau.add_public(vk, KeyRole.SUPERVISOR, "纪委", DAY)
        with pytest.raises(KeyExistsError, match="already in the keyring") as e:
            bureau.add_public(vk, KeyRole.SUPERVISOR, "纪委", DAY)
        assert "已在公钥环中" in e.value.zh
        with pytest.raises(KeyExistsError):  # its own key, too
            bureau.add_public(bureau.find(BUREAU).vkey, KeyRole.BUREAU, "局", DAY)

    def test_duplicate_name(self, bureau, tmp_path):
        other = _store(tmp_path / "other")
        other.create(BUREAU, KeyRole.SUPERVISOR, "冒名者", DAY, PASS)  # same name, other key
        with pytest.raises(KeyExistsError, match="already exists") as e:
            bureau.add_public(other.find(BUREAU).vkey, KeyRole.SUPERVISOR, "冒名者", DAY)
        assert "已有名为" in e.value.zh
        assert len(bureau.keyring().keys) == 1

    @pytest.mark.parametrize(
        "bad",
        [
            "",
            "garbage",
            "name+00000000+AAAA",
            # a real vkey with a wrong key id
            "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        ],
    )
    def test_malformed(self, bureau, bad):
        with pytest.raises(KeysError, match="not a valid verifier key") as e:
            bureau.add_public(bad, KeyRole.SUPERVISOR, "纪委", DAY)
        assert "格式无效" in e.value.zh
        assert len(bureau.keyring().keys) == 1

    def test_needs_label(self, bureau, supervisor):
        with pytest.raises(KeysError, match="label"):
            bureau.add_public(supervisor.find(SUPERVISOR).vkey, KeyRole.SUPERVISOR, " ", DAY)

    def test_needs_a_store(self, tmp_path, supervisor):
        with pytest.raises(KeyNotFoundError, match="no such file"):
            KeyStore(tmp_path / "nowhere").add_public(
                supervisor.find(SUPERVISOR).vkey, KeyRole.SUPERVISOR, "纪委", DAY
            )


class TestCli:
    def test_export_import_list_and_verify(self, bureau, supervisor, tmp_path, capsys):
        code, out, err = run(
            capsys, "keys", "export-vkey", "--dir", str(supervisor.directory), SUPERVISOR
        )
        assert code == 0, err
        vk = out.strip()
        assert out == vk + "\n"
        assert vk == supervisor.find(SUPERVISOR).vkey

        d = str(bureau.directory)
        code, out, err = run(
            capsys, "keys", "import", "--dir", d, vk, "--role", "supervisor",
            "--label", "洮北区纪委监委", "--valid-from", "2024-08-01",
        )  # fmt: skip
        assert code == 0, err
        assert "imported public key" in out
        assert "仅公钥 public only" in out

        code, out, err = run(capsys, "keys", "list", "--dir", d)
        assert code == 0, err
        assert "2 个密钥 keys" in out
        block = out.split(SUPERVISOR, 1)[1]
        assert "角色 role supervisor" in block
        assert "持有者 label 洮北区纪委监委" in block
        assert "启用 valid from 2024-08-01" in block
        assert "仅公钥 public only" in block
        assert "本机有私钥 private key here" in out.split(SUPERVISOR, 1)[0]  # the bureau's

        public = tmp_path / "keyring.json"
        code, out, err = run(capsys, "keys", "export-public", "--dir", d, str(public))
        assert code == 0, err

        # The supervisor cosigns at home; the bureau signs first with its own key.
        doc = ANN.to_json()
        text = sign_general(
            doc, [bureau.signer(BUREAU, PASS), supervisor.signer(SUPERVISOR, PASS)], iat=IAT
        )
        signed = tmp_path / "announcement.jws"
        signed.write_text(text, encoding="utf-8")
        assert verify_main([str(signed), "--keyring", str(public), "--json"]) == 0, (
            capsys.readouterr()
        )
        report = json.loads(capsys.readouterr().out)
        assert "supervisor" in json.dumps(report, ensure_ascii=False)

        # Without the imported key, the same cosignature is not accepted.
        lonely = tmp_path / "lonely"
        lonely_store = _store(lonely)
        lonely_store.add_public(bureau.find(BUREAU).vkey, KeyRole.BUREAU, "局", DAY)
        only_bureau = tmp_path / "only-bureau.json"
        lonely_store.export_public(only_bureau)
        assert verify_main([str(signed), "--keyring", str(only_bureau)]) != 0
        assert "not in the keyring" in capsys.readouterr().out

    def test_valid_from_defaults_to_today(self, bureau, supervisor, capsys, monkeypatch):
        monkeypatch.setattr("web.cli.keys._today", lambda: date(2031, 2, 3))
        vk = supervisor.find(SUPERVISOR).vkey
        code, _, err = run(
            capsys, "keys", "import", "--dir", str(bureau.directory), vk,
            "--role", "supervisor", "--label", "纪委",
        )  # fmt: skip
        assert code == 0, err
        assert bureau.find(SUPERVISOR).valid_from == date(2031, 2, 3)

    def test_errors_without_traceback(self, bureau, supervisor, capsys, monkeypatch):
        monkeypatch.setenv(ENV_VAR, PASS)
        d = str(bureau.directory)
        code, out, err = run(
            capsys, "keys", "import", "--dir", d, "not-a-vkey", "--role", "supervisor",
            "--label", "纪委",
        )  # fmt: skip
        assert code == 1
        assert "格式无效" in err
        assert "not a valid verifier key" in err
        assert "Traceback" not in err + out

        vk = supervisor.find(SUPERVISOR).vkey
        argv = ("keys", "import", "--dir", d, vk, "--role", "supervisor", "--label", "纪委")
        assert run(capsys, *argv)[0] == 0
        code, _, err = run(capsys, *argv)
        assert code == 1
        assert "已在公钥环中" in err
        assert "already in the keyring" in err
        assert "Traceback" not in err

        code, _, err = run(capsys, "keys", "export-vkey", "--dir", d, "nobody")
        assert code == 1
        assert "没有名为 nobody" in err
        assert "no key named nobody" in err

        # Rotating the supervisor's key here needs its private key, which is not here.
        code, _, err = run(capsys, "keys", "rotate", "--dir", d, SUPERVISOR, "s-2025")
        assert code == 1
        assert "no private key here" in err
        assert "Traceback" not in err

    def test_role_and_label_required(self, bureau, supervisor, capsys):
        vk = supervisor.find(SUPERVISOR).vkey
        d = str(bureau.directory)
        for argv in (
            ["keys", "import", "--dir", d, vk, "--label", "纪委"],
            ["keys", "import", "--dir", d, vk, "--role", "supervisor"],
            ["keys", "import", "--dir", d, vk, "--role", "auditor", "--label", "纪委"],
        ):
            with pytest.raises(SystemExit) as e:
                main(argv)
            assert e.value.code == 2
        capsys.readouterr()
        assert len(bureau.keyring().keys) == 1
