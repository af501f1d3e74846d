// Keys and the keyring (docs/spec.md §13).
import { FormatError, concat, fromB64, toHex, utf8, b64 } from './encoding.js';
import { sha256 } from './hash.js';
import { canonical } from './jcs.js';

// Fingerprints (§23.1): SHA-256 of the vkey text, or of the keyring's JCS bytes, first 10
// bytes as 20 hex digits in groups of four. 80 bits, where a 4-byte key id has 32.
function grouped(digest) {
  return toHex(digest.slice(0, 10)).match(/.{4}/g).join('-');
}

export async function keyFingerprint(vkey) {
  return grouped(await sha256(utf8(vkey)));
}

export async function keyringFingerprint(json) {
  return grouped(await sha256(canonical(json)));
}

export const ROLES = ['bureau', 'supervisor', 'log'];
const DAY = /^\d{4}-\d{2}-\d{2}$/;

export async function keyId(name, publicKey) {
  const digest = await sha256(concat(utf8(name), Uint8Array.of(0x0a, 0x01), publicKey));
  return digest.slice(0, 4);
}

function checkName(name) {
  if (!/^[\x21-\x7e]+$/.test(name) || name.includes('+')) {
    throw new FormatError('key', 'a key name is ASCII without white space or "+"');
  }
}

// vkey = name "+" hex(key_id) "+" base64(0x01 ‖ public_key)
export async function parseVkey(vkey) {
  // The name has no "+", the key id is 8 hex digits; base64 itself may contain "+".
  const m = typeof vkey === 'string' ? /^([^+]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/=]+)$/.exec(vkey) : null;
  if (!m) throw new FormatError('key', 'a vkey is name+keyid+base64');
  const [, name, idHex, key64] = m;
  checkName(name);
  const raw = fromB64(key64);
  if (raw.length !== 33 || raw[0] !== 0x01) throw new FormatError('key', 'not an Ed25519 verifier key');
  const publicKey = raw.slice(1);
  const id = toHex(await keyId(name, publicKey));
  if (id !== idHex) throw new FormatError('key', `key id ${idHex} does not match the key (${id})`);
  return { name, id, publicKey, kid: `${name}+${id}`, vkey: `${name}+${id}+${b64(raw)}` };
}

export function signingDay(iat) {
  // The date of iat in UTC+08:00 (§13).
  return new Date((iat + 8 * 3600) * 1000).toISOString().slice(0, 10);
}

export function acceptableOn(key, day) {
  if (key.valid_from > day) return { ok: false, why: 'not_yet_valid' };
  if (key.retired !== null && key.retired < day) return { ok: false, why: 'retired' };
  if (key.revoked !== null && key.revoked.date <= day) return { ok: false, why: 'revoked' };
  return { ok: true };
}

export class Keyring {
  constructor(keys) {
    this.keys = keys;
    this.byId = new Map();
    for (const k of keys) {
      if (!this.byId.has(k.id)) this.byId.set(k.id, []);
      this.byId.get(k.id).push(k);
    }
  }

  // Keys with this key id (normally one; a collision of 4-byte ids is resolved by name).
  lookup(id, name) {
    return (this.byId.get(id) || []).find((k) => k.name === name) || null;
  }

  knowsId(id) {
    return this.byId.has(id);
  }

  static async parse(json) {
    if (!json || typeof json !== 'object' || json.t !== 'sunshine-placement/v1/keyring' || !Array.isArray(json.keys)) {
      throw new FormatError('keyring', 'not a sunshine-placement/v1 keyring');
    }
    const keys = [];
    for (const entry of json.keys) {
      const v = await parseVkey(entry.vkey);
      if (!ROLES.includes(entry.role)) throw new FormatError('keyring', `unknown role ${entry.role}`);
      if (typeof entry.valid_from !== 'string' || !DAY.test(entry.valid_from)) throw new FormatError('keyring', 'valid_from');
      if (entry.retired !== null && !(typeof entry.retired === 'string' && DAY.test(entry.retired))) throw new FormatError('keyring', 'retired');
      if (entry.revoked !== null && !(entry.revoked && DAY.test(entry.revoked.date))) throw new FormatError('keyring', 'revoked');
      let cryptoKey = null;
      try {
        cryptoKey = await crypto.subtle.importKey('raw', v.publicKey, { name: 'Ed25519' }, false, ['verify']);
      } catch (e) {
        throw new FormatError('ed25519', `this browser cannot verify Ed25519 signatures (${e && e.name})`);
      }
      keys.push({ ...v, label: entry.label, role: entry.role, valid_from: entry.valid_from, retired: entry.retired, revoked: entry.revoked, cryptoKey });
    }
    const ring = new Keyring(keys);
    ring.fingerprint = await keyringFingerprint(json);
    for (const k of keys) k.fingerprint = await keyFingerprint(k.vkey);
    return ring;
  }
}

export async function verifyEd25519(key, signature, message) {
  if (signature.length !== 64) return false;
  return crypto.subtle.verify({ name: 'Ed25519' }, key.cryptoKey, signature, message);
}
