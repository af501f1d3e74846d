// The result and its balance report (docs/spec.md §8), rebuilt from a deal.
import { toHex } from './encoding.js';

export function buildReport(leaves, teams, dealt, tolerance) {
  const { structure: st, balance: bal, groups, teamOrder } = dealt;
  const heads = new Set(st.units.slice(0, st.multi).map((u) => u[0]));
  const classes = groups.map((g, gi) => {
    const team = teams[teamOrder[gi]];
    const strata = Object.fromEntries(bal.strata.map((s) => [s, 0]));
    let female = 0;
    let units = 0;
    for (const i of g) {
      if (leaves[i].sex === 'F') female += 1;
      if (leaves[i].stratum) strata[leaves[i].stratum] += 1;
      if (heads.has(i)) units += 1;
    }
    return { female, label: team.label, male: g.length - female, number: team.number, size: g.length, strata, units };
  }).sort((a, b) => a.number - b.number);
  const spreadOf = (f) => {
    const v = classes.map(f);
    return Math.max(...v) - Math.min(...v);
  };
  const spread = { female: spreadOf((c) => c.female), male: spreadOf((c) => c.male), size: spreadOf((c) => c.size) };
  for (const s of bal.strata) spread[`stratum:${s}`] = spreadOf((c) => c.strata[s]);
  return {
    apart_groups: st.apart.length,
    classes,
    same_name_groups: st.sameName.length,
    size_tolerance: tolerance,
    spread,
    units_together: st.multi,
  };
}

export function buildResult({ announcementDigest, leaves, teams, teamHashes, dealt, finalSeed, tolerance }) {
  const classes = dealt.groups.map((g, gi) => {
    const t = dealt.teamOrder[gi];
    return { label: teams[t].label, number: teams[t].number, pupils: g, team: toHex(teamHashes[t]) };
  }).sort((a, b) => a.number - b.number);
  return {
    algorithm: 'balanced-deal/1',
    announcement: toHex(announcementDigest),
    classes,
    final_seed: toHex(finalSeed),
    report: buildReport(leaves, teams, dealt, tolerance),
    size_tolerance: tolerance,
    t: 'sunshine-placement/v1/result',
  };
}
