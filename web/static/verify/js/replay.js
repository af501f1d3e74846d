// Full replay of a public (or archive) record bundle (docs/spec.md §10, §14–§17).
// Each named check is reported ✓/✗; the verdict is ✓ only when every check passes.
import { fromHex, fromUtf8, toHex, equalBytes } from './encoding.js';
import { parseJson } from './jcs.js';
import { documentDigest } from './hash.js';
import { verifyCompact, verifyGeneral } from './jws.js';
import { Keyring } from './keyring.js';
import { TYPES, TYPES_V2, announcementVersion, checkAmendment, checkAnnouncement, checkCeremony, checkResult, checkStatement, comparePairs } from './documents.js';
import { leafVersion, privateCommitment } from './commitment.js';
import { manifestProblems, memberJson, openBundle, privacyProblems, requiredMissing, schemaProblems } from './bundle.js';
import { TAGS, taggedHash } from './hash.js';
import { canonical } from './jcs.js';
import { parseCompactHeader } from './jws.js';
import { checkConsistency, eventOrderProblems, verifyCheckpoint, verifyReceiptFor } from './log.js';
import { replayDraw } from './draw.js';
import { balance, structure } from './structure.js';
import { hasExceptions, replayExceptions } from './exceptions.js';

const L = {
  zip: ['读取 zip 容器', 'read the zip container'],
  manifest: ['清单与各文件的 SHA-256 一致', 'manifest lists every member with its SHA-256'],
  required: ['必需文件齐全', 'required members are present'],
  keyring: ['记录包公钥环与本页公钥环一致', "the bundle's keyring agrees with the pinned keyring"],
  announcement: ['公告签名有效', 'announcement signature'],
  ceremony: ['仪式记录签名有效，最终种子正确', 'ceremony signature and final seed'],
  result: ['结果签名有效，指向此公告与最终种子', 'result signature, announcement and final seed'],
  leaves_sorted: ['名册叶子按哈希排序', 'roster leaves in leaf-hash order'],
  roster_root: ['名册默克尔根与公告一致', 'roster Merkle root matches the announcement'],
  teams_root: ['教师团队根与公告一致', 'team root matches the announcement'],
  seed_commitment: ['服务器种子与承诺一致（先承诺后揭示）', 'server seed matches its commitment (commit–reveal)'],
  size_tolerance: ['规模容差 τ 重算一致', 'size tolerance τ recomputed'],
  deal: ['在本机重放分班（balanced-deal/1），结果与签名结果相同', 'deal replayed here (balanced-deal/1) equals the signed result'],
  guarantees: ['分班保证（人数、性别、类别均衡，双胞胎与重名规则）', 'guarantees (size, sex and strata balance, twin and same-name rules)'],
  statements: ['各班名单签名有效并与结果一致', 'class statements signed and equal to the result'],
  amendments: ['调整记录签名有效且顺序正确', 'amendments signed and in order'],
  checkpoint: ['透明日志检查点签名有效', 'log checkpoint signature'],
  log_proofs: ['每条日志记录均在日志树中', 'every log entry is included in the log tree'],
  log_order: ['日志事件顺序正确', 'log events in the required order'],
  log_documents: ['日志记录与文件摘要、见证人输入和时间一致', 'log entries match the documents, witness inputs and times'],
  consistency: ['日志检查点之间一致（只增不改）', 'log checkpoints are consistent (append-only)'],
  privacy: ['公开记录包不含身份证号与盐值', 'public bundle holds no ID numbers or salts'],
  private: ['存档：每个私有信息可以打开', 'archive: every private value opens'],
  cancelled: ['公告已撤销：本次抽签无效', 'announcement cancelled: this draw is void'],
  exceptions_order: ['例外申请与决定已按顺序入日志', 'exception requests and decisions logged in order'],
  exceptions_rules: ['例外符合规则（补录班级在本机重算）', 'exception rules (late placements recomputed here)'],
  exceptions_caps: ['每步后班额与每人一班', 'caps and one class per pupil after each step'],
  exceptions_statements: ['名单新版本与例外一致', 'statement versions match the exceptions'],
  version: ['协议版本一致（公告、清单、叶子、声明、schemas）', 'one protocol version (announcement, manifest, leaves, statements, schemas)'],
  rotation: ['教育局密钥唯一，或轮换已记入日志', 'one bureau key, or a logged rotation'],
  relied: ['所依赖的检查点齐全（v2）', 'the checkpoints the bundle relies on (v2)'],
  names: ['存档：各班名单姓名与私有信息一致', 'archive: class lists name the pupils placed there'],
};

