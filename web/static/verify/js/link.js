// What a QR link carries (docs/spec.md §18.1): "#n=" a compact JWS, "#r=" a receipt.
import { FormatError, b64u, fromB64u, fromDigits, toHex } from './encoding.js';
import { verifyCompact } from './jws.js';
import { TYPES, TYPES_V2, checkAmendment, checkAnnouncement, checkCeremony, checkResult, checkStatement } from './documents.js';
import { ADDED_RECEIPT, decodeReceipt, verifyAddedReceipt, verifyReceipt, verifyReceiptAgainst } from './receipt.js';
import { inflateRaw } from './inflate.js';
import { parseCanonical } from './jcs.js';

// Which check a failure code belongs to (for the list of what was checked).
const CHECK_OF = {
  digits: 'link', fragment: 'link', jws: 'link', base64url: 'link', header: 'link', alg: 'link',
  unknown_key: 'signature', key_name: 'signature', signature: 'signature', role: 'key_role',
  key_validity: 'key_valid', inflate: 'payload', too_large: 'payload', utf8: 'payload', json: 'payload',
  canonical: 'payload', typ: 'type', type: 'type', document: 'shape', algorithm: 'shape', final_seed: 'final_seed',
  private: 'receipt_private', idcard: 'receipt_idcard', inclusion: 'receipt_inclusion', leaf: 'shape',
  receipt_announcement: 'receipt_announcement', receipt_class: 'receipt_class',
  receipt_request: 'receipt_request', receipt_decision: 'receipt_decision',
};

const DOC_CHECKS = ['link', 'signature', 'key_role', 'key_valid', 'payload', 'type', 'shape'];

export function parseFragment(hash) {
  const ref = /^#?d=([A-Za-z0-9][A-Za-z0-9._-]{0,127})\/([acr]|s[1-9][0-9]{0,3})\/([A-Za-z0-9_-]{43})$/.exec(hash || '');
  if (ref) return { key: 'd', draw: ref[1], item: ref[2], digest: toHex(fromB64uCanonical(ref[3])) };
  const handed = /^#?p=([A-Za-z0-9_-]+)$/.exec(hash || '');
  if (handed) return { key: 'p', b64u: handed[1] };
  const m = /^#?([nr])=([0-9]*)$/.exec(hash || '');
  if (!m) throw new FormatError('fragment', 'expected #d=<draw>/<item>/<digest>, #n=<digits> or #r=<digits>');
  return { key: m[1], text: fromDigits(m[2]) };
}

// 43 base64url characters of exactly 32 bytes, written the one canonical way (§22).
function fromB64uCanonical(text) {
  const bytes = fromB64u(text);
  if (bytes.length !== 32 || b64u(bytes) !== text) throw new FormatError('fragment', 'the digest is not 32 bytes of canonical base64url');
  return bytes;
}

// The bundle member a v2 reference names (§22).
export function referenceMember(item) {
  if (item === 'a') return 'announcement.jws';
  if (item === 'c') return 'ceremony.jws';
  if (item === 'r') return 'result.jws';
  return `statements/${item.slice(1).padStart(2, '0')}.jws`;
}

function failed(kind, error, planned) {
  const code = error instanceof FormatError ? error.code : 'internal';
  const at = CHECK_OF[code] || 'link';
  const checks = [];
  for (const id of planned) {
    if (id === at) {
      checks.push({ id, ok: false });
      break;
    }
    checks.push({ id, ok: true });
  }
  if (!checks.some((c) => !c.ok)) checks.push({ id: at, ok: false });
  return { ok: false, kind, code, detail: error && error.message ? error.message : String(error), checks };
}

