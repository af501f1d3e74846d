// Shapes of the signed documents (docs/spec.md §7, §8, §15) and their own checks.
import { FormatError, fromHex, toHex } from './encoding.js';
import { finalSeed } from './seed.js';

export const T = 'sunshine-placement/v1/';
export const TYPES = Object.freeze({
  announcement: `${T}announcement`,
  ceremony: `${T}ceremony`,
  result: `${T}result`,
  statement: `${T}class-statement`,
  amendment: `${T}amendment`,
  receipt: `${T}receipt`,
});
// Protocol v2 (§21): the types whose bytes changed; every other document keeps its v1 type.
export const T2 = 'sunshine-placement/v2/';
export const TYPES_V2 = Object.freeze({
  announcement: `${T2}announcement`,
  statement: `${T2}class-statement`,
  receipt: `${T2}receipt`,
});

export function announcementVersion(doc) {
  return doc && doc.t === TYPES_V2.announcement ? 2 : 1;
}

const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$/;

export function isObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

export function exactFields(doc, keys, what) {
  if (!isObject(doc)) throw new FormatError('document', `${what} is not an object`);
  const have = Object.keys(doc).sort();
  const want = [...keys].sort();
  const missing = want.filter((k) => !have.includes(k));
  const extra = have.filter((k) => !want.includes(k));
  if (missing.length) throw new FormatError('document', `${what} lacks ${missing.join(', ')}`);
  if (extra.length) throw new FormatError('document', `${what} has unknown ${extra.join(', ')}`);
  return doc;
}

const isText = (v) => typeof v === 'string';
const isHex32 = (v) => typeof v === 'string' && /^[0-9a-f]{64}$/.test(v);

const byCodePoint = (a, b) => {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i += 1) {
    const d = x[i].codePointAt(0) - y[i].codePointAt(0);
    if (d) return d;
  }
  return x.length - y.length;
};
export const comparePairs = (p, q) => byCodePoint(p[0], q[0]) || byCodePoint(p[1], q[1]);

export function checkStatement(doc) {
  const keys = ['class', 'draw', 'head_teacher', 'intake', 'label', 'pupils', 'result', 'school', 't'];
  // A later version (spec Part E, §E2) also names its version and the exception that made it.
  const versioned = doc && typeof doc === 'object' && 'version' in doc;
  exactFields(doc, versioned ? [...keys, 'exception', 'version'].sort() : keys, 'class statement');
  if (versioned && !(Number.isInteger(doc.version) && doc.version >= 2 && Number.isInteger(doc.exception) && doc.exception >= 1)) {
    throw new FormatError('document', 'version or exception number');
  }
  if (!Number.isInteger(doc.class) || doc.class < 1) throw new FormatError('document', 'class is not a class number');
  if (!isHex32(doc.result)) throw new FormatError('document', 'result is not a digest');
  if (![doc.draw, doc.head_teacher, doc.intake, doc.label, doc.school].every(isText)) throw new FormatError('document', 'text fields');
  if (!Array.isArray(doc.pupils) || !doc.pupils.every((p) => Array.isArray(p) && p.length === 2 && isText(p[0]) && (p[1] === 'F' || p[1] === 'M'))) {
    throw new FormatError('document', 'pupils is not a list of [name, "F" | "M"]');
  }
  if (doc.t === TYPES_V2.statement) {
    for (let i = 1; i < doc.pupils.length; i += 1) {
      if (comparePairs(doc.pupils[i - 1], doc.pupils[i]) > 0) throw new FormatError('document', 'a v2 statement lists its pupils sorted by name (§21.3)');
    }
  } else if (doc.t !== TYPES.statement) {
    throw new FormatError('type', 'not a class statement');
  }
  return doc;
}

export function checkAnnouncement(doc) {
  const keys = ['algorithm', 'beacon', 'class_cap', 'district', 'draw_id', 'intake', 'level', 'policy', 'roster', 'scheduled',
    'school', 'seed_commitment', 'size_tolerance', 'strata', 't', 'teams', 'witnesses', 'year'];
  // Part S (S9): an announcement MAY name the season's roster derivation it draws from.
  const more = 'enrolment' in Object(doc) ? ['enrolment'] : [];
  exactFields(doc, [...keys, ...more, ...(announcementVersion(doc) === 2 ? ['names'] : [])], 'announcement');
  if (announcementVersion(doc) === 2 && !isHex32(doc.names)) throw new FormatError('document', 'names is not a digest');
  if (more.length && !isHex32(doc.enrolment)) throw new FormatError('document', 'enrolment is not a digest');
  if (doc.algorithm !== 'balanced-deal/1') throw new FormatError('algorithm', `algorithm ${doc.algorithm} is not balanced-deal/1`);
  exactFields(doc.roster, ['root', 'size'], 'announcement.roster');
  exactFields(doc.teams, ['count', 'root'], 'announcement.teams');
  if (!isHex32(doc.roster.root) || !isHex32(doc.teams.root) || !isHex32(doc.seed_commitment)) throw new FormatError('document', 'announcement digests');
  if (!Number.isInteger(doc.class_cap) || !Number.isInteger(doc.size_tolerance) || !Number.isInteger(doc.roster.size) || !Number.isInteger(doc.teams.count)) {
    throw new FormatError('document', 'announcement numbers');
  }
  if (!isText(doc.scheduled) || !TIME.test(doc.scheduled)) throw new FormatError('document', 'scheduled is not a time');
  return doc;
}

export async function checkCeremony(doc) {
  exactFields(doc, ['announcement', 'beacon', 'final_seed', 'revealed_at', 'server_seed', 't', 'witnesses'], 'ceremony');
  if (!isHex32(doc.announcement) || !isHex32(doc.final_seed) || !isHex32(doc.server_seed)) throw new FormatError('document', 'ceremony digests');
  if (!TIME.test(doc.revealed_at)) throw new FormatError('document', 'revealed_at is not a time');
  if (doc.beacon !== null) exactFields(doc.beacon, ['round', 'value'], 'ceremony.beacon');
  if (!Array.isArray(doc.witnesses) || doc.witnesses.length === 0) throw new FormatError('document', 'no witnesses');
  for (const w of doc.witnesses) exactFields(w, ['entered_at', 'input', 'name', 'role'], 'ceremony witness');
  const seed = await finalSeed(doc.announcement, doc.server_seed, doc.witnesses.map((w) => w.input), doc.beacon ? doc.beacon.value : null);
  if (toHex(seed) !== doc.final_seed) throw new FormatError('final_seed', 'final_seed is not the hash of the announcement, server seed, witness inputs and beacon (§5)');
  return doc;
}

export function checkResult(doc) {
  exactFields(doc, ['algorithm', 'announcement', 'classes', 'final_seed', 'report', 'size_tolerance', 't'], 'result');
  if (doc.algorithm !== 'balanced-deal/1') throw new FormatError('algorithm', 'algorithm');
  for (const c of doc.classes) exactFields(c, ['label', 'number', 'pupils', 'team'], 'result class');
  return doc;
}

export function checkAmendment(doc) {
  exactFields(doc, ['amends', 'approved_by', 'approved_on', 'changes', 'reason', 'seq', 't'], 'amendment');
  for (const c of doc.changes) exactFields(c, ['from', 'pupil', 'to'], 'amendment change');
  return doc;
}

export { fromHex };
