// The deal balanced-deal/1 (docs/spec.md §6.1, §6.3–§6.7), written from the spec.
import { concat, compareBytes } from './encoding.js';
import { TAGS, taggedHash } from './hash.js';
import { Infeasible, balance, cmpTuple, setsOf, structure } from './structure.js';

export const MAX_BACKTRACKS = 20000;
export const phase2Budget = (k) => Math.max(64, Math.floor(8192 / k));

// ticket(i) = H(pupil-ticket, final_seed ‖ leafhash(i)) (§6.1)
export function tickets(finalSeed, leafHashes) {
  return Promise.all(leafHashes.map((h) => taggedHash(TAGS.pupilTicket, concat(finalSeed, h))));
}

export function teamTickets(finalSeed, teamHashes) {
  return Promise.all(teamHashes.map((h) => taggedHash(TAGS.teamTicket, concat(finalSeed, h))));
}

// Sort leaf indices by ticket; equal tickets keep leaf index order.
export function byTicket(indices, ticketOf) {
  return [...indices].sort((a, b) => compareBytes(ticketOf[a], ticketOf[b]) || a - b);
}

const ZERO = new Uint8Array(0);

function minTicket(members, ticketOf) {
  let best = null;
  for (const i of members) if (best === null || compareBytes(ticketOf[i], best) < 0) best = ticketOf[i];
  return best || ZERO;
}

// Specials in dealing order (§6.3). With ticketOf null every ticket counts as equal.
export function dealingOrder(st, ticketOf) {
  const t = ticketOf ? (m) => minTicket(m, ticketOf) : () => ZERO;
  const blocks = st.blocks.map((b, index) => ({ b, index, key: t(b.specials.flatMap((s) => s.members)) }));
  blocks.sort((x, y) => cmpTuple(x.b.rank, y.b.rank) || compareBytes(x.key, y.key));
  const order = [];
  for (const { b, index } of blocks) {
    const list = b.specials.map((s) => ({ s, key: t(s.members) }));
    list.sort((x, y) => cmpTuple([x.s.signature, x.s.groups], [y.s.signature, y.s.groups]) || compareBytes(x.key, y.key));
    for (const { s } of list) order.push({ ...s, block: index });
  }
  return order;
}

// Lexicographically smallest (a_σ1, b_σ1, …, a_"", b_"") within the bounds (§6.4).
// Each stratum's admissible (a, b) is a hexagon (bounds on a, b, a + b); their sum is
// the hexagon of summed bounds, intersected with the bounds on Σa, Σb, Σa + Σb.
function feasible(cells, g) {
  let AL = 0; let AH = 0; let BL = 0; let BH = 0; let SL = 0; let SH = 0;
  for (const x of cells) {
    const a0 = Math.max(x.a0, x.s0 - x.b1); const a1 = Math.min(x.a1, x.s1 - x.b0);
    const b0 = Math.max(x.b0, x.s0 - x.a1); const b1 = Math.min(x.b1, x.s1 - x.a0);
    const s0 = Math.max(x.s0, x.a0 + x.b0); const s1 = Math.min(x.s1, x.a1 + x.b1);
    if (a0 > a1 || b0 > b1 || s0 > s1) return false;
    AL += a0; AH += a1; BL += b0; BH += b1; SL += s0; SH += s1;
  }
  const al = Math.max(AL, g.a0); const ah = Math.min(AH, g.a1);
  const bl = Math.max(BL, g.b0); const bh = Math.min(BH, g.b1);
  const sl = Math.max(SL, g.s0); const sh = Math.min(SH, g.s1);
  return al <= ah && bl <= bh && sl <= sh && al + bl <= sh && ah + bh >= sl;
}

export function lexMin(cells, g) {
  if (!feasible(cells, g)) return null;
  for (const x of cells) {
    for (const [lo, hi] of [['a0', 'a1'], ['b0', 'b1']]) {
      const top = x[hi];
      let v = Math.max(x[lo], 0);
      for (; v <= top; v += 1) {
        x[lo] = v; x[hi] = v;
        if (feasible(cells, g)) break;
      }
      if (v > top) return null; // cannot happen: the set was feasible
    }
  }
  return cells.map((x) => [x.a0, x.b0]);
}

