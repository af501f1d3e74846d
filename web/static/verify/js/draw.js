// Replaying a draw from its public inputs (docs/spec.md §10, steps 1–5).
import { compareBytes, fromHex, toHex } from './encoding.js';
import { canonical } from './jcs.js';
import { TAGS, taggedHash } from './hash.js';
import { checkLeaf, checkTeam, rosterRoot, teamsRoot } from './commitment.js';
import { finalSeed, seedCommitment } from './seed.js';
import { deal, sizeTolerance } from './deal.js';
import { buildResult } from './report.js';

// Each step is reported as { id, ok, detail }; a failing step stops the replay
// only where later steps cannot run without it.
export async function replayDraw({ announcement, leaves, teams, serverSeed, witnesses, beacon, rootsOnly = false }) {
  const steps = [];
  const step = (id, ok, detail = '') => {
    steps.push({ id, ok, detail });
    return ok;
  };
  leaves.forEach((l, i) => checkLeaf(l, `leaf ${i}`));
  teams.forEach((t, i) => checkTeam(t, `team ${i}`));
  // 1. roster and team roots
  const roster = await rosterRoot(leaves);
  let sorted = true;
  for (let i = 1; i < roster.hashes.length; i += 1) if (compareBytes(roster.hashes[i - 1], roster.hashes[i]) >= 0) sorted = false;
  step('leaves_sorted', sorted, sorted ? '' : 'leaves are not in leaf-hash order');
  step('roster_root', toHex(roster.root) === announcement.roster.root && leaves.length === announcement.roster.size,
    `${toHex(roster.root).slice(0, 16)}… (${leaves.length})`);
  const tr = await teamsRoot(teams);
  step('teams_root', toHex(tr.root) === announcement.teams.root && teams.length === announcement.teams.count, `${toHex(tr.root).slice(0, 16)}…`);
  if (rootsOnly) {
    const k0 = tr.teams.length;
    const t0 = sizeTolerance(leaves, k0, announcement.class_cap);
    step('size_tolerance', t0.tolerance === announcement.size_tolerance, `τ = ${t0.tolerance}`);
    return { steps, tolerance: t0, rosterHashes: roster.hashes, teamHashes: tr.hashes };
  }
  // 2. seed commitment
  const seed = fromHex(serverSeed, 32);
  step('seed_commitment', toHex(await seedCommitment(seed)) === announcement.seed_commitment);
  // 3. announcement digest, final seed
  // H(t, JCS): the v1 tag is the v1 type; a v2 announcement is hashed under its type (§21.2)
  const annDigest = await taggedHash(announcement.t, canonical(announcement));
  const fs = await finalSeed(toHex(annDigest), serverSeed, witnesses, beacon);
  // 4. τ, then the deal
  const k = tr.teams.length;
  const tau = sizeTolerance(leaves, k, announcement.class_cap);
  step('size_tolerance', tau.tolerance === announcement.size_tolerance, `τ = ${tau.tolerance}`);
  if (!sorted) return { steps, tolerance: tau, digest: null, rosterHashes: roster.hashes, teamHashes: tr.hashes };
  const dealt = await deal({ leaves, leafHashes: roster.hashes, teams: tr.teams, teamHashes: tr.hashes, cap: announcement.class_cap, finalSeed: fs, tolerance: announcement.size_tolerance });
  const result = buildResult({ announcementDigest: annDigest, leaves, teams: tr.teams, teamHashes: tr.hashes, dealt, finalSeed: fs, tolerance: announcement.size_tolerance });
  const digest = await taggedHash(TAGS.result, canonical(result));
  return { steps, result, digest: toHex(digest), announcementDigest: toHex(annDigest), finalSeed: toHex(fs), tolerance: tau, dealt, rosterHashes: roster.hashes, teamHashes: tr.hashes };
}