export async function replayBundle(bytes, keyring) {
  const checks = [];
  const add = (id, ok, detail = '') => {
    checks.push({ id, ok, zh: L[id][0], en: L[id][1], detail: detail || '' });
    return ok;
  };
  const attempt = async (id, fn) => {
    try {
      const r = await fn();
      if (r && typeof r === 'object' && 'ok' in r) add(id, r.ok, r.detail);
      else add(id, true, typeof r === 'string' ? r : '');
      return r;
    } catch (e) {
      add(id, false, e && e.message ? e.message : String(e));
      return null;
    }
  };
  const done = (extra = {}) => ({ ok: checks.length > 0 && checks.every((c) => c.ok), checks, ...extra });

  const bundle = await attempt('zip', async () => {
    const b = await openBundle(bytes);
    return { ok: b.sorted && b.dated, detail: b.sorted && b.dated ? `${b.names.length} members` : 'members must be sorted by path and dated 1980-01-01', ...b };
  });
  if (!bundle) return done();
  const { members } = bundle;
  const text = (n) => fromUtf8(members.get(n));
  const man = await attempt('manifest', async () => {
    const { manifest, problems } = await manifestProblems(members);
    return { ok: problems.length === 0, detail: problems.slice(0, 3).join('; '), manifest };
  });
  const kind = man && man.manifest ? man.manifest.kind : 'public';
  const draw = man && man.manifest ? man.manifest.draw : null;
  let entries = [];
  try {
    entries = memberJson(members, 'log/entries.json');
  } catch { /* reported below */ }
  const order = eventOrderProblems(entries, draw);
  const cancelled = order.cancelled.length > 0;
  await attempt('required', () => {
    const missing = requiredMissing(members, kind, cancelled);
    return { ok: missing.length === 0, detail: missing.join(', ') };
  });
  await attempt('keyring', async () => {
    const theirs = await Keyring.parse(memberJson(members, 'keyring.json'));
    const bad = theirs.keys.filter((k) => {
      const mine = keyring.lookup(k.id, k.name);
      return mine && (mine.vkey !== k.vkey || mine.role !== k.role || mine.valid_from !== k.valid_from);
    });
    return { ok: bad.length === 0, detail: bad.map((k) => k.kid).join(', ') };
  });

  const decoded = new Map();
  const ann = await attempt('announcement', async () => {
    const v = await verifyGeneral(text('announcement.jws'), keyring);
    if (v.document.t !== TYPES.announcement && v.document.t !== TYPES_V2.announcement) throw new Error('not an announcement');
    checkAnnouncement(v.document);
    if (draw && v.document.draw_id !== draw) throw new Error('announcement is for another draw');
    decoded.set('announcement.jws', v.document);
    return { ok: true, detail: v.signatures.map((s) => s.kid).join(', '), v };
  });
  const annDoc = ann && ann.v.document;
  const annDigest = ann && toHex(ann.v.digest);
  const version = annDoc ? announcementVersion(annDoc) : (man && man.manifest ? man.manifest.version : 1);
  let leaves = null;
  let teams = null;
  try {
    leaves = memberJson(members, 'roster/leaves.json');
    teams = memberJson(members, 'teams.json');
  } catch { /* required check names them */ }

  let cer = null;
  let res = null;
  let replayed = null;
  if (cancelled) {
    add('cancelled', order.cancelled.includes(annDigest), order.cancelled.includes(annDigest) ? '' : 'the cancellation names another announcement');
  } else {
    cer = await attempt('ceremony', async () => {
      const v = await verifyCompact(text('ceremony.jws'), keyring, TYPES.ceremony);
      await checkCeremony(v.document);
      if (v.document.announcement !== annDigest) throw new Error('the ceremony names another announcement');
      const declared = annDoc.beacon;
      if ((declared === null) !== (v.document.beacon === null) || (declared !== null && v.document.beacon.round !== declared)) {
        throw new Error('the beacon differs from the one declared in the announcement');
      }
      decoded.set('ceremony.jws', v.document);
      return { ok: true, detail: `final seed ${v.document.final_seed.slice(0, 16)}…`, v };
    });
    res = await attempt('result', async () => {
      const v = await verifyGeneral(text('result.jws'), keyring, TYPES.result);
      checkResult(v.document);
      if (v.document.announcement !== annDigest) throw new Error('the result names another announcement');
      if (cer && v.document.final_seed !== cer.v.document.final_seed) throw new Error('the result uses another final seed');
      decoded.set('result.jws', v.document);
      return { ok: true, detail: toHex(v.digest).slice(0, 16), v };
    });
  }

  await attempt('version', async () => {
    const problems = await schemaProblems(members, version);
    if (man && man.manifest && man.manifest.version !== version) problems.push(`manifest version ${man.manifest.version}, announcement v${version}`);
    if (Array.isArray(leaves) && leaves.some((l) => leafVersion(l) !== version)) problems.push(`leaves of another version than v${version}`);
    return { ok: problems.length === 0, detail: problems.slice(0, 3).join('; ') || `v${version}` };
  });

  // Replay: roots, commitment, τ, deal, result digest.
  if (annDoc && leaves && teams && (cancelled || cer)) {
    try {
      const c = cer ? cer.v.document : null;
      replayed = await replayDraw({
        announcement: annDoc, leaves, teams,
        serverSeed: c ? c.server_seed : '00'.repeat(32),
        witnesses: c ? c.witnesses.map((w) => w.input) : ['-'],
        beacon: c && c.beacon ? c.beacon.value : null,
        rootsOnly: cancelled,
      });
      for (const s of replayed.steps) {
        if (cancelled && s.id === 'seed_commitment') continue;
        add(s.id, s.ok, s.detail);
      }
      if (!cancelled) {
        const signed = res ? toHex(res.v.digest) : null;
        add('deal', replayed.digest !== null && replayed.digest === signed, replayed.digest ? `${replayed.digest.slice(0, 16)}…` : 'not replayed: the leaves are not in leaf-hash order');
      }
    } catch (e) {
      add('deal', false, e && e.message ? e.message : String(e));
    }
  }

  const result = res && res.v.document;
  const resultDigest = res && toHex(res.v.digest);
  if (result && leaves && annDoc) {
    await attempt('guarantees', () => guarantees(result, leaves, annDoc));
    await attempt('statements', () => statements(members, keyring, result, resultDigest, leaves, teams, annDoc, decoded, version));
    const amendmentNames = [...members.keys()].filter((n) => n.startsWith('amendments/'));
    if (amendmentNames.length) await attempt('amendments', () => amendments(members, amendmentNames, keyring, result, resultDigest, decoded));
    if (hasExceptions(members)) {
      try {
        const x = await replayExceptions(members, keyring);
        for (const id of ['order', 'rules', 'caps', 'statements']) {
          const c = x.checks[id];
          add(`exceptions_${id}`, Boolean(c && c.ok), c ? c.detail : 'not checked: an earlier exception check failed');
        }
      } catch (e) {
        add('exceptions_order', false, e && e.message ? e.message : String(e));
      }
    }
  }

  // The log.
  const cp = await attempt('checkpoint', async () => {
    const c = await verifyCheckpoint(text('log/checkpoint'), keyring);
    return { ok: true, detail: `${c.origin} #${c.size}`, c };
  });
  await attempt('log_proofs', async () => {
    if (!Array.isArray(entries) || entries.length === 0) throw new Error('no log entries');
    for (const { index, entry } of entries) {
      const proof = members.get(`log/proofs/${index}.tlog-proof`);
      if (!proof) throw new Error(`no proof for entry ${index}`);
      const c = await verifyReceiptFor(entry, index, fromUtf8(proof), keyring);
      if (cp && (c.size !== cp.c.size || !equalBytes(c.root, cp.c.root))) throw new Error(`proof ${index} uses another checkpoint`);
    }
    return `${entries.length}`;
  });
  add('log_order', order.problems.length === 0, order.problems.slice(0, 3).join('; '));
  await attempt('rotation', () => rotation(members, keyring, entries, draw));
  if (version === 2) {
    await attempt('relied', () => {
      const want = entries.filter((e) => e.entry.draw === draw && ['announcement.published', 'result.signed'].includes(e.entry.event)).map((e) => e.index + 1);
      const have = new Set([...members.keys()].filter((n) => n.startsWith('log/checkpoints/')).map((n) => Number(n.slice(16))));
      if (cp) have.add(cp.c.size);
      const missing = want.filter((s) => !have.has(s));
      return { ok: missing.length === 0, detail: missing.length ? `no checkpoint of size ${missing.join(', ')}` : want.join(', ') };
    });
  }
  await attempt('log_documents', () => logDocuments(entries, draw, annDigest, cer && cer.v, resultDigest, cancelled));
  await attempt('consistency', async () => {
    if (!cp) throw new Error('no checkpoint');
    const sizes = [...members.keys()].filter((n) => n.startsWith('log/checkpoints/')).map((n) => Number(n.slice(16))).sort((a, b) => a - b);
    const cps = [];
    for (const s of sizes) {
      const c = await verifyCheckpoint(text(`log/checkpoints/${s}`), keyring);
      if (c.size !== s) throw new Error(`checkpoint ${s} has size ${c.size}`);
      cps.push(c);
    }
    cps.push(cp.c);
    for (const name of [...members.keys()].filter((n) => n.startsWith('log/consistency/'))) {
      const [a, b] = name.slice(16).split('-').map(Number);
      const older = cps.find((c) => c.size === a);
      const newer = cps.find((c) => c.size === b);
      if (!older) throw new Error(`${name}: no checkpoint of size ${a}`);
      if (!newer) continue; // leads to a checkpoint this bundle does not carry
      if (!(await checkConsistency(older, newer, text(name)))) throw new Error(`${name} does not verify`);
    }
    // every carried checkpoint must chain to the latest one
    for (const c of cps.slice(0, -1)) {
      let s = c.size;
      const seen = new Set();
      while (s !== cp.c.size && !seen.has(s)) {
        seen.add(s);
        const link = [...members.keys()].find((n) => n.startsWith(`log/consistency/${s}-`));
        if (!link) break;
        s = Number(link.split('-').pop());
      }
      if (s !== cp.c.size) {
        const direct = members.get(`log/consistency/${c.size}-${cp.c.size}`);
        if (!direct) throw new Error(`checkpoint ${c.size} has no consistency path to ${cp.c.size}`);
      }
    }
    return `${cps.length} checkpoints`;
  });

  if (kind === 'public') {
    await attempt('privacy', () => {
      const p = privacyProblems(members, decoded);
      return { ok: p.length === 0, detail: p.slice(0, 3).join('; ') };
    });
  } else if (leaves) {
    await attempt('private', async () => {
      const priv = memberJson(members, 'private/leaves.json');
      if (!Array.isArray(priv) || priv.length !== leaves.length) throw new Error('one private object per leaf');
      for (let i = 0; i < leaves.length; i += 1) {
        if (toHex(await privateCommitment(priv[i], leafVersion(leaves[i]))) !== leaves[i].private) throw new Error(`leaf ${i}: private value does not open`);
      }
      return `${leaves.length}`;
    });
    if (version === 2 && result) {
      await attempt('names', () => {
        const priv = memberJson(members, 'private/leaves.json');
        for (const c of result.classes) {
          const s = decoded.get(`statements/${String(c.number).padStart(2, '0')}.jws`);
          const want = c.pupils.map((i) => [priv[i].name, leaves[i].sex]).sort(comparePairs);
          if (!s || JSON.stringify(s.pupils) !== JSON.stringify(want)) throw new Error(`class ${c.number}: the list differs from the archive's names`);
        }
        return `${result.classes.length}`;
      });
    }
  }

  // v2 leaves carry no names: the names shown are the signed statements' (sorted, §21.3).
  const namesOf = (c) => {
    if (version === 1) return c.pupils.map((i) => leaves[i].name);
    const s = decoded.get(`statements/${String(c.number).padStart(2, '0')}.jws`);
    return s ? s.pupils.map((p) => p[0]) : [];
  };
  const classes = result && leaves ? result.classes.map((c) => ({ number: c.number, label: c.label, names: namesOf(c) })) : [];
  return done({ draw, kind, cancelled, resultDigest, replayedDigest: replayed ? replayed.digest : null, classes });
}

