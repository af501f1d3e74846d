// RFC 6962 / RFC 9162 §2.1 Merkle trees (docs/spec.md §4.3, §16).
import { concat, equalBytes } from './encoding.js';
import { sha256 } from './hash.js';

const LEAF = Uint8Array.of(0);
const NODE = Uint8Array.of(1);

export const leafHash = (entry) => sha256(concat(LEAF, entry));
export const nodeHash = (left, right) => sha256(concat(NODE, left, right));

function largestPowerOfTwoBelow(n) {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

// MTH over leaf hashes, computed level by level (same value as the recursive definition:
// a lone right-most node is carried up unchanged).
export async function rootOf(leafHashes) {
  if (leafHashes.length === 0) return sha256(new Uint8Array(0));
  let level = leafHashes;
  while (level.length > 1) {
    const next = [];
    for (let i = 0; i + 1 < level.length; i += 2) next.push(nodeHash(level[i], level[i + 1]));
    if (level.length % 2 === 1) next.push(level[level.length - 1]);
    level = await Promise.all(next);
  }
  return level[0];
}

// PATH(m, D[n]) of RFC 9162 §2.1.3.1, leaf side first.
export async function inclusionPath(index, leafHashes) {
  if (index < 0 || index >= leafHashes.length) throw new Error('index outside the tree');
  const path = [];
  let lo = 0;
  let hi = leafHashes.length;
  const stack = [];
  while (hi - lo > 1) {
    const k = largestPowerOfTwoBelow(hi - lo);
    if (index < lo + k) {
      stack.push([lo + k, hi]);
      hi = lo + k;
    } else {
      stack.push([lo, lo + k]);
      lo += k;
    }
  }
  for (let i = stack.length - 1; i >= 0; i -= 1) {
    const [a, b] = stack[i];
    path.push(await rootOf(leafHashes.slice(a, b)));
  }
  return path;
}

// PROOF(m, D[n]) of RFC 9162 §2.1.4.1.
export async function consistencyProof(oldSize, leafHashes) {
  const out = [];
  async function sub(m, lo, hi, complete) {
    const n = hi - lo;
    if (m === n) {
      if (!complete) out.push(await rootOf(leafHashes.slice(lo, hi)));
      return;
    }
    const k = largestPowerOfTwoBelow(n);
    if (m <= k) {
      await sub(m, lo, lo + k, complete);
      out.push(await rootOf(leafHashes.slice(lo + k, hi)));
    } else {
      await sub(m - k, lo + k, hi, false);
      out.push(await rootOf(leafHashes.slice(lo, lo + k)));
    }
  }
  if (oldSize < 0 || oldSize > leafHashes.length) throw new Error('old size outside the tree');
  if (oldSize === 0 || oldSize === leafHashes.length) return [];
  await sub(oldSize, 0, leafHashes.length, true);
  return out;
}

// RFC 9162 §2.1.3.2.
export async function verifyInclusion(index, size, leaf, proof, root) {
  if (!Number.isInteger(index) || !Number.isInteger(size) || index < 0 || index >= size) return false;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = await nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = await nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && equalBytes(r, root);
}

// RFC 9162 §2.1.4.2.
export async function verifyConsistency(oldSize, newSize, oldRoot, newRoot, proof) {
  if (!Number.isInteger(oldSize) || !Number.isInteger(newSize) || oldSize < 0 || oldSize > newSize) return false;
  if (oldSize === newSize) return proof.length === 0 && equalBytes(oldRoot, newRoot);
  if (oldSize === 0) return proof.length === 0;
  if (proof.length === 0) return false;
  let path = proof;
  if ((oldSize & (oldSize - 1)) === 0) path = [oldRoot, ...proof];
  let fn = oldSize - 1;
  let sn = newSize - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr = path[0];
  let sr = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = await nodeHash(c, fr);
      sr = await nodeHash(c, sr);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      sr = await nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return equalBytes(fr, oldRoot) && equalBytes(sr, newRoot) && sn === 0;
}
