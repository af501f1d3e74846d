// balanced-deal/1, the seed-independent structure (docs/spec.md §6.2) and the
// balance sets and ceilings (§6.3). Pure functions over the public leaves.
import { FormatError } from './encoding.js';

export class Infeasible extends FormatError {
  constructor(zh, en) {
    super('infeasible', en);
    this.zh = zh;
    this.en = en;
  }
}

export const cmpStr = (a, b) => (a < b ? -1 : a > b ? 1 : 0); // UTF-16 order equals code point order here only for BMP
// Code point order (§1): compare strings by code points, not UTF-16 units.
export function cmpCodePoints(a, b) {
  const x = [...a];
  const y = [...b];
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i += 1) {
    const d = x[i].codePointAt(0) - y[i].codePointAt(0);
    if (d) return d;
  }
  return x.length - y.length;
}

export function cmpTuple(a, b) {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i += 1) {
    const x = a[i];
    const y = b[i];
    let d;
    if (typeof x === 'string') d = cmpCodePoints(x, y);
    else if (Array.isArray(x)) d = cmpTuple(x, y);
    else if (x instanceof Uint8Array) d = cmpBytes(x, y);
    else d = x - y;
    if (d) return d;
  }
  return a.length - b.length;
}

function cmpBytes(a, b) {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i += 1) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

const sortedKeys = (m) => [...m.keys()].sort(cmpCodePoints);

// Balance sets a pupil belongs to: "*", its sex, and "s:<code>" if it has a stratum.
export function setsOf(leaf) {
  return leaf.stratum ? ['*', leaf.sex, `s:${leaf.stratum}`] : ['*', leaf.sex];
}

export function needOf(leaves, members) {
  const need = {};
  for (const i of members) for (const s of setsOf(leaves[i])) need[s] = (need[s] || 0) + 1;
  return need;
}

