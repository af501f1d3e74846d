// SHA-256 (WebCrypto) and the tagged hash of docs/spec.md §2.2.
import { canonical } from './jcs.js';
import { concat, utf8 } from './encoding.js';

export const TAGS = Object.freeze({
  seedCommitment: 'sunshine-placement/v1/seed-commitment',
  finalSeed: 'sunshine-placement/v1/final-seed',
  pupilPrivate: 'sunshine-placement/v1/pupil-private',
  pupilPrivateV2: 'sunshine-placement/v2/pupil-private',
  pupilTicket: 'sunshine-placement/v1/pupil-ticket',
  teamTicket: 'sunshine-placement/v1/team-ticket',
  announcement: 'sunshine-placement/v1/announcement',
  announcementV2: 'sunshine-placement/v2/announcement',
  names: 'sunshine-placement/v2/names',
  result: 'sunshine-placement/v1/result',
});

export async function sha256(bytes) {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
}

export function tagPrefix(tag) {
  const t = utf8(tag);
  if (t.length >= 256 || !/^[\x20-\x7e]*$/.test(tag)) throw new Error('a tag is ASCII, shorter than 256 bytes');
  return concat(Uint8Array.of(t.length), t);
}

// H(tag, m) = SHA-256(u8(len(tag)) ‖ tag ‖ m); several parts are concatenated.
export function taggedHash(tag, ...parts) {
  return sha256(concat(tagPrefix(tag), ...parts));
}

// The digest of a document: H(t, JCS(document)) (§14).
export function documentDigest(doc) {
  return taggedHash(doc.t, canonical(doc));
}
