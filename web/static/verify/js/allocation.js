// The 统筹 allocation draw (docs/spec.md S11), replayed in the browser: the pool against
// its frozen root, the server seed against its commitment, the final seed from the
// witnesses (§5 with the allocation's digest), every pool entry's ticket, the winners,
// and that no child of the pool was assigned to the school without winning.
import { FormatError, compareBytes, fromHex, toHex } from './encoding.js';
import { taggedHash } from './hash.js';
import { finalSeed, seedCommitment } from './seed.js';

export const TICKET_TAG = 'sunshine-placement/season/v1/allocation-ticket';
const ENTRY = 'sunshine-placement/season/v1/log-entry';

// ticket(e) = H(allocation-ticket, final_seed ‖ e)
export function allocationTicket(seed, entry) {
  return taggedHash(TICKET_TAG, seed, entry);
}

// Every pool entry with its ticket, smallest ticket first (ties by entry bytes); the
// first `places` are the winners.
export async function ranked(seed, pool) {
  const out = await Promise.all(pool.map(async (e) => ({ entry: e, ticket: await allocationTicket(seed, e) })));
  out.sort((a, b) => compareBytes(a.ticket, b.ticket) || compareBytes(a.entry, b.entry));
  return out;
}

function hex32(v, what) {
  if (typeof v !== 'string' || !/^[0-9a-f]{64}$/.test(v)) throw new FormatError('allocation', `${what} is not a 32-byte hex digest`);
  return fromHex(v, 32);
}

// One allocation draw. `a` and `r`: {doc, digest, index} of the announcement and its signed
// result; `pool`: the published entries (hex); `setRoot`: the S7 set commitment; `log`:
// every entry. Returns the line for the report and each entry's ticket; throws on a fault.
export async function replayAllocation({ a, r, pool, log, setRoot }) {
  const doc = a.doc;
  const res = r.doc;
  const where = `${doc.school} ${doc.intake}`;
  if (!Array.isArray(pool) || pool.some((e) => typeof e !== 'string' || !/^[0-9a-f]{64}$/.test(e)) || new Set(pool).size !== pool.length) {
    throw new FormatError('allocation', `${where}: the pool is not a list of distinct entries`);
  }
  const { root, size } = await setRoot(pool);
  if (!doc.pool || root !== doc.pool.root || size !== doc.pool.size) throw new FormatError('allocation', `${where}: the pool differs from the announced root`);
  if (!Number.isInteger(doc.places) || doc.places < 1 || doc.places >= size) throw new FormatError('allocation', `${where}: places must be at least 1 and below the pool's size`);
  if (res.allocation !== a.digest || !(r.index > a.index)) throw new FormatError('allocation', `${where}: the result names another draw or precedes it`);
  const server = hex32(res.server_seed, 'server_seed');
  if (toHex(await seedCommitment(server)) !== doc.seed_commitment) throw new FormatError('allocation', `${where}: the server seed does not open the commitment`);
  if (!Array.isArray(res.witnesses)) throw new FormatError('allocation', `${where}: witnesses`);
  const seed = await finalSeed(a.digest, res.server_seed, res.witnesses.map((w) => w && w.input), res.beacon);
  const order = await ranked(seed, pool.map((e) => fromHex(e, 32)));
  const won = order.slice(0, doc.places).map((x) => toHex(x.entry));
  if (res.final_seed !== toHex(seed) || JSON.stringify(res.winners) !== JSON.stringify(won)) {
    throw new FormatError('allocation', `${where}: the replay gives other winners`);
  }
  const inPool = new Set(pool);
  const winners = new Set(won);
  for (const e of log.slice(r.index + 1)) {
    const d = e.detail;
    if (e.t !== ENTRY || e.event !== 'decision.recorded' || d.outcome !== 'assign') continue;
    if (d.to_school === doc.school && d.intake === doc.intake && inPool.has(d.entry) && !winners.has(d.entry)) {
      throw new FormatError('allocation', `${where}: decision #${d.number} assigns a child of the pool who did not win`);
    }
  }
  return {
    line: { zh: `${doc.school}：${size} 人摇 ${doc.places} 个学位`, en: `${doc.school}: ${size} → ${doc.places}` },
    tickets: order.map((x, i) => ({ entry: toHex(x.entry), ticket: toHex(x.ticket), won: i < doc.places })),
  };
}
