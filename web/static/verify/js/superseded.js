// Is a verified class statement still the current list? (docs/spec.md Part E, §E2)
// `changes` is verify/changes.json: an unsigned index of signed documents. Every
// document used here is verified with the pinned keyring, so the index can withhold a
// change but never invent one.
import { toHex } from './encoding.js';
import { verifyCompact } from './jws.js';
import { checkStatement } from './documents.js';
import { DECISION, KIND_ZH, REQUEST } from './exceptions.js';

const STATEMENT = 'sunshine-placement/v1/class-statement';
const STATEMENT_V2 = 'sunshine-placement/v2/class-statement'; // §E5: a v2 list's versions are v2

export const TEXT = {
  zh: {
    title: '此名单已变更',
    changed: (s) => `此名单于 ${s.decided_on} 经第 ${s.number} 号例外（${KIND_ZH[s.kind] || s.kind}）变更：${s.reason}`,
    current: (v) => `当前名单（第 ${v} 版）`,
    note: '您扫描的名单仍是真实签名的，但已被取代；以下是教育局签名的当前名单。',
  },
  en: {
    title: 'This list was changed',
    changed: (s) => `This list was changed on ${s.decided_on} by exception #${s.number} (${s.kind}): ${s.reason}`,
    current: (v) => `The current list (version ${v})`,
    note: 'The list you scanned is authentic but superseded; below is the current list as signed by the bureau.',
  },
};

// → null when `doc` is current (or nothing is known), else {latest, steps}.
export async function supersession(doc, changes, keyring) {
  const draw = changes && changes.draws && changes.draws[doc.draw];
  const cls = draw && draw.classes && draw.classes[String(doc.class)];
  const scanned = doc.version || 1;
  if (!cls || !(cls.version > scanned)) return null;
  const latest = (await verifyCompact(cls.statement, keyring, doc.t === STATEMENT_V2 ? STATEMENT_V2 : STATEMENT)).document;
  checkStatement(latest);
  if (latest.draw !== doc.draw || latest.class !== doc.class || latest.result !== doc.result || latest.version !== cls.version) {
    throw new Error('the current list in changes.json is for another class or result');
  }
  const steps = [];
  for (const [version, n] of cls.versions) {
    if (version <= scanned) continue;
    const pair = draw.exceptions[String(n)];
    const req = await verifyCompact(pair.request, keyring, REQUEST);
    const dec = await verifyCompact(pair.decision, keyring, DECISION);
    if (dec.document.request !== toHex(req.digest) || dec.document.decision !== 'approved' || req.document.number !== n
        || req.document.draw !== doc.draw || req.document.result !== doc.result) {
      throw new Error(`exception ${n} in changes.json does not fit this list`);
    }
    steps.push({
      number: n, version, kind: req.document.kind, category: req.document.category,
      decided_on: dec.document.decided_on, reason: req.document.reason, approver_role: dec.document.approver.role,
    });
  }
  return { latest, steps };
}
