// Text fields of exception requests as the spec reads them (docs/spec.md §E2, "Reading
// text"): white space removed at both ends, then Unicode NFC; nothing left, or more than
// 500 code points as written, is refused. "White space" is the 29 code points of the
// spec's list (Python's str.isspace), not String.prototype.trim's set: trim also removes
// U+FEFF and keeps U+001C–U+001F and U+0085, so a name ending in U+0085 or U+FEFF would
// be a different name here than in verify-placement (and slip past the 重名 rule).
export const MAX_TEXT = 500;
const WS = '\\t\\n\\u000b\\f\\r\\u001c-\\u001f \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const ENDS = new RegExp(`^[${WS}]+|[${WS}]+$`, 'gu');

export function normaliseText(s) {
  return s.replace(ENDS, '').normalize('NFC');
}

export function readText(value, what) {
  if (typeof value !== 'string' || [...value].length > MAX_TEXT || normaliseText(value) === '') {
    throw new Error(`${what} must be text of 1–${MAX_TEXT} characters`);
  }
  return normaliseText(value);
}
