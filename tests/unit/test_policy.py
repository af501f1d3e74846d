"""Policy profiles: the 洮北区 2024 plan as data, and its JSON form."""

from __future__ import annotations

import copy
import datetime as dt
import json

import pytest

from placement.canonical import canonical_json
from placement.policy import (
    PROFILES,
    TAOBEI_2024,
    Level,
    PolicyError,
    Stage,
    eligible_by_birth,
    from_json,
    to_json,
)


class TestTaobei2024:
    def test_registered(self):
        assert PROFILES["taobei-2024"] is TAOBEI_2024
        assert (TAOBEI_2024.district, TAOBEI_2024.year) == ("洮北区", 2024)

    def test_caps(self):
        assert TAOBEI_2024.cap(Level.PRIMARY) == 45
        assert TAOBEI_2024.cap(Level.MIDDLE) == 50

    def test_cutoff_inclusive(self):
        assert eligible_by_birth(TAOBEI_2024, dt.date(2018, 8, 31))
        assert eligible_by_birth(TAOBEI_2024, dt.date(2017, 1, 1))
        assert not eligible_by_birth(TAOBEI_2024, dt.date(2018, 9, 1))

    def test_stages(self):
        keys = [s.key for s in TAOBEI_2024.stages]
        assert keys == ["preparation", "registration", "review", "notice", "admission", "placement"]
        starts = [s.start for s in TAOBEI_2024.stages]
        assert starts == sorted(starts)
        assert TAOBEI_2024.stage("notice").name_zh == "公示阶段"
        assert TAOBEI_2024.stage("preparation").start == dt.date(2024, 6, 24)

    def test_placement_window(self):
        window = TAOBEI_2024.placement_window()
        assert window.name_zh == "电脑派位分班"
        assert (window.start, window.end) == (dt.date(2024, 8, 14), dt.date(2024, 8, 15))
        assert window.contains(dt.date(2024, 8, 15))
        assert not window.contains(dt.date(2024, 8, 16))

    def test_unknown_stage(self):
        with pytest.raises(PolicyError):
            TAOBEI_2024.stage("lottery")

    def test_catchment_change(self):
        assert TAOBEI_2024.receiving_school("铁路二中") == "第二中学"
        assert TAOBEI_2024.receiving_school("第二中学") is None
        assert "不再招收新生" in TAOBEI_2024.catchment_changes[0].note_zh


class TestJson:
    def test_round_trip(self):
        assert from_json(to_json(TAOBEI_2024)) == TAOBEI_2024

    def test_round_trip_through_text(self):
        text = json.dumps(to_json(TAOBEI_2024), ensure_ascii=False)
        assert from_json(json.loads(text)) == TAOBEI_2024

    def test_hashable_canonically(self):
        data = to_json(TAOBEI_2024)
        assert data["birth_cutoff"] == "2018-08-31"
        assert data["caps"] == {"primary": 45, "middle": 50}
        assert canonical_json(data).startswith(b'{"birth_cutoff":"2018-08-31"')

    @pytest.mark.parametrize(
        "spoil",
        [
            lambda d: d.pop("hotline"),
            lambda d: d.update(extra=1),
            lambda d: d.update(year="2024"),
            lambda d: d.update(birth_cutoff="20180831"),
            lambda d: d["caps"].update(primary=True),
            lambda d: d["caps"].update(middle=0),
            lambda d: d["stages"][0].update(end="2024-06-01"),
            lambda d: d["stages"].append(d["stages"][0]),
            lambda d: d.update(catchment_changes={}),
        ],
    )
    def test_refuses_malformed(self, spoil):
        data = copy.deepcopy(to_json(TAOBEI_2024))
        spoil(data)
        with pytest.raises(PolicyError):
            from_json(data)

    def test_refuses_non_object(self):
        with pytest.raises(PolicyError):
            from_json([])


def test_stage_order_checked():
    with pytest.raises(PolicyError):
        Stage("x", "x", "x", dt.date(2024, 1, 2), dt.date(2024, 1, 1))
