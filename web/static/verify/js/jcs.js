// RFC 8785 (JCS) for the JSON this protocol hashes (docs/spec.md §2.1): NFC strings,
// true/false/null, integers within ±(2^53 − 1), arrays and objects. Anything else is
// refused, never coerced.
import { FormatError, fromUtf8, utf8 } from './encoding.js';

export class CanonicalError extends FormatError {
  constructor(detail) {
    super('canonical', detail);
  }
}

const ESCAPES = { '"': '\\"', '\\': '\\\\', '\b': '\\b', '\t': '\\t', '\n': '\\n', '\f': '\\f', '\r': '\\r' };

function wellFormed(s) {
  if (typeof s.isWellFormed === 'function') return s.isWellFormed();
  try {
    encodeURIComponent(s);
    return true;
  } catch {
    return false;
  }
}

function checkText(s, path) {
  // A lone surrogate is not Unicode text and has no UTF-8 form.
  if (!wellFormed(s)) throw new CanonicalError(`${path}: text contains a lone surrogate`);
  if (s.normalize('NFC') !== s) throw new CanonicalError(`${path}: text is not in Unicode NFC`);
}

function quote(s) {
  return `"${s.replace(/["\\\u0000-\u001f]/g, (c) => ESCAPES[c] || `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}"`;
}

function write(value, path, out) {
  if (value === null) out.push('null');
  else if (value === true) out.push('true');
  else if (value === false) out.push('false');
  else if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw new CanonicalError(`${path}: float is not allowed in hashed JSON`);
    if (Math.abs(value) > Number.MAX_SAFE_INTEGER) throw new CanonicalError(`${path}: integer ${value} is outside ±(2^53-1)`);
    if (Object.is(value, -0)) throw new CanonicalError(`${path}: -0 is not an integer of this protocol`);
    out.push(String(value));
  } else if (typeof value === 'string') {
    checkText(value, path);
    out.push(quote(value));
  } else if (Array.isArray(value)) {
    out.push('[');
    value.forEach((v, i) => {
      if (i) out.push(',');
      write(v, `${path}[${i}]`, out);
    });
    out.push(']');
  } else if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const keys = Object.keys(value).sort(); // UTF-16 code unit order, as JCS requires
    out.push('{');
    keys.forEach((k, i) => {
      checkText(k, `${path}.${k}`);
      if (i) out.push(',');
      out.push(quote(k), ':');
      write(value[k], `${path}.${k}`, out);
    });
    out.push('}');
  } else {
    throw new CanonicalError(`${path}: ${typeof value} is not allowed in hashed JSON`);
  }
}

export function canonicalText(value) {
  const out = [];
  write(value, '$', out);
  return out.join('');
}

export function canonical(value) {
  return utf8(canonicalText(value));
}

// Parse bytes that MUST be the JCS form of their value (§14: one byte string per document).
export function parseCanonical(bytes, what = 'JSON') {
  const text = fromUtf8(bytes);
  let value;
  try {
    value = JSON.parse(text);
  } catch {
    throw new FormatError('json', `${what} is not JSON`);
  }
  if (canonicalText(value) !== text) throw new CanonicalError(`${what} is not in canonical form (RFC 8785)`);
  return value;
}

export function parseJson(bytes, what = 'JSON') {
  const text = typeof bytes === 'string' ? bytes : fromUtf8(bytes);
  try {
    return JSON.parse(text);
  } catch {
    throw new FormatError('json', `${what} is not JSON`);
  }
}
