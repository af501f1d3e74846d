// GB 11643-1999 resident ID numbers, normalised form only (docs/spec.md §3): used to
// recognise ID numbers that must never appear in public data, and to check receipts.
const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK = '10X98765432';

export function checkCharacter(first17) {
  let sum = 0;
  for (let i = 0; i < 17; i += 1) sum += Number(first17[i]) * WEIGHTS[i];
  return CHECK[sum % 11];
}

function realDate(y, m, d) {
  if (y < 1900 || m < 1 || m > 12 || d < 1) return false;
  const days = [31, (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  return d <= days[m - 1];
}

export function isResidentId(text) {
  if (typeof text !== 'string' || !/^[0-9]{17}[0-9X]$/.test(text)) return false;
  if (checkCharacter(text) !== text[17]) return false;
  return realDate(Number(text.slice(6, 10)), Number(text.slice(10, 12)), Number(text.slice(12, 14)));
}
