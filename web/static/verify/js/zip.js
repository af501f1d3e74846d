// A small zip reader for record bundles (docs/spec.md §17): stored and DEFLATE
// members, CRC-32 checked, no ZIP64, no encryption, no duplicate or unsafe names.
import { FormatError, fromUtf8 } from './encoding.js';
import { inflateRaw } from './inflate.js';

export const MAX_MEMBER = 64 * 1024 * 1024;
const MAX_TOTAL = 512 * 1024 * 1024;

let CRC_TABLE = null;
export function crc32(bytes) {
  if (!CRC_TABLE) {
    CRC_TABLE = new Uint32Array(256);
    for (let n = 0; n < 256; n += 1) {
      let c = n;
      for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      CRC_TABLE[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i += 1) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const bad = (detail) => new FormatError('zip', detail);

// Returns [{ name, method, modified: {date, time}, data }] in central directory order.
export async function readZip(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let eocd = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 65535); i -= 1) {
    if (view.getUint32(i, true) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw bad('not a zip file (no end of central directory)');
  const count = view.getUint16(eocd + 10, true);
  const cdSize = view.getUint32(eocd + 12, true);
  const cdOffset = view.getUint32(eocd + 16, true);
  if (view.getUint16(eocd + 4, true) !== 0 || view.getUint16(eocd + 8, true) !== count) throw bad('multi-disk zip files are not supported');
  if (count === 0xffff || cdOffset === 0xffffffff) throw bad('ZIP64 is not supported');
  if (cdOffset + cdSize > eocd) throw bad('central directory out of range');
  const members = [];
  const seen = new Set();
  let p = cdOffset;
  let total = 0;
  for (let n = 0; n < count; n += 1) {
    if (p + 46 > eocd || view.getUint32(p, true) !== 0x02014b50) throw bad('broken central directory');
    const flags = view.getUint16(p + 8, true);
    const method = view.getUint16(p + 10, true);
    const time = view.getUint16(p + 12, true);
    const date = view.getUint16(p + 14, true);
    const crc = view.getUint32(p + 16, true);
    const csize = view.getUint32(p + 20, true);
    const usize = view.getUint32(p + 24, true);
    const nameLen = view.getUint16(p + 28, true);
    const extraLen = view.getUint16(p + 30, true);
    const commentLen = view.getUint16(p + 32, true);
    const local = view.getUint32(p + 42, true);
    const name = fromUtf8(bytes.subarray(p + 46, p + 46 + nameLen));
    p += 46 + nameLen + extraLen + commentLen;
    if (flags & 1) throw bad(`${name}: encrypted members are not supported`);
    if (method !== 0 && method !== 8) throw bad(`${name}: compression method ${method} is not supported`);
    if (!name || name.startsWith('/') || name.includes('\\') || name.split('/').some((s) => s === '..' || s === '.' || s === '')) {
      throw bad(`unsafe member name ${JSON.stringify(name)}`);
    }
    if (seen.has(name)) throw bad(`member ${name} appears twice`);
    seen.add(name);
    if (usize > MAX_MEMBER) throw bad(`${name} is too large`);
    total += usize;
    if (total > MAX_TOTAL) throw bad('the bundle is too large');
    if (local + 30 > bytes.length || view.getUint32(local, true) !== 0x04034b50) throw bad(`${name}: broken local header`);
    const start = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
    if (start + csize > cdOffset) throw bad(`${name}: data out of range`);
    const raw = bytes.subarray(start, start + csize);
    const data = method === 0 ? raw.slice() : await inflateRaw(raw, usize);
    if (data.length !== usize) throw bad(`${name}: size differs from the directory`);
    if (crc32(data) !== crc) throw bad(`${name}: CRC-32 mismatch`);
    members.push({ name, method, modified: { date, time }, data });
  }
  return members;
}
