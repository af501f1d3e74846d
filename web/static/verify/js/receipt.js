// Pupil receipts (docs/spec.md §17, §18.1 "#r=").
import { FormatError, fromB64u, fromHex, toHex } from './encoding.js';
import { parseCanonical } from './jcs.js';
import { inflateRaw } from './inflate.js';
import { verifyInclusion } from './merkle.js';
import { checkLeaf, leafVersion, privateCommitment, pupilLeafHash } from './commitment.js';
import { TYPES, TYPES_V2, checkAnnouncement, checkResult, exactFields, isObject } from './documents.js';
import { canonicalText, verifyCompact, verifyGeneral } from './jws.js';
import { isResidentId } from './idcard.js';

export const MAX_RECEIPT = 64 * 1024;

export async function decodeReceipt(b64uText) {
  const bytes = await inflateRaw(fromB64u(b64uText), MAX_RECEIPT);
  return parseCanonical(bytes, 'receipt');
}

// Returns the list of checks made; throws FormatError at the first failure.
const KEYS = ['class', 'draw', 'index', 'leaf', 'private', 'proof', 'root', 'size', 't'];

export async function verifyReceipt(r) {
  const v2 = isObject(r) && r.t === TYPES_V2.receipt;
  exactFields(r, v2 ? [...KEYS, 'announcement', 'result'] : KEYS, 'receipt');
  if (r.t !== TYPES.receipt && !v2) throw new FormatError('type', `t is not ${TYPES.receipt}`);
  if (v2 && (!/^[0-9a-f]{64}$/.test(r.announcement) || (r.result === null) !== (r.class === null)
    || (r.result !== null && !/^[0-9a-f]{64}$/.test(r.result)))) {
    throw new FormatError('document', 'a v2 receipt names its announcement, and its result exactly when it names a class');
  }
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
  if (leafVersion(r.leaf) !== (v2 ? 2 : 1)) throw new FormatError('leaf', 'the leaf is of another protocol version');
  const priv = toHex(await privateCommitment(r.private, v2 ? 2 : 1));
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

// A receipt is never verified on its own (§21.5): against the signed announcement it
// names, and its class against the signed result. `docs` holds their JWS texts (fetched
// or handed over by the lookup); a missing one is a failure.
export async function verifyReceiptAgainst(r, docs, keyring) {
  const { checks, leafHash } = await verifyReceipt(r);
  const v2 = r.t === TYPES_V2.receipt;
  if (!docs || !docs.announcement) throw new FormatError('receipt_announcement', 'a receipt is never verified on its own: the signed announcement is needed');
  const ann = await verifyGeneral(docs.announcement, keyring);
  if (ann.document.t !== TYPES.announcement && ann.document.t !== TYPES_V2.announcement) throw new FormatError('type', 'not an announcement');
  checkAnnouncement(ann.document);
  const annDigest = toHex(ann.digest);
  if (v2 && annDigest !== r.announcement) throw new FormatError('receipt_announcement', 'the receipt names another announcement');
  if (ann.document.roster.root !== r.root || ann.document.roster.size !== r.size || ann.document.draw_id !== r.draw) {
    throw new FormatError('receipt_announcement', 'the roster root, size or draw differs from the signed announcement');
  }
  checks.push('receipt_announcement');
  let classVerified = false;
  if (r.class !== null) {
    if (!docs.result) {
      if (v2) throw new FormatError('receipt_class', 'the receipt names a class: the signed result is needed');
    } else {
      const res = await verifyGeneral(docs.result, keyring, TYPES.result);
      checkResult(res.document);
      if (v2 && toHex(res.digest) !== r.result) throw new FormatError('receipt_class', 'the receipt names another result');
      if (res.document.announcement !== annDigest) throw new FormatError('receipt_class', 'the result is not the announcement\'s');
      const c = res.document.classes.find((x) => x.number === r.class.number);
      if (!c || c.label !== r.class.label || !c.pupils.includes(r.index)) throw new FormatError('receipt_class', 'the signed result does not place this pupil in that class');
      classVerified = true;
      checks.push('receipt_class');
    }
  }
  return { checks, leafHash, classVerified, announcement: ann.document, signature: ann.signatures[0] };
}

// A pupil added after the draw (docs/spec.md §E6): no roster leaf, so no inclusion proof;
// the family's private data opens the leaf of the bureau-signed request, and the signed
// decision approves it and places the pupil in a class of the signed result.
export const ADDED_RECEIPT = 'sunshine-placement/v1/added-receipt';
const ADDED_KEYS = ['class', 'decision', 'draw', 'exception', 'leaf', 'private', 'request', 'result', 't'];
const HEX64 = /^[0-9a-f]{64}$/;

export async function verifyAddedReceipt(r, docs, keyring) {
  exactFields(r, ADDED_KEYS, 'receipt');
  if (r.t !== ADDED_RECEIPT) throw new FormatError('type', `t is not ${ADDED_RECEIPT}`);
  exactFields(r.class, ['label', 'number'], 'receipt.class');
  if (!Number.isInteger(r.exception) || !['decision', 'request', 'result'].every((k) => HEX64.test(r[k]))) {
    throw new FormatError('document', 'the receipt\'s exception number or digests are malformed');
  }
  checkLeaf(r.leaf, 'receipt.leaf');
  if (!isObject(r.private)) throw new FormatError('document', 'private is not an object');
  const version = leafVersion(r.leaf);
  const checks = [];
  if (toHex(await privateCommitment(r.private, version)) !== r.leaf.private) throw new FormatError('private', 'the private data does not hash to the leaf (§4.1)');
  checks.push('receipt_private');
  if (!isResidentId(r.private.id_number) || r.private.id_number.slice(6, 14) !== r.private.birth_date.replaceAll('-', '')) {
    throw new FormatError('idcard', 'the ID number is invalid or differs from the birth date');
  }
  checks.push('receipt_idcard');
  if (!docs || !docs.request || !docs.decision || !docs.result || !docs.announcement) {
    throw new FormatError('receipt_request', 'an added pupil\'s receipt is never verified on its own: its request, decision, result and announcement are needed');
  }
  const req = await verifyCompact(docs.request, keyring, 'sunshine-placement/v1/exception-request');
  const q = req.document;
  if (toHex(req.digest) !== r.request || q.number !== r.exception || q.draw !== r.draw || !['late-placement', 'transfer-in'].includes(q.kind)
    || !isObject(q.detail) || canonicalText(q.detail.leaf) !== canonicalText(r.leaf) || (version === 2 && q.detail.name !== r.private.name)) {
    throw new FormatError('receipt_request', 'the signed request is not this receipt\'s late placement or transfer in, or carries another leaf');
  }
  checks.push('receipt_request');
  const dec = await verifyCompact(docs.decision, keyring, 'sunshine-placement/v1/exception-decision');
  const d = dec.document;
  if (toHex(dec.digest) !== r.decision || d.request !== r.request || d.number !== r.exception || d.decision !== 'approved' || d.placed !== r.class.number) {
    throw new FormatError('receipt_decision', 'the signed decision does not approve placing this pupil in that class');
  }
  checks.push('receipt_decision');
  const ann = await verifyGeneral(docs.announcement, keyring);
  if (ann.document.t !== TYPES.announcement && ann.document.t !== TYPES_V2.announcement) throw new FormatError('type', 'not an announcement');
  checkAnnouncement(ann.document);
  const res = await verifyGeneral(docs.result, keyring, TYPES.result);
  checkResult(res.document);
  const c = res.document.classes.find((x) => x.number === r.class.number);
  if (toHex(res.digest) !== r.result || q.result !== r.result || res.document.announcement !== toHex(ann.digest)
    || ann.document.draw_id !== r.draw || !c || c.label !== r.class.label) {
    throw new FormatError('receipt_class', 'the class is not one of the signed result of this announcement');
  }
  checks.push('receipt_class');
  return { checks, classVerified: true, decidedOn: d.decided_on, announcement: ann.document, signature: ann.signatures[0] };
}
