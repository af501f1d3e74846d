// The enrollment season's chain (docs/spec.md Part S), checked in the browser from a
// public season bundle: the whole log against its signed checkpoint, the signed policy,
// each 公示 list equal to the logged approvals, the reports, and every roster derivation
// recomputed ("380 on 公示; 2 removed by reports #3, #7; 1 added by decision #12; 379 in
// the draw"). Written from the spec; it shares only the generic helpers of this folder.
import { FormatError, fromB64u, fromHex, toHex, utf8, compareBytes } from './encoding.js';
import { canonical, canonicalText, parseCanonical, parseJson } from './jcs.js';
import { sha256, documentDigest } from './hash.js';
import { leafHash, rootOf } from './merkle.js';
import { Keyring, verifyEd25519, signingDay, acceptableOn } from './keyring.js';
import { verifyCheckpoint } from './log.js';
import { readZip } from './zip.js';
import { replayAllocation } from './allocation.js';
import { verifyCompact, verifyGeneral } from './jws.js';
import { checkAnnouncement } from './documents.js';

const S = 'sunshine-placement/season/v1/';
const ENTRY = `${S}log-entry`;

function json(members, name) {
  const data = members.get(name);
  if (!data) throw new FormatError('missing', `${name} is missing`);
  return parseJson(data, name);
}

// A compact JWS signed by a bureau key of the keyring, acceptable on its signing day.
async function verifyJws(text, keyring, type) {
  const parts = text.trim().split('.');
  if (parts.length !== 3) throw new FormatError('jws', 'not a compact JWS');
  const header = parseCanonical(fromB64u(parts[0]), 'header');
  if (header.alg !== 'EdDSA' || header.typ !== type || 'zip' in header) throw new FormatError('jws', `not a ${type}`);
  const plus = header.kid.lastIndexOf('+');
  const key = keyring.lookup(header.kid.slice(plus + 1), header.kid.slice(0, plus));
  if (!key || key.role !== 'bureau') throw new FormatError('unknown_key', `${header.kid} is not a bureau key of the keyring`);
  if (!(await verifyEd25519(key, fromB64u(parts[2]), utf8(`${parts[0]}.${parts[1]}`)))) {
    throw new FormatError('signature', `the signature on a ${type} does not verify`);
  }
  if (!acceptableOn(key, signingDay(header.iat)).ok) throw new FormatError('key_validity', 'key not valid on its signing day');
  const doc = parseCanonical(fromB64u(parts[1]), 'payload');
  if (doc.t !== type) throw new FormatError('type', `expected ${type}`);
  return { doc, digest: toHex(await documentDigest(doc)) };
}

const isSeason = (e, event) => e.t === ENTRY && e.event === event;

function placeOf(d) {
  if (d.outcome === 'approve') return `${d.school}\u0000${d.intake}`;
  if (d.outcome === 'assign') return `${d.to_school}\u0000${d.intake}`;
  return null;
}

async function setRoot(hexEntries) {
  const hashes = await Promise.all(hexEntries.map((e) => leafHash(fromHex(e, 32))));
  hashes.sort(compareBytes);
  return { root: toHex(await rootOf(hashes)), size: hashes.length, hashes };
}

function standings(log, end) {
  const out = new Map();
  for (const e of log.slice(0, end)) if (isSeason(e, 'decision.recorded')) out.set(e.detail.entry, placeOf(e.detail));
  return out;
}

// Spec S9: the changes after a notice, in log order, and the resulting set.
export function changesBetween(log, start, end, place, notice, listed) {
  const filed = new Map(log.filter((e) => isSeason(e, 'case.filed')).map((e) => [e.detail.case, e.detail.notice]));
  const current = new Set(listed);
  const changes = [];
  for (const e of log.slice(start + 1, end)) {
    if (isSeason(e, 'case.decided') && e.detail.outcome === 'upheld' && filed.get(e.detail.case) === notice) {
      if (!current.has(e.detail.entry)) throw new FormatError('chain', `case #${e.detail.case} removes a child who is not listed`);
      current.delete(e.detail.entry);
      changes.push({ by: 'case', effect: 'remove', entry: e.detail.entry, number: e.detail.case });
    } else if (isSeason(e, 'decision.recorded')) {
      const here = placeOf(e.detail) === place;
      if (here !== current.has(e.detail.entry)) {
        if (here) current.add(e.detail.entry); else current.delete(e.detail.entry);
        changes.push({ by: 'decision', effect: here ? 'add' : 'remove', entry: e.detail.entry, number: e.detail.number });
      }
    }
  }
  return { changes, current };
}

