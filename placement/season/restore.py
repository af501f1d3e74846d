"""A season ledger's state and its restoration (what a store keeps between steps).

The state is plain JSON: the log, every signed document, every application record and
the entry sets of notices and derivations. Restoring reads the documents back and
replays the log's facts; nothing is signed again.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from placement import jws
from placement.canonical import Json
from placement.policy import PolicyProfile
from placement.season import allocating
from placement.season.application import from_json as application_from_json
from placement.season.cases import CaseFinding, Finding, case_from_json
from placement.season.catchment import from_json as catchment_from_json
from placement.season.documents import SeasonError, digest
from placement.season.ledger import Ledger, Notice, Sign
from placement.season.log import SeasonEvent
from placement.season.notice import EntrySet, entry_set
from placement.season.plan import from_json as plan_from_json


def ledger_state(led: Ledger) -> dict[str, Json]:
    """Everything needed to go on with the season later (what a store keeps)."""
    return {
        "log": list(led.log),
        "notice_entries": {n.digest.hex(): n.entries.hex_list() for n in led.notices.values()},
        "profile": led.profile.key,
        "records": [a.to_json() for a in led.records],
        "roster_entries": {
            digest(doc).hex(): led.roster_sets[place].hex_list()
            for place, doc in led.rosters.items()
        },
        "signed": dict(led.signed),
        "allocations": allocating.state(led),
    }


class _Documents(Mapping[str, dict[str, Json]]):
    """The signed documents by digest, each read back when first needed: a restore
    replays decisions, notices, cases … but never reads the thousands of receipts."""

    def __init__(self, signed: Mapping[str, Json]) -> None:
        self._signed = signed
        self._read: dict[str, dict[str, Json]] = {}

    def __getitem__(self, d: str) -> dict[str, Json]:
        if d not in self._read:
            self._read[d] = jws.parse(str(self._signed[d])).document()
        return self._read[d]

    def __iter__(self) -> Iterator[str]:
        return iter(self._signed)

    def __len__(self) -> int:
        return len(self._signed)


def restore(state: Json, *, profile: PolicyProfile, sign: Sign) -> Ledger:
    """Rebuild a ledger from :func:`ledger_state`: documents are read back, nothing is re-signed."""
    if not isinstance(state, dict) or state.get("profile") != profile.key:
        raise SeasonError("招生季状态与政策不符", "the season state is not of this profile")
    signed = state["signed"]
    log = state["log"]
    assert isinstance(signed, dict)
    assert isinstance(log, list)
    docs = _Documents(signed)
    by_kind: dict[str, dict[str, Json]] = {}
    for e in log:
        assert isinstance(e, dict)
        detail = e.get("detail")
        if e.get("event") == SeasonEvent.POLICY.value and isinstance(detail, dict):
            by_kind[str(detail["kind"])] = docs[str(detail["digest"])]
    led = Ledger(
        profile=profile,
        catchment=catchment_from_json(by_kind["catchment"]),
        plan=plan_from_json(by_kind["plan"]),
        sign=sign,
    )
    led.signed = {str(d): str(t) for d, t in signed.items()}
    # a store that keeps each document's type says so ("types"); else each is read
    types = state.get("types")
    led.types = (
        {str(d): str(t) for d, t in types.items()}
        if isinstance(types, dict)
        else {d: str(doc["t"]) for d, doc in docs.items()}
    )
    records = state["records"]
    assert isinstance(records, list)
    for raw in records:
        app = application_from_json(raw)
        led.records.append(app)
        led.current[app.number] = app
        led.by_id[app.id_number] = app.number
    sets = {**_sets(state, "notice_entries"), **_sets(state, "roster_entries")}
    for e in log:
        assert isinstance(e, dict)
        led.log.append(e)
        _replay(led, e, docs, sets)
    allocating.restore(led, state.get("allocations"), docs)
    return led


def _replay(
    self: Ledger, e: dict[str, Json], docs: Mapping[str, dict[str, Json]], sets: dict[str, EntrySet]
) -> None:
    detail = e.get("detail")
    if e.get("season") != self.season or not isinstance(detail, dict):
        return
    event, d = e["event"], str(detail.get("digest", ""))
    if event == SeasonEvent.OVERRIDE.value:
        self.overrides[str(detail["stage"])] = str(detail["reason"])
    elif event == SeasonEvent.DECISION.value:
        self._record_decision(docs[d])
    elif event == SeasonEvent.NOTICE.value:
        place = (str(detail["school"]), str(detail["intake"]))
        self.notices[place] = Notice(len(self.log) - 1, docs[d], bytes.fromhex(d), sets[d])
    elif event == SeasonEvent.CASE_FILED.value:
        self.cases.append(case_from_json(docs[d]))
    elif event == SeasonEvent.CASE_DECIDED.value:
        case = self.cases[int(str(detail["case"])) - 1]
        doc = docs[d]
        entry = doc["entry"]
        self.findings[case.number] = CaseFinding(
            case,
            Finding(str(doc["outcome"])),
            None if entry is None else bytes.fromhex(str(entry)),
            str(doc["reason"]),
            str(doc["handled_by"]),
            str(doc["decided_at"]),
            None if doc["application"] is None else str(doc["application"]),
        )
    elif event == SeasonEvent.ADMISSION.value:
        self.admissions[(str(detail["school"]), str(detail["intake"]))] = docs[d]
    elif event == SeasonEvent.ROSTER.value:
        place = (str(detail["school"]), str(detail["intake"]))
        self.rosters[place] = docs[d]
        self.roster_sets[place] = sets[d]


def _sets(state: dict[str, Json], key: str) -> dict[str, EntrySet]:
    raw = state.get(key, {})
    assert isinstance(raw, dict)
    out = {}
    for d, entries in raw.items():
        assert isinstance(entries, list)
        out[d] = entry_set(bytes.fromhex(str(x)) for x in entries)
    return out
