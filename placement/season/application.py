"""Applications (报名): the salted record, its two commitments and the signed receipt (spec S5).

The record is private. ``submission`` (on the receipt) and ``entry`` (in the 公示 and
roster sets) commit to it under different tags, so a photographed receipt does not
identify an entry; both open only with the record and its salt.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from placement.canonical import Json, canonical_json, fast_json, nfc, tagged_hash
from placement.errors import InvalidInput, Issue
from placement.idcard import IdNumberError, parse_resident_id
from placement.policy import Level
from placement.roster import Sex
from placement.season.documents import (
    APPLICATION,
    HEX64,
    RECEIPT,
    TAG_ENTRY,
    TAG_SUBMISSION,
    TIME,
    SeasonError,
)
from placement.season.pupil import NO_PUPIL, Pupil, check_pupil, pupil_from_json

SALT_BYTES: Final = 16
MAX_TEXT: Final = 200
_NUMBER = re.compile(r"\d{4}-\d{6}", re.ASCII)
_PHONE = re.compile(r"\+?\d{5,20}", re.ASCII)


class Proof(StrEnum):
    HUKOU = "hukou"  # 户口本
    DEED = "deed"  # 房本
    PURCHASE = "purchase"  # 购房合同
    RENTAL = "rental"  # 租房 + 居住证


PROOF_ZH = {Proof.HUKOU: "户口本", Proof.DEED: "房本", Proof.PURCHASE: "购房合同"}
PROOF_ZH[Proof.RENTAL] = "租房合同 + 居住证"


class Channel(StrEnum):
    ONLINE = "online"
    DESK = "desk"


@dataclass(frozen=True, slots=True)
class Form:
    """What a parent (or the desk) typed, before any check; every field is text."""

    name: str
    sex: str  # 男 / 女 / M / F
    id_number: str
    birth_date: str
    address: str
    community: str
    proof: str
    guardian_name: str
    guardian_phone: str
    student_no: str = ""
    primary_school: str = ""
    flags: tuple[str, ...] = ()  # of BALANCE_FLAGS
    twin_id: str = ""  # a twin's (multiple's) ID number, when they apply too
    twin_wish: str = ""  # 同班 / 分班 (same / apart): the parents' signed wish


@dataclass(frozen=True, slots=True)
class Application:
    """A checked application record (spec S5), with its salt."""

    season: str
    number: str
    revision: int
    school: str
    intake: str
    level: Level
    name: str
    sex: Sex
    id_number: str
    birth_date: dt.date
    address: str
    community: str
    proof: Proof
    guardian_name: str
    guardian_phone: str
    student_no: str
    primary_school: str
    channel: Channel
    entered_by: str
    submitted_at: str
    salt: bytes
    pupil: Pupil = NO_PUPIL

    def to_json(self) -> dict[str, Json]:
        # ``pupil`` only when declared: records without it stay byte-identical (spec S5).
        extra: dict[str, Json] = {} if self.pupil == NO_PUPIL else {"pupil": self.pupil.to_json()}
        return extra | {
            "address": self.address,
            "channel": self.channel.value,
            "child": {
                "birth_date": self.birth_date.isoformat(),
                "id_number": self.id_number,
                "id_type": "resident",
                "name": self.name,
                "sex": self.sex.value,
            },
            "community": self.community,
            "entered_by": self.entered_by,
            "guardian": {"name": self.guardian_name, "phone": self.guardian_phone},
            "intake": self.intake,
            "level": self.level.value,
            "number": self.number,
            "primary_school": self.primary_school,
            "proof": self.proof.value,
            "revision": self.revision,
            "salt": self.salt.hex(),
            "school": self.school,
            "season": self.season,
            "student_no": self.student_no,
            "submitted_at": self.submitted_at,
            "t": APPLICATION,
        }

    def submission(self) -> bytes:
        return tagged_hash(TAG_SUBMISSION, record_bytes(self))

    def entry(self) -> bytes:
        return tagged_hash(TAG_ENTRY, record_bytes(self))

    def receipt(self) -> dict[str, Json]:
        """The signed statement of what was submitted and when: nothing private in it."""
        return {
            "intake": self.intake,
            "number": self.number,
            "revision": self.revision,
            "school": self.school,
            "season": self.season,
            "submission": self.submission().hex(),
            "submitted_at": self.submitted_at,
            "t": RECEIPT,
        }


@functools.lru_cache(maxsize=1 << 16)
def record_bytes(app: Application) -> bytes:
    """JCS(record), once per record: every text was NFC-normalised by ``build`` (or checked
    by ``from_json``), keys are ASCII, numbers small — so the fast serialiser gives the
    JCS bytes (spec §2.1; ``tests/season`` compares it with RFC 8785 on every record)."""
    return fast_json(app.to_json())


def record_commitments(record: Json) -> tuple[bytes, bytes]:
    """(submission, entry) of a record as stored (what a verifier with the archive does)."""
    raw = canonical_json(record)
    return tagged_hash(TAG_SUBMISSION, raw), tagged_hash(TAG_ENTRY, raw)


_SEX = {"男": Sex.MALE, "M": Sex.MALE, "女": Sex.FEMALE, "F": Sex.FEMALE}
_PROOFS = {p.value: p for p in Proof} | {zh: p for p, zh in PROOF_ZH.items()}
_PROOFS |= {"租房": Proof.RENTAL, "居住证": Proof.RENTAL}


def _text(issues: list[Issue], row: int, field: str, value: str, zh: str, en: str) -> str:
    text = nfc(value.strip())
    if not text:
        issues.append(Issue(row, field, f"application.{field}", f"请填写{zh}", f"{en} is required"))
    elif len(text) > MAX_TEXT:
        issues.append(
            Issue(
                row,
                field,
                "application.long",
                f"{zh}过长（最多{MAX_TEXT}字）",
                f"{en} is too long (at most {MAX_TEXT} characters)",
            )
        )
    return text


def check_form(
    form: Form, *, level: Level, birth_cutoff: dt.date, row: int = 0
) -> tuple[str, Sex, str, dt.date, Proof, Pupil]:
    """Check a form; → (name, sex, ID number, birth date, proof, pupil) or InvalidInput
    listing every problem."""
    issues: list[Issue] = []
    name = _text(issues, row, "name", form.name, "儿童姓名", "the child's name")
    sex = _SEX.get(form.sex.strip())
    if sex is None:
        issues.append(
            Issue(row, "sex", "application.sex", "性别应为 男 或 女", "sex must be 男 or 女")
        )
    number, born = "", None
    try:
        rid = parse_resident_id(form.id_number)
        number, born = rid.number, rid.birth_date
        if sex is not None and (sex is Sex.MALE) != rid.male:
            issues.append(
                Issue(
                    row,
                    "sex",
                    "id.sex",
                    "性别与身份证号第17位不符",
                    "sex does not match the ID number's 17th digit",
                )
            )
    except IdNumberError as e:
        issues.append(e.issue(row))
    typed = form.birth_date.strip()
    if born is not None and typed and typed != born.isoformat():
        issues.append(
            Issue(
                row,
                "birth_date",
                "id.birth_date",
                "出生日期与身份证号不符",
                "the birth date differs from the ID number's",
            )
        )
    if born is not None and level is Level.PRIMARY and born > birth_cutoff:
        issues.append(
            Issue(
                row,
                "birth_date",
                "application.age",
                f"未到入学年龄：须在{birth_cutoff.isoformat()}（含）以前出生",
                f"too young: must be born on or before {birth_cutoff.isoformat()}",
            )
        )
    _text(issues, row, "address", form.address, "户籍地址", "the 户籍 address")
    _text(issues, row, "community", form.community, "所在社区（村）", "the community")
    proof = _PROOFS.get(form.proof.strip())
    if proof is None:
        issues.append(
            Issue(
                row,
                "proof",
                "application.proof",
                "证明材料类型应为 户口本/房本/购房合同/租房",
                "proof must be hukou, deed, purchase or rental",
            )
        )
    _text(issues, row, "guardian_name", form.guardian_name, "监护人姓名", "the guardian's name")
    if not _PHONE.fullmatch(form.guardian_phone.strip().replace(" ", "").replace("-", "")):
        issues.append(
            Issue(
                row,
                "guardian_phone",
                "application.phone",
                "监护人电话应为5–20位数字",
                "the guardian's phone must be 5–20 digits",
            )
        )
    if level is Level.MIDDLE:
        _text(issues, row, "student_no", form.student_no, "学籍号", "the 学籍号")
        _text(issues, row, "primary_school", form.primary_school, "毕业小学", "the primary school")
    pupil = check_pupil(issues, row, form.flags, form.twin_id, form.twin_wish, own_id=number)
    if issues or sex is None or born is None or proof is None:
        raise InvalidInput(tuple(issues))
    return name, sex, number, born, proof, pupil


def build(  # noqa: PLR0913 - one record, every field named
    form: Form,
    *,
    season: str,
    number: str,
    revision: int,
    school: str,
    intake: str,
    level: Level,
    birth_cutoff: dt.date,
    channel: Channel,
    entered_by: str,
    submitted_at: str,
    salt: bytes,
    row: int = 0,
) -> Application:
    """A checked record; refuses the form (all problems at once) or a malformed frame."""
    name, sex, id_number, born, proof, pupil = check_form(
        form, level=level, birth_cutoff=birth_cutoff, row=row
    )
    if not _NUMBER.fullmatch(number) or revision < 1 or not TIME.fullmatch(submitted_at):
        raise SeasonError("报名号、版本或时间格式错误", "malformed number, revision or time")
    if len(salt) != SALT_BYTES:
        raise SeasonError(f"salt must be {SALT_BYTES} bytes")
    if (channel is Channel.DESK) != bool(entered_by.strip()):
        raise SeasonError("现场录入须写明录入人", "a desk entry names who entered it")
    middle = level is Level.MIDDLE
    return Application(
        season=season,
        number=number,
        revision=revision,
        school=nfc(school),
        intake=nfc(intake),
        level=level,
        name=name,
        sex=sex,
        id_number=id_number,
        birth_date=born,
        address=nfc(form.address.strip()),
        community=nfc(form.community.strip()),
        proof=proof,
        guardian_name=nfc(form.guardian_name.strip()),
        guardian_phone=form.guardian_phone.strip().replace(" ", "").replace("-", ""),
        student_no=nfc(form.student_no.strip()) if middle else "",
        primary_school=nfc(form.primary_school.strip()) if middle else "",
        channel=channel,
        entered_by=nfc(entered_by.strip()),
        submitted_at=submitted_at,
        salt=salt,
        pupil=pupil,
    )


def application_number(year: int, serial: int) -> str:
    return f"{year:04d}-{serial:06d}"


def is_digest(text: object) -> bool:
    return isinstance(text, str) and HEX64.fullmatch(text) is not None


def from_json(doc: Json) -> Application:
    """Rebuild a stored record; it must re-serialise to exactly the same JSON."""
    try:
        assert isinstance(doc, dict)
        assert doc["t"] == APPLICATION
        child, guardian = doc["child"], doc["guardian"]
        assert isinstance(child, dict)
        assert isinstance(guardian, dict)
        revision = doc["revision"]
        assert isinstance(revision, int)
        app = Application(
            season=str(doc["season"]),
            number=str(doc["number"]),
            revision=revision,
            school=str(doc["school"]),
            intake=str(doc["intake"]),
            level=Level(str(doc["level"])),
            name=str(child["name"]),
            sex=Sex(str(child["sex"])),
            id_number=str(child["id_number"]),
            birth_date=dt.date.fromisoformat(str(child["birth_date"])),
            address=str(doc["address"]),
            community=str(doc["community"]),
            proof=Proof(str(doc["proof"])),
            guardian_name=str(guardian["name"]),
            guardian_phone=str(guardian["phone"]),
            student_no=str(doc["student_no"]),
            primary_school=str(doc["primary_school"]),
            channel=Channel(str(doc["channel"])),
            entered_by=str(doc["entered_by"]),
            submitted_at=str(doc["submitted_at"]),
            salt=bytes.fromhex(str(doc["salt"])),
            pupil=pupil_from_json(doc.get("pupil")),
        )
    except (AssertionError, KeyError, ValueError, TypeError) as e:
        raise SeasonError(f"报名记录格式错误：{e}", f"malformed application record: {e}") from e
    if app.to_json() != doc:
        raise SeasonError("报名记录含多余或不规范字段", "record has unknown or altered fields")
    canonical_json(doc)  # refuses non-NFC text, so record_bytes may take the fast path
    return app