// Verify the fragment of a verification URL; `announcements` maps draw id → roster root
// of announcements already verified on this device (optional).
export async function verifyFragment(hash, keyring, announcements = new Map()) {
  let link;
  try {
    link = parseFragment(hash);
  } catch (e) {
    return failed('unknown', e, ['link']);
  }
  if (link.key === 'r') return verifyReceiptLink(link.text, announcements);
  if (link.key === 'p') return verifyHandedReceipt(link.b64u, keyring);
  if (link.key === 'd') return { ok: false, kind: 'reference', reference: link, checks: [{ id: 'link', ok: true }] };
  let v;
  try {
    v = await verifyCompact(link.text, keyring);
    const doc = v.document;
    const extra = [];
    if (doc.t === TYPES.statement || doc.t === TYPES_V2.statement) checkStatement(doc);
    else if (doc.t === TYPES.announcement || doc.t === TYPES_V2.announcement) checkAnnouncement(doc);
    else if (doc.t === TYPES.ceremony) {
      await checkCeremony(doc);
      extra.push('final_seed');
    } else if (doc.t === TYPES.amendment) checkAmendment(doc);
    else if (doc.t === TYPES.result) checkResult(doc);
    else throw new FormatError('type', doc.t);
    const sig = v.signatures[0];
    return {
      ok: true,
      kind: doc.t.replace(/^sunshine-placement\/v[12]\//, ''),
      document: doc,
      digest: toHex(v.digest),
      signature: { kid: sig.kid, day: sig.day, iat: sig.iat, label: sig.key.label, role: sig.key.role, keyId: sig.key.id, name: sig.key.name },
      checks: [...DOC_CHECKS, ...extra].map((id) => ({ id, ok: true })),
    };
  } catch (e) {
    const plan = [...DOC_CHECKS, 'final_seed'];
    return failed('document', e, plan);
  }
}

// v2 (§21.5): the lookup hands this browser {announcement, receipt, result}; the receipt
// counts only as far as the bureau's signatures on the announcement and result carry it.
async function verifyHandedReceipt(text, keyring) {
  const plan = ['link', 'payload', 'shape', 'receipt_private', 'receipt_idcard', 'receipt_inclusion', 'receipt_announcement', 'receipt_class'];
  let receipt = null;
  try {
    const handed = parseCanonical(await inflateRaw(fromB64u(text), 1 << 20), 'receipt');
    receipt = handed.receipt;
    if (receipt && receipt.t === ADDED_RECEIPT) { // a pupil added after the draw (§E6)
      const added = ['link', 'payload', 'shape', 'receipt_private', 'receipt_idcard', 'receipt_request', 'receipt_decision', 'receipt_class'];
      try {
        const v = await verifyAddedReceipt(receipt, handed, keyring);
        const list = ['link', 'payload', 'shape', ...v.checks].map((id) => ({ id, ok: true }));
        return { ok: true, kind: 'receipt', receipt, classVerified: true, added: true, checks: list };
      } catch (e) {
        return { ...failed('receipt', e, added), kind: 'receipt', receipt };
      }
    }
    const v = await verifyReceiptAgainst(receipt, { announcement: handed.announcement, result: handed.result }, keyring);
    const list = ['link', 'payload', 'shape', ...v.checks].map((id) => ({ id, ok: true }));
    return { ok: true, kind: 'receipt', receipt, classVerified: v.classVerified, leafHash: v.leafHash, checks: list };
  } catch (e) {
    return { ...failed('receipt', e, plan), kind: 'receipt', receipt };
  }
}

async function verifyReceiptLink(text, announcements) {
  const plan = ['link', 'payload', 'shape', 'receipt_private', 'receipt_idcard', 'receipt_inclusion'];
  try {
    const receipt = await decodeReceipt(text);
    const { checks, leafHash } = await verifyReceipt(receipt);
    const list = ['link', 'payload', 'shape', ...checks].map((id) => ({ id, ok: true }));
    // Never on its own (§21.5): only an announcement verified on this device confirms the
    // root; without one a made-up receipt with its own one-leaf root would pass.
    const known = announcements.get(receipt.draw);
    const ok = Boolean(known) && known.root === receipt.root && known.size === receipt.size;
    list.push({ id: 'receipt_announcement', ok });
    const why = known ? 'roster root differs from the announcement' : 'no signed announcement of this draw verified on this device';
    return { ok, kind: 'receipt', receipt, leafHash, checks: list, code: ok ? null : 'receipt_announcement', detail: ok ? '' : why };
  } catch (e) {
    return { ...failed('receipt', e, plan), kind: 'receipt' };
  }
}
