// Commitments: pupil leaves, the roster tree and teacher teams (docs/spec.md §4).
import { FormatError, fromHex } from './encoding.js';
import { canonical } from './jcs.js';
import { TAGS, taggedHash } from './hash.js';
import { leafHash, rootOf } from './merkle.js';
import { exactFields } from './documents.js';

export const PUPIL_LEAF = 'sunshine-placement/v1/pupil-leaf';
export const PUPIL_LEAF_V2 = 'sunshine-placement/v2/pupil-leaf';
export const TEAM_LEAF = 'sunshine-placement/v1/team-leaf';
const PRIVATE_KEYS = ['birth_date', 'flags', 'id_number', 'id_type', 'salt', 'student_no', 'twin_group'];
const LEAF_KEYS = ['name', 'private', 'sex', 'stratum', 't', 'twin', 'twin_wish'];
const LEAF_KEYS_V2 = ['private', 'same_name', 'sex', 'stratum', 't', 'twin', 'twin_wish'];
const TEAM_KEYS = ['head_teacher', 'label', 'number', 't', 'teachers'];

// private = H(pupil-private, JCS(private JSON)) (§4.1); v2 adds the name and its own tag (§21.1)
export function privateCommitment(priv, version = 1) {
  exactFields(priv, version === 2 ? [...PRIVATE_KEYS, 'name'] : PRIVATE_KEYS, 'private');
  if (version === 2 && typeof priv.name !== 'string') throw new FormatError('private', 'name is not text');
  if (priv.id_type !== 'resident') throw new FormatError('private', 'id_type is not resident');
  if (!/^[0-9a-f]{32}$/.test(priv.salt)) throw new FormatError('private', 'salt is not 32 hex digits');
  if (!Array.isArray(priv.flags)) throw new FormatError('private', 'flags is not an array');
  return taggedHash(version === 2 ? TAGS.pupilPrivateV2 : TAGS.pupilPrivate, canonical(priv));
}

export function leafVersion(leaf) {
  return leaf && leaf.t === PUPIL_LEAF_V2 ? 2 : 1;
}

export function checkLeaf(leaf, where = 'leaf') {
  if (leafVersion(leaf) === 2) {
    exactFields(leaf, LEAF_KEYS_V2, where);
    if (typeof leaf.same_name !== 'string') throw new FormatError('leaf', `${where}: same_name is text`);
    if (leaf.same_name && leaf.stratum) throw new FormatError('leaf', `${where}: a same-name leaf has no stratum (§20.3)`);
    leaf = { ...leaf, name: '' };
  } else {
    exactFields(leaf, LEAF_KEYS, where);
  }
  if (leaf.t !== PUPIL_LEAF && leaf.t !== PUPIL_LEAF_V2) throw new FormatError('leaf', `${where}: t is not ${PUPIL_LEAF}`);
  if (leaf.sex !== 'F' && leaf.sex !== 'M') throw new FormatError('leaf', `${where}: sex is F or M`);
  if (!['', 'same', 'apart'].includes(leaf.twin_wish)) throw new FormatError('leaf', `${where}: twin_wish`);
  if (typeof leaf.name !== 'string' || typeof leaf.stratum !== 'string' || typeof leaf.twin !== 'string') {
    throw new FormatError('leaf', `${where}: name, stratum and twin are text`);
  }
  if ((leaf.twin === '') !== (leaf.twin_wish === '')) throw new FormatError('leaf', `${where}: twin and twin_wish go together`);
  fromHex(leaf.private, 32);
  return true;
}

// The leaf hash SHA-256(0x00 ‖ JCS(public leaf)) (§4.2).
export function pupilLeafHash(leaf) {
  return leafHash(canonical(leaf));
}

export function checkTeam(team, where = 'team') {
  exactFields(team, TEAM_KEYS, where);
  if (team.t !== TEAM_LEAF) throw new FormatError('team', `${where}: t is not ${TEAM_LEAF}`);
  if (!Number.isInteger(team.number) || !Array.isArray(team.teachers)) throw new FormatError('team', `${where}: number / teachers`);
  for (const t of team.teachers) exactFields(t, ['name', 'subject'], `${where}.teachers`);
  return team;
}

export function teamLeafHash(team) {
  return leafHash(canonical(team));
}

// Team commitment: the tree over team leaf hashes ordered by number; numbers are 1…k.
export async function teamsRoot(teams) {
  const sorted = [...teams].sort((a, b) => a.number - b.number);
  sorted.forEach((t, i) => {
    if (t.number !== i + 1) throw new FormatError('team', 'team numbers are not exactly 1…k');
  });
  if (new Set(sorted.map((t) => t.label)).size !== sorted.length) throw new FormatError('team', 'team labels are not distinct');
  const hashes = await Promise.all(sorted.map(teamLeafHash));
  return { root: await rootOf(hashes), hashes, teams: sorted };
}

// Roster commitment from the public leaves: hash, sort by leaf hash, tree (§4.3).
export async function rosterRoot(leaves) {
  const hashes = await Promise.all(leaves.map(pupilLeafHash));
  return { root: await rootOf(hashes), hashes };
}