export function describe(doc) {
  const en = [`${doc.summary.notice} on 公示`];
  const zh = [`公示 ${doc.summary.notice} 人`];
  for (const [effect, ev, zv] of [['remove', 'removed', '移出'], ['add', 'added', '增加']]) {
    for (const [by, eb, zb] of [['case', 'report', '举报'], ['decision', 'decision', '决定']]) {
      const refs = doc.changes.filter((c) => c.effect === effect && c.by === by).map((c) => `#${c.number}`);
      if (refs.length) {
        en.push(`${refs.length} ${ev} by ${eb}${refs.length > 1 ? 's' : ''} ${refs.join(', ')}`);
        zh.push(`因${zb} ${refs.join(', ')} ${zv} ${refs.length} 人`);
      }
    }
  }
  en.push(`${doc.summary.roster} in the draw`);
  zh.push(`进入派位 ${doc.summary.roster} 人`);
  return { zh: zh.join('；'), en: en.join('; ') };
}

// Every check over a public season bundle; `trusted` (keyring JSON) replaces the bundle's own;
// `draw` (a draw bundle's bytes) adds the link from the derivation into that draw (S9).
export async function verifySeason(bytes, trusted = null, draw = null) {
  const checks = [];
  const run = async (name, fn) => {
    try {
      const msg = await fn();
      checks.push({ name, ok: true, ...msg });
    } catch (e) {
      checks.push({ name, ok: false, zh: e.message, en: e.message });
    }
  };
  const members = new Map((await readZip(bytes)).map((m) => [m.name, m.data]));
  let keyring; let log; let notices = []; let logged;
  await run('season.bundle', async () => {
    const m = json(members, 'manifest.json');
    if (m.t !== `${S}bundle` || m.version !== 1) throw new FormatError('manifest', 'not a season bundle');
    for (const [name, digest] of Object.entries(m.files)) {
      if (!members.has(name) || toHex(await sha256(members.get(name))) !== digest) throw new FormatError('manifest', `${name} differs from the manifest`);
    }
    if (members.size !== Object.keys(m.files).length + 1) throw new FormatError('manifest', 'unlisted members');
    if (m.kind !== 'public') throw new FormatError('manifest', 'the browser checks public season bundles');
    keyring = await Keyring.parse(trusted || json(members, 'keyring.json'));
    return { zh: `招生季 ${m.season}，${members.size} 个文件`, en: `season ${m.season}, ${members.size} members` };
  });
  await run('season.log', async () => {
    const cp = await verifyCheckpoint(new TextDecoder().decode(members.get('log/checkpoint')), keyring);
    log = json(members, 'log/entries.json');
    const hashes = await Promise.all(log.map((e) => leafHash(canonical(e))));
    if (log.length !== cp.size || toHex(await rootOf(hashes)) !== toHex(cp.root)) {
      throw new FormatError('log', 'the entries do not give the checkpoint root: the log is incomplete or altered');
    }
    logged = new Map();
    log.forEach((e, i) => { if (e.t === ENTRY && e.detail.digest && !logged.has(e.detail.digest)) logged.set(e.detail.digest, i); });
    return { zh: `全部 ${cp.size} 条日志重算出检查点的根`, en: `all ${cp.size} entries give the checkpoint's root` };
  });
  await run('season.policy', async () => {
    for (const [path, kind] of [['policy/catchment.jws', 'catchment'], ['policy/plan.jws', 'plan']]) {
      const { digest } = await verifyJws(new TextDecoder().decode(members.get(path)), keyring, `${S}${kind}`);
      if (!logged.has(digest)) throw new FormatError('log', `${kind} was not logged`);
    }
    return { zh: '招生区域与计划已签名并记入日志', en: 'catchment and plan signed and logged' };
  });
  await run('season.notices', async () => {
    const names = [...members.keys()].filter((n) => /^notices\/\d+\.jws$/.test(n)).sort();
    for (const name of names) {
      const { doc, digest } = await verifyJws(new TextDecoder().decode(members.get(name)), keyring, `${S}notice`);
      if (!logged.has(digest)) throw new FormatError('log', `${name} was not logged`);
      const listed = json(members, name.replace('.jws', '.entries.json'));
      const { root, size } = await setRoot(listed);
      if (root !== doc.entries.root || size !== doc.entries.size) throw new FormatError('notice', `${doc.school}: the entry list does not give the notice's root`);
      const place = `${doc.school}\u0000${doc.intake}`;
      const due = [...standings(log, logged.get(digest)).entries()].filter(([, p]) => p === place).map(([e]) => e);
      const set = new Set(listed);
      if (due.length !== set.size || due.some((e) => !set.has(e))) throw new FormatError('notice', `${doc.school}: the 公示 list differs from the logged approvals`);
      notices.push({ doc, digest, index: logged.get(digest), listed });
    }
    return { zh: `${notices.length} 份公示名单与审核决定一致`, en: `${notices.length} 公示 lists equal the approvals` };
  });
  await run('season.rosters', async () => {
    const names = [...members.keys()].filter((n) => /^rosters\/\d+\.jws$/.test(n)).sort();
    const lines = { zh: [], en: [] };
    for (const name of names) {
      const { doc, digest } = await verifyJws(new TextDecoder().decode(members.get(name)), keyring, `${S}roster`);
      const index = logged.get(digest);
      if (index === undefined) throw new FormatError('log', `${name} was not logged`);
      const mine = notices.filter((n) => n.doc.school === doc.school && n.doc.intake === doc.intake && n.index < index);
      const n = mine[mine.length - 1];
      if (!n || n.digest !== doc.notice) throw new FormatError('chain', `${doc.school}: not derived from the latest notice`);
      const { changes, current } = changesBetween(log, n.index, index, `${doc.school}\u0000${doc.intake}`, n.digest, n.listed);
      if (canonicalText(changes) !== canonicalText(doc.changes)) throw new FormatError('chain', `${doc.school}: the changes differ from the log`);
      const { root, size } = await setRoot([...current]);
      if (root !== doc.roster.root || size !== doc.roster.size) throw new FormatError('chain', `${doc.school}: the roster root is not the derived set's`);
      const d = describe(doc);
      lines.zh.push(`${doc.school}：${d.zh}`);
      lines.en.push(`${doc.school}: ${d.en}`);
    }
    if (!lines.en.length) return { zh: '尚无派位名单推导', en: 'no roster derivation yet' };
    return { zh: lines.zh.join(' | '), en: lines.en.join(' | ') };
  });
  await run('season.admissions', async () => {
    const names = [...members.keys()].filter((n) => /^admissions\/\d+\.jws$/.test(n)).sort();
    const rosters = [];
    for (const name of [...members.keys()].filter((n) => /^rosters\/\d+\.jws$/.test(n))) {
      const { doc, digest } = await verifyJws(new TextDecoder().decode(members.get(name)), keyring, `${S}roster`);
      rosters.push({ doc, digest, index: logged.get(digest) });
    }
    const out = [];
    for (const name of names) {
      const { doc, digest } = await verifyJws(new TextDecoder().decode(members.get(name)), keyring, `${S}admission`);
      const index = logged.get(digest);
      if (index === undefined) throw new FormatError('log', `${name} was not logged`);
      const mine = rosters.filter((r) => r.doc.school === doc.school && r.doc.intake === doc.intake && r.index < index)
        .sort((a, b) => a.index - b.index);
      const last = mine[mine.length - 1];
      if (!last || last.digest !== doc.roster || canonicalText(last.doc.roster) !== canonicalText(doc.admitted)) {
        throw new FormatError('chain', `${doc.school}: the admission does not name the latest derivation`);
      }
      out.push(`${doc.school} ${doc.admitted.size}`);
    }
    return { zh: out.length ? `录取：${out.join('，')}` : '没有录取文件', en: out.length ? `admitted: ${out.join(', ')}` : 'no admission documents' };
  });
  await run('season.allocations', () => allocations(members, keyring, log, logged));
  if (draw) await run('season.draw', () => drawLink(draw, keyring, log, logged, notices, members));
  return { verified: checks.every((c) => c.ok), checks };
}