function guarantees(result, leaves, ann) {
  const k = result.classes.length;
  const tau = result.size_tolerance;
  const problems = [];
  const classOf = new Array(leaves.length).fill(-1);
  result.classes.forEach((c, ci) => {
    for (const i of c.pupils) {
      if (!Number.isInteger(i) || i < 0 || i >= leaves.length) problems.push(`class ${c.number}: no leaf ${i}`);
      else if (classOf[i] >= 0) problems.push(`leaf ${i} is placed twice`);
      else classOf[i] = ci;
    }
  });
  if (classOf.some((c) => c < 0)) problems.push('a pupil is not placed');
  if (problems.length) return { ok: false, detail: problems.slice(0, 3).join('; ') };
  const st = structure(leaves, k);
  const bal = balance(leaves, k, ann.class_cap, tau, st);
  const spread = (f) => {
    const v = result.classes.map((c) => c.pupils.filter(f).length);
    return Math.max(...v) - Math.min(...v);
  };
  const sizes = result.classes.map((c) => c.pupils.length);
  if (Math.max(...sizes) - Math.min(...sizes) > tau) problems.push('class sizes differ by more than τ');
  if (Math.max(...sizes) > ann.class_cap) problems.push('a class exceeds the cap');
  for (const sex of ['F', 'M']) if (spread((i) => leaves[i].sex === sex) > 1) problems.push(`${sex} counts differ by more than 1`);
  for (const s of bal.strata) {
    const limit = bal.widened.has(`s:${s}`) ? tau : 1;
    if (spread((i) => leaves[i].stratum === s) > limit) problems.push(`stratum ${s} counts differ by more than ${limit}`);
  }
  for (const u of st.units.slice(0, st.multi)) if (new Set(u.map((i) => classOf[i])).size !== 1) problems.push(`unit of leaf ${u[0]} is split`);
  for (const g of st.groups) if (new Set(g.map((i) => classOf[i])).size !== g.length) problems.push(`leaves ${g.join(', ')} must be apart`);
  return { ok: problems.length === 0, detail: problems.slice(0, 3).join('; ') };
}

