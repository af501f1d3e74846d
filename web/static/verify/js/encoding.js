// Byte and text encodings used by the protocol (docs/spec.md §1, §13, §14, §18.1).
// Every decoder is strict: it refuses rather than guesses.

export class FormatError extends Error {
  constructor(code, detail) {
    super(detail ? `${code}: ${detail}` : code);
    this.code = code;
  }
}

const encoder = new TextEncoder();
const strictDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export function utf8(text) {
  return encoder.encode(text);
}

export function fromUtf8(bytes) {
  try {
    return strictDecoder.decode(bytes);
  } catch {
    throw new FormatError('utf8', 'not valid UTF-8');
  }
}

export function concat(...parts) {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function equalBytes(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i += 1) if (a[i] !== b[i]) return false;
  return true;
}

// Bytewise as unsigned numbers; a shorter prefix sorts first (§1).
export function compareBytes(a, b) {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i += 1) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

const HEX = '0123456789abcdef';

export function toHex(bytes) {
  let s = '';
  for (const b of bytes) s += HEX[b >> 4] + HEX[b & 15];
  return s;
}

export function fromHex(text, length) {
  if (typeof text !== 'string' || !/^(?:[0-9a-f]{2})*$/.test(text)) {
    throw new FormatError('hex', 'not lowercase hexadecimal');
  }
  if (length !== undefined && text.length !== 2 * length) {
    throw new FormatError('hex', `expected ${length} bytes`);
  }
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i += 1) out[i] = parseInt(text.substr(2 * i, 2), 16);
  return out;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64U = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

function encode64(bytes, alphabet, pad) {
  let s = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const v = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    s += alphabet[v >> 18] + alphabet[(v >> 12) & 63] + alphabet[(v >> 6) & 63] + alphabet[v & 63];
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const v = bytes[i] << 16;
    s += alphabet[v >> 18] + alphabet[(v >> 12) & 63] + (pad ? '==' : '');
  } else if (rest === 2) {
    const v = (bytes[i] << 16) | (bytes[i + 1] << 8);
    s += alphabet[v >> 18] + alphabet[(v >> 12) & 63] + alphabet[(v >> 6) & 63] + (pad ? '=' : '');
  }
  return s;
}

function decode64(text, alphabet, pad, what) {
  if (typeof text !== 'string') throw new FormatError(what, 'not text');
  let body = text;
  if (pad) {
    if (text.length % 4 !== 0) throw new FormatError(what, 'length is not a multiple of 4');
    body = text.replace(/={1,2}$/, '');
  }
  if (body.length % 4 === 1) throw new FormatError(what, 'impossible length');
  const out = new Uint8Array(Math.floor((body.length * 3) / 4));
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < body.length; i += 1) {
    const v = alphabet.indexOf(body[i]);
    if (v < 0) throw new FormatError(what, `character ${JSON.stringify(body[i])} is not allowed`);
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o] = (acc >> bits) & 0xff;
      o += 1;
    }
  }
  // Non-canonical encodings (left-over bits set) are refused: one byte string, one text.
  if (bits > 0 && (acc & ((1 << bits) - 1)) !== 0) throw new FormatError(what, 'non-canonical padding bits');
  return out;
}

export const b64u = (bytes) => encode64(bytes, B64U, false);
export const fromB64u = (text) => decode64(text, B64U, false, 'base64url');
export const b64 = (bytes) => encode64(bytes, B64, true);
export const fromB64 = (text) => decode64(text, B64, true, 'base64');

// §18.1 digits(s): each character c becomes the two decimal digits of ord(c) − 45.
export function fromDigits(digits) {
  if (!/^[0-9]*$/.test(digits)) throw new FormatError('digits', 'only decimal digits are allowed');
  if (digits.length % 2 !== 0) throw new FormatError('digits', 'odd number of digits');
  let s = '';
  for (let i = 0; i < digits.length; i += 2) {
    const c = String.fromCharCode(Number(digits.substr(i, 2)) + 45);
    if (!/^[A-Za-z0-9_.-]$/.test(c)) throw new FormatError('digits', `pair ${digits.substr(i, 2)} maps to no base64url character`);
    s += c;
  }
  return s;
}

export function toDigits(text) {
  let s = '';
  for (const c of text) {
    if (!/^[A-Za-z0-9_.-]$/.test(c)) throw new FormatError('digits', 'not a base64url character or "."');
    s += String(c.charCodeAt(0) - 45).padStart(2, '0');
  }
  return s;
}