const text = (members, name) => {
  const data = members.get(name);
  if (!data) throw new FormatError('missing', `${name} is missing`);
  return new TextDecoder().decode(data);
};

// Spec S11: each allocation draw replayed; the result is signed and logged after it.
async function allocations(members, keyring, log, logged) {
  const names = [...members.keys()].filter((n) => /^allocations\/\d+\.jws$/.test(n)).sort();
  const lines = { zh: [], en: [] };
  const tickets = [];
  for (const name of names) {
    const stem = name.slice(0, -'.jws'.length);
    const a = await verifyJws(text(members, name), keyring, `${S}allocation`);
    const r = await verifyJws(text(members, `${stem}-result.jws`), keyring, `${S}allocation-result`);
    a.index = logged.get(a.digest);
    r.index = logged.get(r.digest);
    if (a.index === undefined || r.index === undefined) throw new FormatError('log', `${name} or its result was not logged`);
    const got = await replayAllocation({ a, r, pool: json(members, `${stem}.pool.json`), log, setRoot });
    lines.zh.push(got.line.zh);
    lines.en.push(got.line.en);
    tickets.push(...got.tickets.map((t) => ({ ...t, school: a.doc.school })));
  }
  if (!names.length) return { zh: '没有统筹摇号', en: 'no allocation draw', tickets };
  return { zh: `统筹摇号重放一致：${lines.zh.join('；')}`, en: `allocation draws replayed: ${lines.en.join('; ')}`, tickets };
}

