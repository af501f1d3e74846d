// Record bundles (docs/spec.md §17): manifest, required members, privacy of public bundles.
import { FormatError, fromB64u, fromUtf8, toHex } from './encoding.js';
import { parseJson } from './jcs.js';
import { sha256 } from './hash.js';
import { isResidentId } from './idcard.js';
import { readZip } from './zip.js';

const DOS_1980 = { date: (0 << 9) | (1 << 5) | 1, time: 0 };

export async function openBundle(bytes) {
  const list = await readZip(bytes);
  const members = new Map(list.map((m) => [m.name, m.data]));
  const names = list.map((m) => m.name);
  const sorted = names.every((n, i) => i === 0 || names[i - 1] < n);
  const dated = list.every((m) => m.modified.date === DOS_1980.date && m.modified.time === DOS_1980.time);
  return { members, names, sorted, dated, deflated: list.every((m) => m.method === 8) };
}

export function memberJson(members, name) {
  const data = members.get(name);
  if (!data) throw new FormatError('missing', `${name} is missing`);
  return parseJson(data, name);
}

export async function manifestProblems(members) {
  const m = memberJson(members, 'manifest.json');
  const problems = [];
  if (m.t !== 'sunshine-placement/v1/bundle' || m.version !== 1) problems.push('manifest type or version');
  if (m.kind !== 'public' && m.kind !== 'archive') problems.push('manifest kind');
  const listed = Object.keys(m.files || {});
  for (const name of members.keys()) if (name !== 'manifest.json' && !listed.includes(name)) problems.push(`${name} is not listed`);
  for (const name of listed) {
    const data = members.get(name);
    if (!data) problems.push(`${name} is listed but missing`);
    else if (toHex(await sha256(data)) !== m.files[name]) problems.push(`${name}: SHA-256 differs from the manifest`);
  }
  return { manifest: m, problems };
}

export function requiredMissing(members, kind, cancelled) {
  const need = ['manifest.json', 'keyring.json', 'announcement.jws', 'roster/leaves.json', 'teams.json', 'log/checkpoint', 'log/entries.json'];
  if (!cancelled) need.push('ceremony.jws', 'result.jws');
  if (kind === 'archive') need.push('private/leaves.json', 'private/codes.json');
  return need.filter((n) => !members.has(n));
}

// An ID number hidden in any text: an 18-character run that is a valid resident ID
// number, not adjacent to other hexadecimal digits (digests spell such runs by chance).
const ID_RUN = /(?<![0-9a-f])[1-9][0-9]{5}(?:19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])[0-9]{3}[0-9Xx](?![0-9a-f])/g;

function holdsId(text) {
  for (const m of text.matchAll(ID_RUN)) if (isResidentId(m[0].toUpperCase())) return true;
  return false;
}

// Every text a JSON value holds (keys included) → problems with salts and ID numbers.
// A "salt" key is a problem when its value is text (a schema may describe the field).
function scan(value, where, problems) {
  if (typeof value === 'string') {
    if (holdsId(value)) problems.push(`${where}: holds an ID number`);
  } else if (Array.isArray(value)) value.forEach((v) => scan(v, where, problems));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'salt' && typeof v === 'string') problems.push(`${where}: holds a "salt"`);
      scan(k, where, problems);
      scan(v, where, problems);
    }
  }
}

function decodedParts(text) {
  const out = [];
  const take = (b64) => {
    try {
      out.push(JSON.parse(fromUtf8(fromB64u(b64))));
    } catch { /* compressed or not JSON: the signature check reads it */ }
  };
  if (text.startsWith('{')) {
    const g = JSON.parse(text);
    take(g.payload);
    for (const s of g.signatures || []) take(s.protected);
  } else {
    const [h, p] = text.split('.');
    take(h);
    take(p);
  }
  return out;
}

export function privacyProblems(members, decoded) {
  const problems = [];
  for (const [name, data] of members) {
    scan(name, name, problems);
    try {
      if (name.endsWith('.jws')) for (const v of decodedParts(fromUtf8(data))) scan(v, name, problems);
      else if (name.endsWith('.json')) scan(parseJson(data, name), name, problems);
      else scan(fromUtf8(data), name, problems);
    } catch { /* malformed members are reported by their own checks */ }
  }
  for (const [name, doc] of decoded) scan(doc, name, problems);
  return problems;
}