export function structure(leaves, k) {
  const byTwin = new Map();
  const byName = new Map();
  leaves.forEach((leaf, i) => {
    if (leaf.twin) {
      if (!byTwin.has(leaf.twin)) byTwin.set(leaf.twin, []);
      byTwin.get(leaf.twin).push(i);
    }
    // §6.2 names; a v2 leaf carries a same-name code instead, "" for a name nobody shares (§20.2)
    const key = leaf.t === 'sunshine-placement/v2/pupil-leaf' ? leaf.same_name : leaf.name;
    if (key === '') return;
    if (!byName.has(key)) byName.set(key, []);
    byName.get(key).push(i);
  });
  // Units: 同班 groups of two or more, in twin-code order; everyone else alone.
  const units = [];
  const unitOf = new Array(leaves.length).fill(-1);
  for (const code of sortedKeys(byTwin)) {
    const members = byTwin.get(code);
    if (members.length >= 2 && members.every((i) => leaves[i].twin_wish === 'same')) {
      for (const i of members) unitOf[i] = units.length;
      units.push(members);
    }
  }
  const multi = units.length;
  leaves.forEach((_, i) => {
    if (unitOf[i] < 0) {
      unitOf[i] = units.length;
      units.push([i]);
    }
  });
  // Separation groups: 分班 twins (twin-code order), then identical names (name order).
  const apart = [];
  for (const code of sortedKeys(byTwin)) {
    const members = byTwin.get(code);
    if (members.every((i) => leaves[i].twin_wish === 'apart')) apart.push(members);
  }
  const sameName = sortedKeys(byName).map((n) => byName.get(n)).filter((m) => m.length >= 2);
  const groups = [...apart, ...sameName];
  const groupsOf = leaves.map(() => []);
  groups.forEach((g, gi) => {
    const seen = new Set();
    for (const i of g) {
      if (seen.has(unitOf[i])) {
        throw new Infeasible(`同一同班单元中的学生又要求分到不同班（${leaves[i].name}）`, `pupils of one same-class unit must also be apart (${leaves[i].name})`);
      }
      seen.add(unitOf[i]);
      groupsOf[i].push(gi);
    }
    if (g.length > k) {
      throw new Infeasible(`需要分到不同班的学生（${leaves[g[0]].name}等）有${g.length}人，多于班数${k}`, `${g.length} pupils (${leaves[g[0]].name}) must be in different classes but there are ${k}`);
    }
  });
  // Specials: units of two or more, and units with a member in a separation group.
  const specials = [];
  units.forEach((members, u) => {
    const inGroups = [...new Set(members.flatMap((i) => groupsOf[i]))].sort((a, b) => a - b);
    if (u < multi || inGroups.length) {
      const signature = members.map((i) => `${leaves[i].sex}:${leaves[i].stratum}`).sort(cmpCodePoints).join(',');
      specials.push({ members, need: needOf(leaves, members), groups: inGroups, signature });
    }
  });
  specials.sort((a, b) => a.members[0] - b.members[0]); // by head: the structural order
  // Blocks: specials linked by a shared separation group (connected components).
  const parent = specials.map((_, i) => i);
  const find = (x) => (parent[x] === x ? x : (parent[x] = find(parent[x])));
  const firstWithGroup = new Map();
  specials.forEach((s, i) => {
    for (const g of s.groups) {
      if (firstWithGroup.has(g)) parent[find(i)] = find(firstWithGroup.get(g));
      else firstWithGroup.set(g, i);
    }
  });
  const comps = new Map();
  specials.forEach((s, i) => {
    const r = find(i);
    if (!comps.has(r)) comps.set(r, []);
    comps.get(r).push(s);
  });
  const blocks = [...comps.values()].map((list) => {
    const pupils = list.reduce((n, s) => n + s.members.length, 0);
    const composition = list.map((s) => s.signature).sort(cmpCodePoints).join(';');
    const gs = list.flatMap((s) => s.groups);
    const first = gs.length ? Math.min(...gs) : groups.length;
    const specialsSorted = [...list].sort((a, b) => cmpTuple([a.signature, a.groups], [b.signature, b.groups]));
    return { rank: [-pupils, composition, first], specials: specialsSorted };
  });
  // Structural order: by rank; equal ranks by the members of the first special
  // (only matters when every ticket is equal, §6.5).
  blocks.sort((a, b) => cmpTuple(a.rank, b.rank) || cmpTuple(a.specials[0].members, b.specials[0].members));
  return { units, multi, unitOf, apart, sameName, groups, specials, blocks };
}

// Balance sets, their totals, strata order, widened sets and ceilings (§6.3).
export function balance(leaves, k, cap, tolerance, st) {
  const strata = [...new Set(leaves.map((l) => l.stratum).filter((s) => s))].sort(cmpCodePoints);
  const totals = { '*': 0, F: 0, M: 0 };
  for (const s of strata) totals[`s:${s}`] = 0;
  for (const leaf of leaves) for (const s of setsOf(leaf)) totals[s] += 1;
  const widened = new Set();
  if (tolerance === 2) {
    widened.add('*');
    for (const u of st.units.slice(0, st.multi)) {
      const count = new Map();
      for (const i of u) if (leaves[i].stratum) count.set(leaves[i].stratum, (count.get(leaves[i].stratum) || 0) + 1);
      for (const [s, c] of count) if (c >= 2) widened.add(`s:${s}`);
    }
  } else if (tolerance !== 1) {
    throw new FormatError('tolerance', 'size tolerance is 1 or 2');
  }
  const n = leaves.length;
  const ceilings = {};
  for (const [s, total] of Object.entries(totals)) {
    const base = Math.ceil(total / k);
    ceilings[s] = widened.has(s) ? base + tolerance - 1 : base;
  }
  ceilings['*'] = Math.min(cap, Math.ceil(n / k) + tolerance - 1);
  return { strata, totals, widened, ceilings, sets: Object.keys(totals), tolerance, cap, k, n };
}