// Phase 2 (§6.4): rows[c][σ] = [girls, boys] taken by group c, or null on failure.
export function phase2(bal, pre, ordinary) {
  const { k, cap, tolerance: tau, widened, totals, sets } = bal;
  const strataOrder = [...bal.strata, ''];
  const avail = strataOrder.map((s) => [...ordinary.get(s)]);
  const done = Object.fromEntries(sets.map((s) => [s, 0]));
  const finals = [];
  const rows = [];
  for (let c = 0; c < k; c += 1) {
    const r = k - c;
    const lo = {}; const hi = {};
    for (const S of sets) {
      const m = totals[S] - done[S];
      lo[S] = Math.floor(m / r);
      hi[S] = Math.ceil(m / r);
      if (widened.has(S) && r > 1) {
        lo[S] = Math.max(0, lo[S] - tau + 1);
        hi[S] += tau - 1;
      }
    }
    const mAll = totals['*'] - done['*'];
    lo['*'] = Math.max(lo['*'], mAll - (r - 1) * cap);
    hi['*'] = Math.min(hi['*'], cap);
    if (c > 0) {
      for (const S of widened) {
        let mx = -Infinity; let mn = Infinity;
        for (const f of finals) { mx = Math.max(mx, f[S]); mn = Math.min(mn, f[S]); }
        lo[S] = Math.max(lo[S], mx - tau);
        hi[S] = Math.min(hi[S], mn + tau);
      }
    }
    const p = pre[c];
    const cells = strataOrder.map((s, i) => {
      const [girls, boys] = avail[i];
      const key = `s:${s}`;
      return s ? { a0: 0, a1: girls, b0: 0, b1: boys, s0: lo[key] - (p[key] || 0), s1: hi[key] - (p[key] || 0) }
        : { a0: 0, a1: girls, b0: 0, b1: boys, s0: 0, s1: girls + boys };
    });
    const g = {
      a0: lo.F - (p.F || 0), a1: hi.F - (p.F || 0),
      b0: lo.M - (p.M || 0), b1: hi.M - (p.M || 0),
      s0: lo['*'] - (p['*'] || 0), s1: hi['*'] - (p['*'] || 0),
    };
    const row = lexMin(cells, g);
    if (!row) return null;
    const f = {};
    for (const S of sets) f[S] = p[S] || 0;
    row.forEach(([a, b], i) => {
      avail[i][0] -= a;
      avail[i][1] -= b;
      f.F += a; f.M += b; f['*'] += a + b;
      if (strataOrder[i]) f[`s:${strataOrder[i]}`] += a + b;
    });
    for (const S of sets) done[S] += f[S];
    finals.push(f);
    rows.push(row);
  }
  return { rows, finals };
}

// Phase 1 (§6.3): depth-first placement of the specials, phase 2 at each complete layout.
export function search(bal, order, ordinary, trace) {
  const { k, sets, ceilings, widened, totals } = bal;
  const pre = Array.from({ length: k }, () => ({}));
  const present = Array.from({ length: k }, () => new Map());
  const atCeil = Object.fromEntries(sets.map((s) => [s, 0]));
  const tight = new Set(sets.filter((S) => !widened.has(S) && totals[S] % k > 0 && ceilings[S] === Math.ceil(totals[S] / k)));
  const budget = phase2Budget(k);
  let p2failures = 0;
  let backtracks = 0;
  const D = order.length;
  const pointer = new Array(D + 1).fill(0);
  const next = new Array(D + 1).fill(0);
  const placed = new Array(D).fill(-1);

  const admissible = (sp, c) => {
    for (const g of sp.groups) if (present[c].get(g)) return false;
    for (const [S, need] of Object.entries(sp.need)) {
      const have = pre[c][S] || 0;
      if (have + need > ceilings[S]) return false;
      if (tight.has(S) && have < ceilings[S] && have + need === ceilings[S] && atCeil[S] >= totals[S] % k) return false;
    }
    return true;
  };
  const put = (sp, c, sign) => {
    for (const [S, need] of Object.entries(sp.need)) {
      const before = pre[c][S] || 0;
      const after = before + sign * need;
      pre[c][S] = after;
      if (before === ceilings[S]) atCeil[S] -= 1;
      if (after === ceilings[S]) atCeil[S] += 1;
    }
    for (const g of sp.groups) present[c].set(g, (present[c].get(g) || 0) + sign);
  };
  const takeOut = (d) => {
    if (backtracks >= MAX_BACKTRACKS) throw new Infeasible('分班约束过于复杂（回溯次数超限）', 'too intricate: the search backtracked too often');
    backtracks += 1;
    put(order[d], placed[d], -1);
    placed[d] = -1;
  };

  let d = 0;
  for (;;) {
    if (d === D) {
      const p2 = phase2(bal, pre, ordinary);
      if (trace) trace.push({ accepted: !!p2, counts: pre.map((x) => ({ ...x })) });
      if (p2) return { pre, placed, ...p2, backtracks, p2failures };
      p2failures += 1;
      if (p2failures >= budget) throw new Infeasible('分班约束过于复杂', 'too intricate: phase 2 failed too often');
      d -= 1;
      if (d < 0) return null;
      takeOut(d);
      continue;
    }
    let ok = false;
    while (next[d] < k) {
      const c = (pointer[d] + next[d]) % k;
      next[d] += 1;
      if (admissible(order[d], c)) {
        put(order[d], c, 1);
        placed[d] = c;
        pointer[d + 1] = c + 1;
        next[d + 1] = 0;
        d += 1;
        ok = true;
        break;
      }
    }
    if (ok) continue;
    d -= 1;
    if (d < 0) return null;
    takeOut(d);
  }
}

