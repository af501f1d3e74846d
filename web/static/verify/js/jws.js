// Signed documents: JWS with alg EdDSA (docs/spec.md §14).
import { FormatError, fromB64u, utf8 } from './encoding.js';
import { canonicalText, parseCanonical, parseJson } from './jcs.js';
import { documentDigest } from './hash.js';
import { inflateRaw } from './inflate.js';
import { acceptableOn, signingDay, verifyEd25519 } from './keyring.js';

export const MAX_INFLATED = 1 << 20;
const T = 'sunshine-placement/v1/';

// Which key roles may sign which document (§15); the first signature is the bureau's.
export const SIGNERS = {
  [`${T}announcement`]: { first: 'bureau', cosigner: 'supervisor' },
  [`${T}result`]: { first: 'bureau', cosigner: 'supervisor' },
  [`${T}ceremony`]: { first: 'bureau' },
  [`${T}class-statement`]: { first: 'bureau' },
  [`${T}amendment`]: { first: 'bureau' },
  [`${T}exception-request`]: { first: 'bureau' }, // Part E (§E2)
  [`${T}exception-decision`]: { first: 'bureau' },
  'sunshine-placement/v2/announcement': { first: 'bureau', cosigner: 'supervisor' },
  'sunshine-placement/v2/class-statement': { first: 'bureau' },
};

const B64U_PART = /^[A-Za-z0-9_-]*$/;

export function splitCompact(text) {
  if (typeof text !== 'string') throw new FormatError('jws', 'not text');
  const parts = text.split('.');
  if (parts.length !== 3 || !parts.every((p) => B64U_PART.test(p)) || !parts[0] || !parts[2]) {
    throw new FormatError('jws', 'a compact JWS is three base64url parts separated by "."');
  }
  return { protected: parts[0], payload: parts[1], signature: parts[2] };
}

export function parseGeneral(text) {
  const json = parseJson(typeof text === 'string' ? utf8(text) : text, 'JWS');
  if (!json || typeof json !== 'object' || Array.isArray(json) || typeof json.payload !== 'string' || !Array.isArray(json.signatures)
      || Object.keys(json).some((k) => k !== 'payload' && k !== 'signatures') || json.signatures.length === 0) {
    throw new FormatError('jws', 'not a JWS general JSON serialization');
  }
  return json.signatures.map((s) => {
    if (!s || typeof s.protected !== 'string' || typeof s.signature !== 'string' || Object.keys(s).length !== 2) {
      throw new FormatError('jws', 'a signature has "protected" and "signature" only');
    }
    return { protected: s.protected, payload: json.payload, signature: s.signature };
  });
}

// Parse and check one protected header (JCS bytes, fixed keys).
function header(protectedB64) {
  const h = parseCanonical(fromB64u(protectedB64), 'JWS header');
  if (!h || typeof h !== 'object' || Array.isArray(h)) throw new FormatError('header', 'the header is not an object');
  const allowed = ['alg', 'iat', 'kid', 'typ', 'zip'];
  for (const k of Object.keys(h)) if (!allowed.includes(k)) throw new FormatError('header', `unexpected header field ${k}`);
  if (h.alg !== 'EdDSA') throw new FormatError('alg', `alg ${JSON.stringify(h.alg)} is not EdDSA`);
  if (!Number.isInteger(h.iat) || h.iat < 0) throw new FormatError('header', 'iat is not unix seconds');
  if (typeof h.kid !== 'string' || !/^[\x21-\x7e]+\+[0-9a-f]{8}$/.test(h.kid)) throw new FormatError('header', 'kid is not name+keyid');
  if (typeof h.typ !== 'string') throw new FormatError('header', 'typ is missing');
  if ('zip' in h && h.zip !== 'DEF') throw new FormatError('header', `zip ${JSON.stringify(h.zip)} is not DEF`);
  return h;
}

async function checkSignature(part, h, keyring, role) {
  const plus = h.kid.lastIndexOf('+');
  const name = h.kid.slice(0, plus);
  const id = h.kid.slice(plus + 1);
  const key = keyring.lookup(id, name);
  if (!key) {
    throw new FormatError(keyring.knowsId(id) ? 'key_name' : 'unknown_key', `key ${h.kid} is not in the keyring`);
  }
  const ok = await verifyEd25519(key, fromB64u(part.signature), utf8(`${part.protected}.${part.payload}`));
  if (!ok) throw new FormatError('signature', `the signature by ${h.kid} does not verify`);
  if (key.role !== role) throw new FormatError('role', `key ${h.kid} has role ${key.role}, this signature needs ${role}`);
  const day = signingDay(h.iat);
  const valid = acceptableOn(key, day);
  if (!valid.ok) throw new FormatError('key_validity', `key ${h.kid} was ${valid.why.replace('_', ' ')} on ${day}`);
  return { key, day, iat: h.iat, kid: h.kid };
}

// Verify one or more signatures over one payload. `parts` from splitCompact / parseGeneral.
export async function verifyParts(parts, keyring, expectedType) {
  const headers = parts.map((p) => header(p.protected));
  const zip = 'zip' in headers[0];
  if (headers.some((h) => ('zip' in h) !== zip || h.typ !== headers[0].typ)) {
    throw new FormatError('header', 'the signatures disagree on typ or zip');
  }
  const typ = headers[0].typ;
  if (expectedType && typ !== expectedType) throw new FormatError('type', `expected ${expectedType}, found ${typ}`);
  const signers = SIGNERS[typ];
  if (!signers) throw new FormatError('type', `${typ} is not a signed document of this protocol`);
  if (parts.length > (signers.cosigner ? 2 : 1)) throw new FormatError('jws', 'too many signatures');
  const sigs = [];
  for (let i = 0; i < parts.length; i += 1) {
    sigs.push(await checkSignature(parts[i], headers[i], keyring, i === 0 ? signers.first : signers.cosigner));
  }
  const raw = fromB64u(parts[0].payload);
  const bytes = zip ? await inflateRaw(raw, MAX_INFLATED) : raw;
  const doc = parseCanonical(bytes, 'payload');
  if (!doc || typeof doc !== 'object' || Array.isArray(doc) || typeof doc.t !== 'string') {
    throw new FormatError('document', 'the payload is not a document');
  }
  if (typ !== doc.t) throw new FormatError('typ', `typ ${typ} is not the document's type ${doc.t}`);
  return { document: doc, canonical: bytes, signatures: sigs, zip, digest: await documentDigest(doc), headers };
}

export function verifyCompact(text, keyring, expectedType) {
  return verifyParts([splitCompact(text)], keyring, expectedType);
}

export function verifyGeneral(text, keyring, expectedType) {
  return verifyParts(parseGeneral(text), keyring, expectedType);
}

export { canonicalText };

// The protected header of a JWS's first signature (compact or general), unverified:
// who claims to have signed, and when (for §23.3).
export function parseCompactHeader(text) {
  const parts = text.trim().startsWith('{') ? parseGeneral(text) : [splitCompact(text)];
  return header(parts[0].protected);
}
