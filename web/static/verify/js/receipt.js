// Pupil receipts (docs/spec.md §17, §18.1 "#r=").
import { FormatError, fromB64u, fromHex, toHex } from './encoding.js';
import { parseCanonical } from './jcs.js';
import { inflateRaw } from './inflate.js';
import { verifyInclusion } from './merkle.js';
import { checkLeaf, privateCommitment, pupilLeafHash } from './commitment.js';
import { TYPES, exactFields, isObject } from './documents.js';
import { isResidentId } from './idcard.js';

export const MAX_RECEIPT = 64 * 1024;

export async function decodeReceipt(b64uText) {
  const bytes = await inflateRaw(fromB64u(b64uText), MAX_RECEIPT);
  return parseCanonical(bytes, 'receipt');
}

// Returns the list of checks made; throws FormatError at the first failure.
export async function verifyReceipt(r) {
  exactFields(r, ['class', 'draw', 'index', 'leaf', 'private', 'proof', 'root', 'size', 't'], 'receipt');
  if (r.t !== TYPES.receipt) throw new FormatError('type', `t is not ${TYPES.receipt}`);
  if (r.class !== null) {
    exactFields(r.class, ['label', 'number'], 'receipt.class');
  }
  if (!Number.isInteger(r.index) || !Number.isInteger(r.size) || r.index < 0 || r.index >= r.size) {
    throw new FormatError('document', 'index is not inside the roster');
  }
  if (!Array.isArray(r.proof)) throw new FormatError('document', 'proof is not a list');
  checkLeaf(r.leaf, 'receipt.leaf');
  if (!isObject(r.private)) throw new FormatError('document', 'private is not an object');
  const checks = [];
  const priv = toHex(await privateCommitment(r.private));
  if (priv !== r.leaf.private) throw new FormatError('private', 'the private data does not hash to the leaf (§4.1)');
  checks.push('receipt_private');
  if (!isResidentId(r.private.id_number)) throw new FormatError('idcard', 'the ID number is not a valid resident ID number');
  if (r.private.id_number.slice(6, 14) !== r.private.birth_date.replaceAll('-', '')) {
    throw new FormatError('idcard', 'the birth date differs from the ID number');
  }
  checks.push('receipt_idcard');
  const leaf = await pupilLeafHash(r.leaf);
  const ok = await verifyInclusion(r.index, r.size, leaf, r.proof.map((h) => fromHex(h, 32)), fromHex(r.root, 32));
  if (!ok) throw new FormatError('inclusion', 'the leaf is not in the roster tree with this root (§4.3)');
  checks.push('receipt_inclusion');
  return { checks, leafHash: toHex(leaf) };
}