// Ordinary pupils per stratum ('' last) as [girls, boys] counts.
export function ordinaryCounts(leaves, bal, st) {
  const special = new Set(st.specials.flatMap((s) => s.members));
  const m = new Map([...bal.strata, ''].map((s) => [s, [0, 0]]));
  leaves.forEach((leaf, i) => {
    if (!special.has(i)) m.get(leaf.stratum)[leaf.sex === 'F' ? 0 : 1] += 1;
  });
  return { counts: m, special };
}

// §6.5: τ from the leaves alone (every ticket equal).
export function sizeTolerance(leaves, k, cap, st = structure(leaves, k)) {
  const trials = [];
  for (const tau of [1, 2]) {
    if (tau === 2 && st.multi === 0) break;
    const bal = balance(leaves, k, cap, tau, st);
    const { counts } = ordinaryCounts(leaves, bal, st);
    let found = null;
    try {
      found = search(bal, dealingOrder(st, null), counts);
    } catch (e) {
      if (!(e instanceof Infeasible)) throw e;
    }
    trials.push({ tolerance: tau, feasible: !!found });
    if (found) return { tolerance: tau, trials };
  }
  throw new Infeasible('名册无法满足所有分班规则', 'no placement meets the twin and same-name rules together with size, sex and stratum balance');
}

// The whole deal: groups of leaf indices (by ticket), then the matching to teams (§6.7).
export async function deal({ leaves, leafHashes, teams, teamHashes, cap, finalSeed, tolerance }) {
  const k = teams.length;
  const st = structure(leaves, k);
  const bal = balance(leaves, k, cap, tolerance, st);
  const ticketOf = await tickets(finalSeed, leafHashes);
  const order = dealingOrder(st, ticketOf);
  const { counts, special } = ordinaryCounts(leaves, bal, st);
  const layouts = [];
  const found = search(bal, order, counts, layouts);
  if (!found) throw new Infeasible('名册无法在此容差下分班', `no placement with size tolerance ${tolerance}`);
  const groups = Array.from({ length: k }, () => []);
  order.forEach((sp, d) => groups[found.placed[d]].push(...sp.members));
  const strataOrder = [...bal.strata, ''];
  const queues = strataOrder.map((s) => [[], []]);
  const idx = new Map(strataOrder.map((s, i) => [s, i]));
  byTicket(leaves.map((_, i) => i).filter((i) => !special.has(i)), ticketOf).forEach((i) => {
    queues[idx.get(leaves[i].stratum)][leaves[i].sex === 'F' ? 0 : 1].push(i);
  });
  const taken = queues.map(() => [0, 0]);
  found.rows.forEach((row, c) => {
    row.forEach(([a, b], si) => {
      groups[c].push(...queues[si][0].slice(taken[si][0], taken[si][0] + a));
      groups[c].push(...queues[si][1].slice(taken[si][1], taken[si][1] + b));
      taken[si][0] += a;
      taken[si][1] += b;
    });
  });
  const sortedGroups = groups.map((g) => byTicket(g, ticketOf));
  const tt = await teamTickets(finalSeed, teamHashes);
  const teamOrder = teams.map((_, i) => i).sort((a, b) => compareBytes(tt[a], tt[b]) || teams[a].number - teams[b].number);
  return { structure: st, balance: bal, tickets: ticketOf, teamTickets: tt, order, phase1: found, layouts, groups: sortedGroups, teamOrder, queues };
}

export { setsOf };
