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
  const types = { 1: 'sunshine-placement/v1/bundle', 2: 'sunshine-placement/v2/bundle' };
  if (!(m.version in types) || m.t !== types[m.version]) problems.push('manifest type or version');
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

// The v1 schema set as released (SHA-256 of each file): nothing signs a bundle's schemas/,
// so a v1 bundle's must be exactly these, and a v2 bundle carries none (§24.2).
export const V1_SCHEMAS = Object.freeze({
  'schemas/amendment.schema.json': '410556b1212e49aac5d6435edd28e708157cc453ae67addc5dbda79d05e4c265',
  'schemas/announcement.schema.json': 'c021af0078e9b7071230a8357afa55515bce943883df5190b13cb1d756c4c602',
  'schemas/bundle-manifest.schema.json': '43e601b53ae8f043a95e0ce8f72a98224f7df6aa6e9ebedaa553129df9ccd2c4',
  'schemas/ceremony.schema.json': '677cd7c72d87a8a0f34b2fe5cd75ed16b241c8111d86d9d7854af2d74fd7dba1',
  'schemas/class-statement.schema.json': '2d4d8cce984d22100f21cea145e9e8f9a64cb36cc212d939f2a5e226dd920bff',
  'schemas/keyring.schema.json': 'db1d35d5192c59903c4a77d9853db9ed98d712fbaae41118ae0bd2241a3d1f6c',
  'schemas/log-entry.schema.json': '5905e1e5edccb7d11822dba95e44f358dc60d14f2a2914eace6fcb22cf1b6aa6',
  'schemas/pupil-leaf.schema.json': 'a4045c4ddd3452368e04e25a4e47cf3e4d135e0c936c889ffea3dd496eac4905',
  'schemas/pupil-private.schema.json': 'da52945e358bc32d97fd329685aa2c1dd93abb9d5381e30db492594af2a76cc9',
  'schemas/receipt.schema.json': '461fddeb640c53b6d1a82491e5be102c695e05ad0b55d07bf8fd01b4c9888f34',
  'schemas/result.schema.json': '780bde2a1dddc2db11154869f718c87d3ab5d5275c60e4c865d780c8e96b0940',
  'schemas/team-leaf.schema.json': 'ae69567036f340386241fd920ecaab6b62e8ab8a50f81f43785cf028107915da',
});

export async function schemaProblems(members, version) {
  const names = [...members.keys()].filter((n) => n.startsWith('schemas/'));
  if (version === 2) return names.length ? ['a v2 bundle carries no schemas/'] : [];
  const problems = [];
  for (const n of names) {
    if (V1_SCHEMAS[n] !== toHex(await sha256(members.get(n)))) problems.push(`${n} differs from the released v1 schema`);
  }
  return problems;
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