async function statements(members, keyring, result, resultDigest, leaves, teams, ann, decoded, version) {
  const type = version === 2 ? TYPES_V2.statement : TYPES.statement;
  const all = [];
  const byHash = new Map();
  const { teamLeafHash } = await import('./commitment.js');
  for (const t of teams) byHash.set(toHex(await teamLeafHash(t)), t);
  const names = [...members.keys()].filter((n) => n.startsWith('statements/') && !n.includes('.v'));
  if (names.length !== result.classes.length) throw new Error(`${names.length} statements for ${result.classes.length} classes`);
  for (const c of result.classes) {
    const name = `statements/${String(c.number).padStart(2, '0')}.jws`;
    if (!members.has(name)) throw new Error(`${name} is missing`);
    const v = await verifyCompact(fromUtf8(members.get(name)), keyring, type);
    const s = checkStatement(v.document);
    decoded.set(name, s);
    const team = byHash.get(c.team);
    const want = {
      class: c.number, draw: ann.draw_id, head_teacher: team ? team.head_teacher : null, intake: ann.intake, label: c.label,
      pupils: c.pupils.map((i) => [leaves[i].name, leaves[i].sex]), result: resultDigest, school: ann.school, t: type,
    };
    if (version === 2) {
      // §20.4: the public check is the size and the sexes; the order is by name
      const sexes = (list) => list.map((x) => x).sort().join('');
      if (sexes(s.pupils.map((p) => p[1])) !== sexes(c.pupils.map((i) => leaves[i].sex))) throw new Error(`${name}: size or sexes differ from the result`);
      want.pupils = s.pupils;
      all.push(...s.pupils);
    }
    if (JSON.stringify(s) !== JSON.stringify(Object.fromEntries(Object.keys(s).map((key) => [key, want[key]])))) {
      throw new Error(`${name} differs from the result`);
    }
  }
  if (version === 2) {
    const digest = toHex(await taggedHash(TAGS.names, canonical(all.sort(comparePairs))));
    if (digest !== ann.names) throw new Error("the statements' names do not hash to the announcement's names: a pupil was added, dropped or renamed");
  }
  return `${names.length}`;
}

