// Exceptions after the draw (docs/spec.md Part E, §E1–§E4, twins §E7), written from the spec:
// late-placement/1 with its tickets, the rules of §E3, and the replay of §E4 over a
// record bundle (order, approvals, rules, caps, statement versions).
import { compareBytes, concat, fromHex, fromUtf8, toHex } from './encoding.js';
import { taggedHash } from './hash.js';
import { parseJson } from './jcs.js';
import { verifyCompact, verifyGeneral } from './jws.js';
import { openBundle } from './bundle.js';
import { Keyring } from './keyring.js';
import { comparePairs } from './documents.js';
import { readText } from './text.js';

export const RULE = 'late-placement/1';
export const LATE_TICKET = 'sunshine-placement/v1/late-ticket';
export const REQUEST = 'sunshine-placement/v1/exception-request';
export const DECISION = 'sunshine-placement/v1/exception-decision';
const STATEMENT = 'sunshine-placement/v1/class-statement';
const STATEMENT_V2 = 'sunshine-placement/v2/class-statement';
const ANNOUNCEMENT_V2 = 'sunshine-placement/v2/announcement';
const LEAF_V2 = 'sunshine-placement/v2/pupil-leaf';
const ADDS = new Set(['late-placement', 'transfer-in']);
const TRANSFERS = new Set(['transfer-in', 'transfer-out']);
export const KIND_ZH = {
  'late-placement': '补录', 'transfer-in': '转入', 'transfer-out': '转出', correction: '更正', 'teacher-change': '更换教师',
};

