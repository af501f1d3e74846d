"""Salted roster leaves, the roster root, and the teacher-team commitment."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import pytest

from placement.commitment import (
    PUPIL_LEAF_TYPE,
    CommitmentError,
    commit_roster,
    leaves_root,
    private_commitment,
)
from placement.idcard import check_character
from placement.merkle import leaf_hash
from placement.roster import PupilRecord, Sex, TwinWish
from placement.teams import Teacher, Team, commit_teams, parse_team_row


def make_id(birth: str, order: int) -> str:
    first17 = f"220802{birth}{order:03d}"
    return first17 + check_character(first17)


def record(row: int, name: str, birth: str, order: int, **kw: object) -> PupilRecord:
    number = make_id(birth, order)
    return PupilRecord(
        row=row,
        name=name,
        sex=Sex.MALE if order % 2 else Sex.FEMALE,
        id_number=number,
        birth_date=dt.date(int(birth[:4]), int(birth[4:6]), int(birth[6:])),
        student_no="G" + number,
        **kw,
    )


PUPILS = [
    record(2, "王小明", "20180331", 11, flags=("随班就读",)),
    record(3, "李娜", "20171224", 22),
    record(4, "张伟", "20180615", 33, twin_group="双A", twin_wish=TwinWish.SAME),
    record(5, "张丽", "20180615", 44, twin_group="双A", twin_wish=TwinWish.SAME),
    record(6, "赵敏", "20180102", 56, flags=("留守儿童", "随迁子女")),
    record(7, "孙悟", "20180707", 67, flags=("随班就读",)),
]
SALTS = [bytes([i]) * 16 for i in range(1, len(PUPILS) + 1)]


@pytest.fixture(scope="module")
def committed():
    return commit_roster(PUPILS, SALTS)


class TestRoster:
    def test_deterministic(self, committed):
        """The same roster and salts always give the same root (anyone can recompute it)."""
        again = commit_roster(PUPILS, SALTS)
        assert again.root == committed.root
        assert again.leaves == committed.leaves
        assert len(committed.root) == 32

    def test_input_order_does_not_matter(self, committed):
        """Shuffling the spreadsheet rows gives the same root: leaves sort by hash."""
        perm = [3, 0, 5, 1, 4, 2]
        other = commit_roster([PUPILS[i] for i in perm], [SALTS[i] for i in perm])
        assert other.root == committed.root

    def test_leaves_sorted_by_leaf_hash(self, committed):
        """Leaves are in leaf-hash order, and each hash is the RFC 6962 hash of its entry."""
        assert list(committed.leaf_hashes) == sorted(committed.leaf_hashes)
        assert committed.leaf_hashes == tuple(leaf_hash(x.entry()) for x in committed.leaves)
        assert committed.size == len(PUPILS)

    def test_order_maps_back_to_rows(self, committed):
        """order[i] is the input index behind leaf i, so the school can find the pupil."""
        assert sorted(committed.order) == list(range(len(PUPILS)))
        for leaf, i in zip(committed.leaves, committed.order, strict=True):
            assert leaf.name == PUPILS[i].name
            assert leaf.sex is PUPILS[i].sex
            assert leaf.private == private_commitment(PUPILS[i], SALTS[i])

    def test_public_leaves_leak_nothing_private(self, committed):
        """No ID number, birth date, student number, salt, flag or twin label is published."""
        public = b"".join(leaf.entry() for leaf in committed.leaves)
        secrets = set()
        for p, salt in zip(PUPILS, SALTS, strict=True):
            secrets |= {p.id_number, p.id_number[6:14], p.birth_date.isoformat(), p.student_no}
            secrets |= {salt.hex(), *p.flags}
            if p.twin_group:
                secrets.add(p.twin_group)
        for s in secrets:
            assert s.encode() not in public, s
        for word in ("随班就读", "留守儿童", "随迁子女", "、"):
            assert word.encode() not in public

    def test_leaf_json_fields(self, committed):
        """A leaf carries exactly the documented public fields."""
        doc = json.loads(committed.leaves[0].entry())
        assert set(doc) == {"name", "private", "sex", "stratum", "t", "twin", "twin_wish"}
        assert doc["t"] == PUPIL_LEAF_TYPE
        assert len(bytes.fromhex(doc["private"])) == 32

    def test_codes_are_opaque(self, committed):
        """Strata and twin groups appear only as numbered codes s1, s2 … and t1 …"""
        by_name = {leaf.name: leaf for leaf in committed.leaves}
        # Sorted labels: "留守儿童、随迁子女" < "随班就读" in code-point order.
        assert committed.strata == {"s1": "留守儿童、随迁子女", "s2": "随班就读"}
        assert by_name["赵敏"].stratum == "s1"
        assert by_name["王小明"].stratum == by_name["孙悟"].stratum == "s2"
        assert by_name["李娜"].stratum == ""
        assert by_name["张伟"].twin == by_name["张丽"].twin == "t1"
        assert by_name["张伟"].twin_wish is TwinWish.SAME
        assert by_name["李娜"].twin == ""

    def test_one_salt_byte_changes_root(self, committed):
        """Flipping one bit of one salt changes the published root."""
        salts = list(SALTS)
        salts[2] = salts[2][:-1] + bytes([salts[2][-1] ^ 1])
        assert commit_roster(PUPILS, salts).root != committed.root

    def test_private_commitment_by_hand(self):
        """The private hash is tagged SHA-256 of the documented JCS object, rebuilt here."""
        p, salt = PUPILS[4], SALTS[4]
        body = (
            '{"birth_date":"2018-01-02","flags":["留守儿童","随迁子女"],'
            f'"id_number":"{p.id_number}","id_type":"resident","salt":"{"05" * 16}",'
            f'"student_no":"G{p.id_number}","twin_group":""}}'
        ).encode()
        tag = b"sunshine-placement/v1/pupil-private"
        expected = hashlib.sha256(bytes([len(tag)]) + tag + body).digest()
        assert private_commitment(p, salt) == expected

    def test_leaves_root_recomputes(self, committed):
        """A verifier with only the public leaves gets the same hashes and root."""
        hashes, root = leaves_root(committed.leaves)
        assert hashes == committed.leaf_hashes
        assert root == committed.root

    @pytest.mark.parametrize("size", [0, 15, 17, 32])
    def test_wrong_salt_length(self, size):
        """Salts are exactly 16 bytes; anything else is refused."""
        with pytest.raises(CommitmentError, match="16 bytes"):
            commit_roster(PUPILS[:1], [bytes(size)])

    def test_salt_count_must_match(self):
        """One salt per pupil, no more and no fewer."""
        with pytest.raises(CommitmentError):
            commit_roster(PUPILS, SALTS[:-1])


def team(number: int, label: str | None = None) -> Team:
    return Team(number, label or f"一年级（{number}）班", f"老师{number}")


class TestTeams:
    def test_commit_orders_by_number(self):
        """Teams are committed in class-number order whatever order they were filed in."""
        c = commit_teams([team(3), team(1), team(2)])
        assert [t.number for t in c.teams] == [1, 2, 3]
        assert c.root == commit_teams([team(1), team(2), team(3)]).root
        assert c.leaf_hashes == tuple(t.leaf_hash() for t in c.teams)

    @pytest.mark.parametrize("numbers", [[1, 3], [2, 3], [1, 1, 2], [0, 1]])
    def test_numbers_must_be_one_to_k(self, numbers):
        """Gaps or repeats in class numbers are refused."""
        teams = [team(n, f"班{i}") for i, n in enumerate(numbers)]
        with pytest.raises(CommitmentError, match=r"1\.\.k"):
            commit_teams(teams)

    def test_labels_must_differ(self):
        """Two classes with the same name are refused."""
        with pytest.raises(CommitmentError, match="labels"):
            commit_teams([team(1, "一班"), team(2, "一班")])

    def test_teachers_change_root(self):
        """Swapping a subject teacher after filing changes the team root."""
        a = Team(1, "一班", "林", (Teacher("语文", "张丽"),))
        b = Team(1, "一班", "林", (Teacher("语文", "王强"),))
        assert commit_teams([a]).root != commit_teams([b]).root

    @pytest.mark.parametrize(
        "teachers", ["语文:张丽;数学:王强", "语文：张丽；数学：王强", " 语文 : 张丽 ;\n数学:王强; "]
    )
    def test_parse_team_row(self, teachers):
        """Teachers are written 科目:姓名 separated by ; (ASCII or fullwidth)."""
        got = parse_team_row(
            2,
            {
                "number": "1",
                "label": "一年级（1）班",
                "head_teacher": "林秀云",
                "teachers": teachers,
            },
        )
        assert got == Team(
            number=1,
            label="一年级（1）班",
            head_teacher="林秀云",
            teachers=(Teacher("语文", "张丽"), Teacher("数学", "王强")),
        )

    def test_parse_team_row_errors(self):
        """Every bad field is reported with its row and column, in Chinese and English."""
        got = parse_team_row(
            4, {"number": "0", "label": "", "head_teacher": " ", "teachers": "语文张丽;数学:王强"}
        )
        assert isinstance(got, list)
        assert [(i.row, i.field, i.code) for i in got] == [
            (4, "number", "team.number"),
            (4, "label", "team.label"),
            (4, "head_teacher", "team.head"),
            (4, "teachers", "team.teachers"),
        ]
        assert "语文张丽" in got[3].zh
        assert "语文张丽" in got[3].en
        assert all(i.zh and i.en and i.zh != i.en for i in got)

    @pytest.mark.parametrize("number", ["abc", "1000", "-1", "1.5", ""])
    def test_bad_class_number(self, number):
        """Class numbers are whole numbers 1–999."""
        got = parse_team_row(2, {"number": number, "label": "一班", "head_teacher": "林"})
        assert isinstance(got, list)
        assert [i.code for i in got] == ["team.number"]

    def test_superscript_class_number_is_an_issue_not_a_crash(self):
        """A stray superscript digit in 班号 is reported, not a crash of the import."""
        got = parse_team_row(2, {"number": "²", "label": "一班", "head_teacher": "林"})
        assert isinstance(got, list)
        assert [i.code for i in got] == ["team.number"]