// §23.3: every document's first signature by one bureau key, unless a rotation is logged.
async function rotation(members, keyring, entries, draw) {
  const paths = ['announcement.jws', 'ceremony.jws', 'result.jws', ...[...members.keys()].filter((n) => n.startsWith('statements/') || n.startsWith('amendments/'))];
  const signed = [];
  for (const p of paths) {
    if (!members.has(p)) continue;
    try {
      const h = parseCompactHeader(fromUtf8(members.get(p)));
      const plus = h.kid.lastIndexOf('+');
      const key = keyring.lookup(h.kid.slice(plus + 1), h.kid.slice(0, plus));
      if (key && key.role === 'bureau') signed.push([h.iat, h.kid]);
    } catch { /* the signature checks report it */ }
  }
  signed.sort((a, b) => a[0] - b[0]);
  const chain = [];
  for (const [, kid] of signed) if (chain[chain.length - 1] !== kid) chain.push(kid);
  if (new Set(chain).size <= 1) return chain[0] || '';
  const logged = new Set(entries.filter((e) => e.entry.draw === draw && e.entry.event === 'key.rotated').map((e) => `${e.entry.detail.from} ${e.entry.detail.to}`));
  for (let i = 1; i < chain.length; i += 1) {
    if (!logged.has(`${chain[i - 1]} ${chain[i]}`)) throw new Error(`no logged key.rotated from ${chain[i - 1]} to ${chain[i]}`);
  }
  return chain.join(' → ');
}