const u32 = (n) => Uint8Array.of((n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255);

// late_ticket(n, c) = H("sunshine-placement/v1/late-ticket", final_seed ‖ u32be(n) ‖ u32be(c))
export function lateTicket(finalSeed, n, c) {
  return taggedHash(LATE_TICKET, concat(finalSeed, u32(n), u32(c)));
}

const setsOf = (leaf) => ['*', leaf.sex, ...(leaf.stratum ? [`s:${leaf.stratum}`] : [])];
const bound = (key, tau) => (key === '*' ? tau : 1);

function counts(state) {
  const k = state.classes.length;
  const out = new Map([['*', new Array(k).fill(0)], ['F', new Array(k).fill(0)], ['M', new Array(k).fill(0)]]);
  state.classes.forEach((c, j) => {
    for (const i of c.pupils) {
      for (const key of setsOf(state.leaves[i])) {
        if (!out.has(key)) out.set(key, new Array(k).fill(0));
        out.get(key)[j] += 1;
      }
    }
  });
  return out;
}

export function spreads(state) {
  const out = {};
  for (const [key, v] of [...counts(state)].sort((a, b) => (a[0] < b[0] ? -1 : 1))) out[key] = Math.max(...v) - Math.min(...v);
  return out;
}

// The key of every candidate class (§E3): [excess, size, same sex, same stratum, ticket].
export async function lateKeys(state, setting, leaf, n, waiveCap) {
  const per = counts(state);
  const k = state.classes.length;
  const keys = new Map();
  for (let j = 0; j < k; j += 1) {
    const c = state.classes[j];
    if ((c.pupils.length >= setting.cap && !waiveCap) || c.pupils.some((i) => state.leaves[i].name === leaf.name)) continue;
    let excess = 0;
    for (const key of setsOf(leaf)) {
      const after = [...(per.get(key) || new Array(k).fill(0))];
      after[j] += 1;
      excess += Math.max(0, Math.max(...after) - Math.min(...after) - bound(key, setting.tolerance));
    }
    const stratum = leaf.stratum ? (per.get(`s:${leaf.stratum}`) || new Array(k).fill(0))[j] : 0;
    keys.set(c.number, [excess, c.pupils.length, per.get(leaf.sex)[j], stratum, await lateTicket(setting.finalSeed, n, c.number)]);
  }
  return keys;
}

function lessKey(a, b) {
  for (let i = 0; i < 4; i += 1) if (a[i] !== b[i]) return a[i] < b[i];
  return compareBytes(a[4], b[4]) < 0;
}

export async function lateClass(state, setting, leaf, n, waiveCap) {
  let best = null;
  for (const [c, key] of await lateKeys(state, setting, leaf, n, waiveCap)) if (!best || lessKey(key, best[1])) best = [c, key];
  return best ? best[0] : null;
}

// The first year runs to the same month and day a year later, excluded (29 February: 1 March).
export function firstYear(drawnOn, day) {
  const [y, m, d] = drawnOn.split('-').map(Number);
  const leap = (x) => (x % 4 === 0 && x % 100 !== 0) || x % 400 === 0;
  const end = m === 2 && d === 29 && !leap(y + 1) ? `${y + 1}-03-01` : `${y + 1}-${drawnOn.slice(5)}`;
  return day < end;
}

export function dayIn08(time) {
  return new Date(Date.parse(time) + 8 * 3600 * 1000).toISOString().slice(0, 10);
}

// twinHome is the twin's class (§E7) for a request with twin_of, else null.
function neededWaivers(state, setting, req, day, twinHome) {
  const need = [];
  if (twinHome !== null) {
    if (state.classes.find((c) => c.number === twinHome).pupils.length >= setting.cap) need.push('cap');
  } else if (ADDS.has(req.kind) && state.classes.every((c) => c.pupils.length >= setting.cap)) need.push('cap');
  if (TRANSFERS.has(req.kind) && firstYear(setting.drawnOn, day)) need.push('first-year');
  return need.sort();
}

const classOf = (state) => new Map(state.classes.flatMap((c) => c.pupils.map((i) => [i, c.number])));

// §E7: the class that now holds the pupil added by exception twin_of; throws on the refusals.
function twinClass(state, req, name) {
  const m = req.detail.twin_of;
  if (!ADDS.has(req.kind) || !Number.isInteger(m) || m < 1 || m >= req.number) throw new Error(`exception ${req.number}: twin_of must be the number of an earlier exception (1 to ${req.number - 1})`);
  const hit = (state.added || []).find(([k]) => k === m);
  if (!hit) throw new Error(`exception ${req.number}: exception ${m} is not an earlier approved late placement or transfer in`);
  const where = classOf(state).get(hit[1]);
  if (where === undefined) throw new Error(`exception ${req.number}: the pupil added by exception ${m} is in no class any more (transferred out)`);
  const c = state.classes.find((x) => x.number === where);
  if (c.pupils.some((i) => state.leaves[i].name === name)) throw new Error(`exception ${req.number}: the twin's class ${where} already holds a pupil of the same name`);
  return where;
}

// The names and team texts the replay uses, read as §E2 "Reading text" says (as the
// Python verifier reads them): trimmed of white space, then NFC.
function readDetail(req) {
  const d = { ...req.detail };
  const named = (p, what) => (Array.isArray(p) && p.length === 2 ? [readText(p[0], what), p[1]] : p);
  if (d.leaf && typeof d.leaf === 'object' && 'name' in d.leaf) d.leaf = { ...d.leaf, name: readText(d.leaf.name, 'leaf.name') };
  if ('name' in d) d.name = readText(d.name, 'name');
  if (Array.isArray(d.pupil)) d.pupil = named(d.pupil, 'pupil.name');
  if (Array.isArray(d.changes)) d.changes = d.changes.map((ch) => ({ ...ch, pupil: named(ch.pupil, 'pupil.name') }));
  if (d.team && typeof d.team === 'object') {
    d.team = {
      ...d.team,
      label: readText(d.team.label, 'team.label'),
      head_teacher: readText(d.team.head_teacher, 'team.head_teacher'),
      teachers: (d.team.teachers || []).map((x) => ({ name: readText(x.name, 'teacher.name'), subject: readText(x.subject, 'teacher.subject') })),
    };
  }
  return d;
}

// Apply an approved decision (§E3); throws with the rule it breaks. A refusal changes nothing.
export async function applyException(state, setting, req, dec) {
  if (dec.decision !== 'approved') return { state, changed: [], added: null };
  const d = readDetail(req);
  const v2 = state.version === 2;
  const twinHome = req.detail && 'twin_of' in req.detail ? twinClass(state, req, v2 ? d.name : d.leaf && d.leaf.name) : null;
  const need = neededWaivers(state, setting, req, dec.decided_on, twinHome);
  if (JSON.stringify(need) !== JSON.stringify(dec.waivers)) throw new Error(`exception ${req.number}: waivers ${JSON.stringify(dec.waivers)}, the rules need ${JSON.stringify(need)}`);
  const rows = new Map(state.classes.map((c) => [c.number, [...c.pupils]]));
  const teams = new Map(state.classes.map((c) => [c.number, c.team]));
  let leaves = state.leaves;
  const changed = [];
  let added = null;
  // §E5: a v2 request names the added pupil (its leaf shows only sex), and a removed or
  // moved pupil by [name, sex] in its class; a v1 request by leaf index.
  const member = (c, pupil) => {
    if (!v2) return pupil;
    if (!Array.isArray(pupil) || pupil.length !== 2) return undefined;
    const hits = (rows.get(c) || []).filter((i) => leaves[i].name === pupil[0] && leaves[i].sex === pupil[1]);
    return hits.length === 1 ? hits[0] : undefined;
  };
  if (ADDS.has(req.kind)) {
    let leaf = d.leaf;
    if (v2) {
      const keys = Object.keys(leaf || {}).sort().join(',');
      const empty = ['same_name', 'stratum', 'twin', 'twin_wish'].every((k) => leaf[k] === '');
      if (keys !== 'private,same_name,sex,stratum,t,twin,twin_wish' || leaf.t !== LEAF_V2 || !empty || typeof d.name !== 'string' || !d.name) {
        throw new Error(`exception ${req.number}: the added pupil's v2 leaf shows more than its sex, or the request names no pupil`);
      }
      leaf = { ...leaf, name: d.name };
    } else if (!leaf || leaf.t === LEAF_V2) {
      throw new Error(`exception ${req.number}: the added leaf must be v1`);
    }
    if (twinHome !== null && twinHome !== dec.placed) throw new Error(`exception ${req.number}: the twin (exception ${req.detail.twin_of}) is in class ${twinHome}, the decision says ${dec.placed} (§E7)`);
    const placed = twinHome !== null ? twinHome : await lateClass(state, setting, leaf, req.number, dec.waivers.includes('cap'));
    if (placed === null || placed !== dec.placed) throw new Error(`exception ${req.number}: ${RULE} places the pupil in class ${placed}, the decision says ${dec.placed}`);
    added = leaves.length;
    leaves = [...leaves, leaf];
    rows.get(placed).push(added);
    changed.push(placed);
  } else if (dec.placed !== null) {
    throw new Error(`exception ${req.number}: a decision on a ${req.kind} names no class`);
  } else if (req.kind === 'transfer-out') {
    const pupil = member(d.class, d.pupil);
    const where = classOf(state).get(pupil);
    if (where === undefined) throw new Error(`exception ${req.number}: pupil ${JSON.stringify(d.pupil)} is in no class`);
    rows.set(where, rows.get(where).filter((i) => i !== pupil));
    changed.push(where);
  } else if (req.kind === 'correction') {
    const where = classOf(state);
    if (v2 !== (d.version === 2)) throw new Error(`exception ${req.number}: the correction's form does not fit the record`);
    for (const ch of d.changes) {
      const pupil = member(ch.from, ch.pupil);
      if (pupil === undefined || where.get(pupil) !== ch.from || !rows.has(ch.to) || ch.to === ch.from) throw new Error(`exception ${req.number}: pupil ${JSON.stringify(ch.pupil)} is not in class ${ch.from}, or the target is invalid`);
      if (v2 && rows.get(ch.to).some((i) => leaves[i].name === leaves[pupil].name)) throw new Error(`exception ${req.number}: the target class holds the same name`);
      rows.set(ch.from, rows.get(ch.from).filter((i) => i !== pupil));
      rows.get(ch.to).push(pupil);
      where.set(pupil, ch.to);
      changed.push(ch.from, ch.to);
    }
    for (const c of changed) if (rows.get(c).length > setting.cap) throw new Error(`exception ${req.number}: class ${c} exceeds the cap`);
  } else if (req.kind === 'teacher-change') {
    const current = state.classes.find((c) => c.number === d.team.number);
    if (!current || current.label !== d.team.label) throw new Error(`exception ${req.number}: a teacher change names an existing class`);
    teams.set(d.team.number, d.team);
    changed.push(d.team.number);
  } else {
    throw new Error(`exception ${req.number}: unknown kind ${req.kind}`);
  }
  const touched = new Set(changed);
  const classes = state.classes.map((c) => (touched.has(c.number)
    ? { ...c, pupils: rows.get(c.number), team: teams.get(c.number), version: c.version + 1, exception: req.number }
    : c));
  const addedSoFar = added === null ? (state.added || []) : [...(state.added || []), [req.number, added]];
  return { state: { leaves, classes, version: state.version, added: addedSoFar }, changed: [...touched].sort((a, b) => a - b), added };
}

export function statementVersion(state, number, ann, resultDigest) {
  const c = state.classes.find((x) => x.number === number);
  const pupils = c.pupils.map((i) => [state.leaves[i].name, state.leaves[i].sex]);
  if (state.version === 2) pupils.sort(comparePairs); // a v2 statement is sorted by (name, sex)
  return {
    class: c.number, draw: ann.draw_id, exception: c.exception, head_teacher: c.team.head_teacher, intake: ann.intake,
    label: c.label, pupils, result: resultDigest,
    school: ann.school, t: state.version === 2 ? STATEMENT_V2 : STATEMENT, version: c.version,
  };
}

const VERSION = /^statements\/([0-9]{2,})\.v([1-9][0-9]*)\.jws$/;
const MEMBER = /^exceptions\/([1-9][0-9]*)\.(request|decision)\.jws$/;

// Replay a bundle's exceptions (§E4). Returns the named checks, the steps and the state.
export async function verifyExceptions(bytes, pinned) {
  const { members } = await openBundle(bytes);
  return replayExceptions(members, pinned);
}

// Does a bundle hold anything of Part E?
export function hasExceptions(members) {
  return [...members.keys()].some((m) => MEMBER.test(m) || VERSION.test(m));
}

export async function replayExceptions(members, pinned) {
  const json = (name) => parseJson(members.get(name), name);
  const text = (name) => fromUtf8(members.get(name));
  const keyring = pinned || await Keyring.parse(json('keyring.json'));
  const ann = (await verifyGeneral(text('announcement.jws'), keyring)).document;
  const res = await verifyGeneral(text('result.jws'), keyring);
  const cer = (await verifyCompact(text('ceremony.jws'), keyring)).document;
  const result = res.document;
  const resultDigest = toHex(res.digest);
  const leaves = json('roster/leaves.json');
  const teams = new Map(json('teams.json').map((t) => [t.number, t]));
  const entries = json('log/entries.json').map((x) => x.entry).filter((e) => e.draw === ann.draw_id);
  const checks = {};
  const fail = (id, why) => { checks[id] = { ok: false, detail: why }; };
  const pass = (id, detail) => { checks[id] = { ok: true, detail }; };

  // order: requests numbered 1, 2, … in log order; decisions after their request, once
  const requests = new Map();
  const decisions = new Map();
  const order = [];
  try {
    for (const e of entries) {
      if (e.event === 'exception.requested') {
        if (e.detail.number !== requests.size + 1) throw new Error(`request number ${e.detail.number}, expected ${requests.size + 1}`);
        const name = `exceptions/${e.detail.number}.request.jws`;
        if (!members.has(name)) throw new Error(`${name} is missing`);
        const v = await verifyCompact(text(name), keyring, REQUEST);
        if (toHex(v.digest) !== e.detail.digest || v.document.number !== e.detail.number || v.document.result !== resultDigest || v.document.draw !== ann.draw_id) throw new Error(`${name} differs from the log, its number or this result`);
        const tw = v.document.detail && typeof v.document.detail === 'object' && 'twin_of' in v.document.detail ? v.document.detail.twin_of : undefined;
        if (tw !== undefined && (!ADDS.has(v.document.kind) || !Number.isInteger(tw) || tw < 1 || tw >= v.document.number)) throw new Error(`${name}: twin_of must be the number of an earlier exception (§E7)`);
        requests.set(e.detail.number, { doc: v.document, digest: toHex(v.digest), at: e.time });
      } else if (e.event === 'exception.decided') {
        const n = e.detail.number;
        if (!requests.has(n) || decisions.has(n)) throw new Error(`decision ${n} has no earlier request, or repeats`);
        const name = `exceptions/${n}.decision.jws`;
        if (!members.has(name)) throw new Error(`${name} is missing`);
        const v = await verifyCompact(text(name), keyring, DECISION);
        const dec = v.document;
        if (toHex(v.digest) !== e.detail.digest || dec.decision !== e.detail.decision || dec.number !== n || dec.request !== requests.get(n).digest) throw new Error(`${name} differs from the log or its request`);
        if (dec.decided_on !== dayIn08(e.time) || dec.decided_on < requests.get(n).doc.requested_on) throw new Error(`decision ${n} is dated unlike its log entry, or before its request`);
        if (dec.approver.role !== 'bureau-admin' || requests.get(n).doc.requested_by.role !== 'school') throw new Error(`exception ${n}: roles`);
        decisions.set(n, dec);
        order.push(n);
      }
    }
    const listed = [...members.keys()].filter((m) => MEMBER.test(m)).length;
    if (listed !== requests.size + decisions.size) throw new Error('exception files differ from the log');
    pass('order', `${requests.size} requests, ${decisions.size} decisions`);
  } catch (e) {
    fail('order', e.message);
    return { ok: false, checks };
  }

  // rules and caps, step by step. v2 (§E5): the replay counts members — the pupils of
  // the signed class statements, in class then statement order, with name and sex only.
  let state;
  if (ann.t === ANNOUNCEMENT_V2) {
    const pupils = [];
    const classes = [];
    try {
      // §E5: a v1 amendment names leaf indices, which members do not have
      if ([...members.keys()].some((m) => m.startsWith('amendments/'))) throw new Error('a v2 record with an amendment takes no exception');
      for (const c of [...result.classes].sort((a, b) => a.number - b.number)) {
        const v = await verifyCompact(text(`statements/${String(c.number).padStart(2, '0')}.jws`), keyring, STATEMENT_V2);
        const first = pupils.length;
        for (const [name, sex] of v.document.pupils) pupils.push({ name, sex, stratum: '', twin: '', twin_wish: '' });
        classes.push({ number: c.number, label: c.label, pupils: pupils.slice(first).map((_, k) => first + k), team: teams.get(c.number), version: 1, exception: null });
      }
    } catch (e) {
      fail('rules', e.message);
      return { ok: false, checks };
    }
    state = { leaves: pupils, classes, version: 2 };
  } else {
    state = {
      leaves,
      classes: result.classes.map((c) => ({ number: c.number, label: c.label, pupils: [...c.pupils], team: teams.get(c.number), version: 1, exception: null })),
      version: 1,
    };
  }
  const setting = { cap: ann.class_cap, tolerance: result.size_tolerance, finalSeed: fromHex(result.final_seed), drawnOn: dayIn08(cer.revealed_at) };
  const want = new Map();
  const steps = [];
  try {
    const capProblems = [];
    for (const n of order) {
      const req = requests.get(n).doc;
      const dec = decisions.get(n);
      const before = state;
      const step = await applyException(state, setting, req, dec);
      state = step.state;
      const old = new Map(before.classes.map((c) => [c.number, c.pupils.length]));
      if (!dec.waivers.includes('cap')) {
        for (const c of state.classes) if (c.pupils.length > Math.max(setting.cap, old.get(c.number))) capProblems.push(`after exception ${n}: class ${c.number} exceeds the cap`);
      }
      const seen = new Set();
      for (const c of state.classes) for (const i of c.pupils) { if (seen.has(i)) capProblems.push(`after exception ${n}: pupil ${i} placed twice`); seen.add(i); }
      for (const c of step.changed) {
        const doc = statementVersion(state, c, ann, resultDigest);
        want.set(`statements/${String(c).padStart(2, '0')}.v${doc.version}.jws`, doc);
      }
      steps.push({ number: n, kind: req.kind, changed: step.changed, added: step.added, spread: spreads(state), twinOf: req.detail && req.detail.twin_of ? req.detail.twin_of : null });
    }
    const twins = steps.filter((s) => s.added !== null && s.twinOf).length;
    pass('rules', `${steps.length} decisions replayed; ${steps.filter((s) => s.added !== null).length} added pupils placed by ${RULE}${twins ? ` (${twins} of them with their twin, §E7)` : ''}`);
    if (capProblems.length) fail('caps', capProblems.slice(0, 3).join('; '));
    else pass('caps', JSON.stringify(steps.length ? steps[steps.length - 1].spread : {}));
  } catch (e) {
    fail('rules', e.message);
    return { ok: false, checks, steps };
  }

  // statements: every version is the state its exception left, and nothing else exists
  const problems = [];
  const have = [...members.keys()].filter((m) => VERSION.test(m));
  for (const name of have) {
    if (!want.has(name)) { problems.push(`${name} has no approved exception behind it`); continue; }
    const v = await verifyCompact(text(name), keyring, state.version === 2 ? STATEMENT_V2 : STATEMENT);
    if (JSON.stringify(v.document) !== JSON.stringify(want.get(name))) problems.push(`${name} differs from the class after exception ${want.get(name).exception}`);
  }
  for (const name of want.keys()) if (!members.has(name)) problems.push(`${name} is missing`);
  if (problems.length) fail('statements', problems.slice(0, 3).join('; '));
  else pass('statements', `${want.size} statement versions`);
  return { ok: Object.values(checks).every((c) => c.ok), checks, steps, state };
}
