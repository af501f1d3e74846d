// What a QR link carries (docs/spec.md §18.1): "#n=" a compact JWS, "#r=" a receipt.
import { FormatError, fromDigits, toHex } from './encoding.js';
import { verifyCompact } from './jws.js';
import { TYPES, checkAmendment, checkAnnouncement, checkCeremony, checkResult, checkStatement } from './documents.js';
import { decodeReceipt, verifyReceipt } from './receipt.js';

// Which check a failure code belongs to (for the list of what was checked).
const CHECK_OF = {
  digits: 'link', fragment: 'link', jws: 'link', base64url: 'link', header: 'link', alg: 'link',
  unknown_key: 'signature', key_name: 'signature', signature: 'signature', role: 'key_role',
  key_validity: 'key_valid', inflate: 'payload', too_large: 'payload', utf8: 'payload', json: 'payload',
  canonical: 'payload', typ: 'type', type: 'type', document: 'shape', algorithm: 'shape', final_seed: 'final_seed',
  private: 'receipt_private', idcard: 'receipt_idcard', inclusion: 'receipt_inclusion', leaf: 'shape',
};

const DOC_CHECKS = ['link', 'signature', 'key_role', 'key_valid', 'payload', 'type', 'shape'];

export function parseFragment(hash) {
  const m = /^#?([nr])=([0-9]*)$/.exec(hash || '');
  if (!m) throw new FormatError('fragment', 'expected #n=<digits> or #r=<digits>');
  return { key: m[1], text: fromDigits(m[2]) };
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
  let v;
  try {
    v = await verifyCompact(link.text, keyring);
    const doc = v.document;
    const extra = [];
    if (doc.t === TYPES.statement) checkStatement(doc);
    else if (doc.t === TYPES.announcement) checkAnnouncement(doc);
    else if (doc.t === TYPES.ceremony) {
      await checkCeremony(doc);
      extra.push('final_seed');
    } else if (doc.t === TYPES.amendment) checkAmendment(doc);
    else if (doc.t === TYPES.result) checkResult(doc);
    else throw new FormatError('type', doc.t);
    const sig = v.signatures[0];
    return {
      ok: true,
      kind: doc.t.slice('sunshine-placement/v1/'.length),
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

async function verifyReceiptLink(text, announcements) {
  const plan = ['link', 'payload', 'shape', 'receipt_private', 'receipt_idcard', 'receipt_inclusion'];
  try {
    const receipt = await decodeReceipt(text);
    const { checks, leafHash } = await verifyReceipt(receipt);
    const list = ['link', 'payload', 'shape', ...checks].map((id) => ({ id, ok: true }));
    let ok = true;
    const known = announcements.get(receipt.draw);
    if (known) {
      const same = known.root === receipt.root && known.size === receipt.size;
      list.push({ id: 'receipt_announcement', ok: same });
      ok = same;
    }
    return { ok, kind: 'receipt', receipt, leafHash, checks: list, code: ok ? null : 'receipt_announcement', detail: ok ? '' : 'roster root differs from the announcement' };
  } catch (e) {
    return { ...failed('receipt', e, plan), kind: 'receipt' };
  }
}
