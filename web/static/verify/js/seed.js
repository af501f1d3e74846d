// The seed: commitment and commit–reveal final seed (docs/spec.md §5).
import { FormatError, fromHex, toHex } from './encoding.js';
import { canonical } from './jcs.js';
import { TAGS, taggedHash } from './hash.js';

const UNPRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}]/u;

export function seedCommitment(serverSeed) {
  return taggedHash(TAGS.seedCommitment, serverSeed);
}

// A witness input as hashed: NFC, 1–200 code points, not only white space, printable.
export function witnessInput(text) {
  if (typeof text !== 'string') throw new FormatError('witness', 'a witness input is text');
  const s = text.normalize('NFC');
  if (/^\s*$/u.test(s)) throw new FormatError('witness', 'witness input is empty');
  if ([...s].length > 200 || UNPRINTABLE.test(s)) throw new FormatError('witness', 'witness input is too long or unprintable');
  return s;
}

export function finalSeedBody(announcementDigestHex, serverSeedHex, inputs, beacon) {
  if (!Array.isArray(inputs) || inputs.length === 0) throw new FormatError('witness', 'at least one witness input is required');
  fromHex(announcementDigestHex, 32);
  fromHex(serverSeedHex, 32);
  if (beacon !== null && typeof beacon !== 'string') throw new FormatError('beacon', 'a beacon value is text or null');
  return { announcement: announcementDigestHex, beacon, server_seed: serverSeedHex, witnesses: inputs.map(witnessInput) };
}

export function finalSeed(announcementDigestHex, serverSeedHex, inputs, beacon) {
  return taggedHash(TAGS.finalSeed, canonical(finalSeedBody(announcementDigestHex, serverSeedHex, inputs, beacon)));
}

export const hex = toHex;