// The derivation's set, recomputed from its notice and the log (as season.rosters does).
async function derived(log, logged, notices, roster) {
  const n = notices.find((x) => x.digest === roster.doc.notice);
  if (!n) throw new FormatError('chain', 'the derivation names no notice of this bundle');
  const place = `${roster.doc.school}\u0000${roster.doc.intake}`;
  return changesBetween(log, n.index, roster.index, place, n.digest, n.listed).current;
}

// Spec S9 "Announcement": the draw's announcement names the derivation (`enrolment`), has
// its school, intake and size, is logged after it, and nothing changed the list between.
async function drawLink(drawBytes, keyring, log, logged, notices, members) {
  const files = new Map((await readZip(drawBytes)).map((m) => [m.name, m.data]));
  const raw = files.get('announcement.jws');
  if (!raw) throw new FormatError('draw', 'the draw bundle has no announcement');
  const jwsText = new TextDecoder().decode(raw).trim();
  const v = await (jwsText.startsWith('{') ? verifyGeneral : verifyCompact)(jwsText, keyring, null);
  const ann = checkAnnouncement(v.document);
  if (typeof ann.enrolment !== 'string') throw new FormatError('draw', "the draw's announcement names no roster derivation (enrolment)");
  let roster = null;
  for (const name of [...members.keys()].filter((x) => /^rosters\/\d+\.jws$/.test(x))) {
    const r = await verifyJws(text(members, name), keyring, `${S}roster`);
    if (r.digest === ann.enrolment) roster = { ...r, index: logged.get(r.digest) };
  }
  if (!roster) throw new FormatError('draw', "the announcement's derivation is not in the season record");
  const doc = roster.doc;
  if (ann.school !== doc.school || ann.intake !== doc.intake) throw new FormatError('draw', "the announcement's school or intake differs from the derivation's");
  if (ann.roster.size !== doc.roster.size) throw new FormatError('draw', `the draw has ${ann.roster.size} pupils, the derivation ${doc.roster.size}`);
  const digest = toHex(v.digest);
  const j = log.findIndex((e) => e.event === 'announcement.published' && e.detail && e.detail.digest === digest);
  if (j < 0) throw new FormatError('draw', 'the season log does not show the announcement published (export it after the draw)');
  if (j <= roster.index) throw new FormatError('draw', 'the announcement precedes the derivation');
  const set = await derived(log, logged, notices, roster);
  const later = changesBetween(log, roster.index, j, `${doc.school}\u0000${doc.intake}`, doc.notice, set).changes;
  if (later.length) throw new FormatError('draw', `${later.length} changes were logged between the derivation and the announcement`);
  const d = describe(doc);
  return {
    zh: `派位公告（${ann.draw_id}）使用 ${doc.school} 的推导名单：${d.zh}`,
    en: `the draw ${ann.draw_id} uses ${doc.school}'s derived roster: ${d.en}`,
  };
}
