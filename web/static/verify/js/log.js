// The transparency log (docs/spec.md §16): C2SP signed-note checkpoints, tlog-proof
// inclusion receipts, consistency proofs, and the order of a draw's events.
import { FormatError, fromB64, fromUtf8, utf8, equalBytes } from './encoding.js';
import { canonical } from './jcs.js';
import { leafHash, verifyConsistency, verifyInclusion } from './merkle.js';
import { verifyEd25519 } from './keyring.js';
import { toHex } from './encoding.js';

const DASH = '\u2014 ';

// Parse and verify a checkpoint note; only signatures by known log keys named as the origin count.
export async function verifyCheckpoint(text, keyring) {
  const split = text.indexOf('\n\n');
  if (split < 0 || !text.endsWith('\n')) throw new FormatError('checkpoint', 'not a signed note');
  const body = text.slice(0, split + 1);
  const lines = body.slice(0, -1).split('\n');
  if (lines.length < 3) throw new FormatError('checkpoint', 'a checkpoint has origin, size and root');
  const [origin, sizeText, rootText] = lines;
  if (!/^(0|[1-9][0-9]*)$/.test(sizeText)) throw new FormatError('checkpoint', 'tree size');
  const root = fromB64(rootText);
  if (root.length !== 32) throw new FormatError('checkpoint', 'root hash');
  let verified = null;
  for (const line of text.slice(split + 2, -1).split('\n')) {
    if (!line.startsWith(DASH)) throw new FormatError('checkpoint', 'bad signature line');
    const [name, sig64] = line.slice(DASH.length).split(' ');
    const raw = fromB64(sig64);
    if (raw.length < 5) continue;
    const id = toHex(raw.slice(0, 4));
    const key = keyring.lookup(id, name);
    if (!key || key.role !== 'log' || name !== origin) continue; // unknown cosigners are ignored
    if (await verifyEd25519(key, raw.slice(4), utf8(body))) verified = key;
    else throw new FormatError('signature', `checkpoint signature by ${name} does not verify`);
  }
  if (!verified) throw new FormatError('unknown_key', 'no signature by a log key of the keyring');
  return { origin, size: Number(sizeText), root, key: verified, text };
}

export function parseProof(text) {
  const head = 'c2sp.org/tlog-proof@v1\n';
  if (!text.startsWith(head)) throw new FormatError('proof', 'not a c2sp.org/tlog-proof@v1 text');
  const blank = text.indexOf('\n\n', head.length - 1);
  if (blank < 0) throw new FormatError('proof', 'no checkpoint');
  const lines = text.slice(head.length, blank).split('\n');
  const m = /^index (0|[1-9][0-9]*)$/.exec(lines[0]);
  if (!m) throw new FormatError('proof', 'index line');
  const path = lines.slice(1).map((l) => {
    const h = fromB64(l);
    if (h.length !== 32) throw new FormatError('proof', 'hash');
    return h;
  });
  return { index: Number(m[1]), path, checkpoint: text.slice(blank + 2) };
}

export const entryHash = (entry) => leafHash(canonical(entry));

export async function verifyReceiptFor(entry, index, proofText, keyring) {
  const proof = parseProof(proofText);
  if (proof.index !== index) throw new FormatError('proof', `proof is for index ${proof.index}, not ${index}`);
  const cp = await verifyCheckpoint(proof.checkpoint, keyring);
  const ok = await verifyInclusion(index, cp.size, await entryHash(entry), proof.path, cp.root);
  if (!ok) throw new FormatError('inclusion', `entry ${index} is not in the checkpoint's tree`);
  return cp;
}

export function parseConsistency(text) {
  if (text === '') return [];
  if (!text.endsWith('\n')) throw new FormatError('proof', 'consistency proof lines end with a newline');
  return text.slice(0, -1).split('\n').map((l) => {
    const h = fromB64(l);
    if (h.length !== 32) throw new FormatError('proof', 'hash');
    return h;
  });
}

export async function checkConsistency(older, newer, text) {
  return verifyConsistency(older.size, newer.size, older.root, newer.root, parseConsistency(text));
}

// Event order of one draw (§16). entries: [{index, entry}] sorted by index.
export function eventOrderProblems(entries, draw) {
  const problems = [];
  let phase = 0; // 0 none, 1 published, 2 witnesses, 3 revealed, 4 performed, 5 signed
  let witness = 0;
  let current = null;
  let cancelled = new Set();
  const performed = new Set();
  for (const { entry } of entries) {
    if (entry.draw !== draw) continue;
    const ev = entry.event;
    const d = entry.detail || {};
    if (ev === 'announcement.published') {
      if (phase !== 0 && !cancelled.has(current)) problems.push('a second announcement without cancelling the first');
      current = d.digest;
      phase = 1;
      witness = 0;
    } else if (cancelled.has(current)) {
      problems.push(`${ev} after the announcement was cancelled`);
    } else if (ev === 'announcement.cancelled') {
      if (d.digest !== current) problems.push('cancellation names another announcement');
      cancelled.add(d.digest);
    } else if (ev === 'witness.entered') {
      if (phase !== 1 && phase !== 2) problems.push('witness entry out of order');
      if (d.index !== witness) problems.push(`witness index ${d.index}, expected ${witness}`);
      witness += 1;
      phase = 2;
    } else if (ev === 'seed.revealed') {
      if (phase !== 2) problems.push('seed revealed before any witness entry');
      phase = 3;
    } else if (ev === 'draw.performed') {
      if (phase !== 3) problems.push('draw performed out of order');
      if (performed.has(current)) problems.push('a second draw for one announcement');
      performed.add(current);
      phase = 4;
    } else if (ev === 'result.signed') {
      if (phase !== 4) problems.push('result signed out of order');
      phase = 5;
    } else if (ev === 'key.rotated') {
      // §23.3: a bureau key replaced by another, at any step after the announcement
    } else if (['sheets.printed', 'bundle.exported', 'amendment.approved', 'exception.requested', 'exception.decided'].includes(ev)) {
      if (phase !== 5 && !(ev === 'bundle.exported')) problems.push(`${ev} before the result was signed`);
    } else {
      problems.push(`unknown event ${ev}`);
    }
  }
  cancelled = [...cancelled];
  return { problems, cancelled, phase, witnesses: witness };
}

export { equalBytes, fromUtf8 };