async function amendments(members, names, keyring, result, resultDigest, decoded) {
  const classOf = new Map();
  result.classes.forEach((c) => c.pupils.forEach((i) => classOf.set(i, c.number)));
  const numbers = new Set(result.classes.map((c) => c.number));
  const docs = [];
  for (const name of names) {
    const v = await verifyCompact(fromUtf8(members.get(name)), keyring, TYPES.amendment);
    checkAmendment(v.document);
    if (v.document.amends !== resultDigest) throw new Error(`${name} amends another result`);
    decoded.set(name, v.document);
    docs.push(v.document);
  }
  docs.sort((a, b) => a.seq - b.seq);
  docs.forEach((d, i) => {
    if (d.seq !== i + 1) throw new Error('amendment seq numbers are not 1, 2, …');
    for (const ch of d.changes) {
      if (classOf.get(ch.pupil) !== ch.from || !numbers.has(ch.to) || ch.to === ch.from) throw new Error(`amendment ${d.seq}: change of leaf ${ch.pupil}`);
      classOf.set(ch.pupil, ch.to);
    }
  });
  return `${docs.length}`;
}

async function logDocuments(entries, draw, annDigest, cer, resultDigest, cancelled) {
  const mine = entries.filter((e) => e.entry.draw === draw).map((e) => e.entry);
  const problems = [];
  const published = mine.filter((e) => e.event === 'announcement.published').map((e) => e.detail.digest);
  if (!published.includes(annDigest)) problems.push('the announcement is not logged');
  if (!cancelled && cer) {
    const ceremony = cer.document;
    const cerDigest = toHex(await documentDigest(ceremony));
    const lastPub = mine.map((e) => e.event === 'announcement.published' && e.detail.digest === annDigest).lastIndexOf(true);
    const after = mine.slice(lastPub);
    const witnesses = after.filter((e) => e.event === 'witness.entered');
    if (witnesses.length !== ceremony.witnesses.length) problems.push('witness entries differ from the ceremony');
    witnesses.forEach((e, i) => {
      const w = ceremony.witnesses[i];
      if (!w || e.detail.input !== w.input || e.detail.role !== w.role || e.time !== w.entered_at) problems.push(`witness ${i} differs from the ceremony`);
    });
    const revealed = after.find((e) => e.event === 'seed.revealed');
    if (!revealed || revealed.detail.digest !== cerDigest || revealed.time !== ceremony.revealed_at) problems.push('seed.revealed differs from the ceremony');
    for (const ev of ['draw.performed', 'result.signed']) {
      const e = after.find((x) => x.event === ev);
      if (!e || e.detail.digest !== resultDigest) problems.push(`${ev} does not name the signed result`);
    }
    for (const e of after.filter((x) => ['sheets.printed', 'bundle.exported'].includes(x.event))) {
      if (e.detail.digest !== resultDigest) problems.push(`${e.event} names another result`);
    }
  }
  return { ok: problems.length === 0, detail: problems.slice(0, 3).join('; ') };
}

export { fromHex, parseJson };
