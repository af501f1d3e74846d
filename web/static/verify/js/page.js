// The verify page: reads the fragment in the browser only, verifies, renders.
// No network request ever carries the fragment: the page fetches only keyring.json,
// portal.json and (when asked) a record bundle.
import { Keyring } from './keyring.js';
import { referenceMember, verifyFragment } from './link.js';
import { verifyCompact, verifyGeneral } from './jws.js';
import { has, language, setLanguage, t } from './i18n.js';
import { TEXT as CHANGED, supersession } from './superseded.js';

const $ = (id) => document.getElementById(id);
const state = { link: null, replay: null, portal: null, trust: 'same-site' };

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  if (attrs) for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const c of children) if (c !== null && c !== undefined) e.append(c instanceof Node ? c : String(c));
  return e;
}

async function fetchJson(url) {
  const r = await fetch(url, { credentials: 'omit', referrerPolicy: 'no-referrer' });
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return r.json();
}

// Which keyring the page trusts (§23.2): the keyring.json of the site that served it,
// unless the reader chose a file. The page says which, with the fingerprints.
let keyringPromise = null;
function keyring() {
  if (!keyringPromise) {
    keyringPromise = fetchJson('keyring.json').then((j) => Keyring.parse(j));
    keyringPromise.then(renderTrust, () => {});
  }
  return keyringPromise;
}

async function renderTrust() {
  let ring;
  try {
    ring = await keyring();
  } catch {
    return;
  }
  $('trust-title').textContent = t('trust_title');
  $('trust-file-label').textContent = t('trust_file');
  $('trust-source').textContent = state.trust === 'same-site' ? t('trust_same_site', { origin: window.location.origin }) : t('trust_chosen');
  $('trust').dataset.source = state.trust;
  $('trust').dataset.fingerprint = ring.fingerprint;
  const dl = $('trust-keys');
  dl.replaceChildren(el('dt', null, t('trust_ring')), el('dd', { class: 'mono', id: 'trust-fingerprint' }, ring.fingerprint));
  for (const k of ring.keys) dl.append(el('dt', null, `${k.role} · ${k.label}`), el('dd', { class: 'mono' }, `${k.name} ${k.fingerprint}`));
}

function knownAnnouncements() {
  try {
    return new Map(Object.entries(JSON.parse(localStorage.getItem('announcements') || '{}')));
  } catch {
    return new Map();
  }
}

function remember(doc) {
  try {
    const all = Object.fromEntries(knownAnnouncements());
    all[doc.draw_id] = { root: doc.roster.root, size: doc.roster.size };
    localStorage.setItem('announcements', JSON.stringify(all));
  } catch { /* private mode: nothing remembered */ }
}

// The checkers' own detail is English library text ("base64url: non-canonical padding
// bits"): the English view adds it to the reason, the Chinese view says only its own words.
function englishDetail(detail) {
  return language() === 'en' && detail ? detail : '';
}

function reasonText(code, detail) {
  const key = `e_${code}`;
  const base = has(key) ? t(key) : t('e_internal');
  const more = englishDetail(detail);
  return more ? `${base} (${more})` : base;
}

function facts(rows) {
  const dl = el('dl', { class: 'facts' });
  for (const [k, v, mono] of rows) {
    if (v === undefined || v === null || v === '') continue;
    dl.append(el('dt', null, t(k)), el('dd', mono ? { class: 'mono' } : null, v));
  }
  return dl;
}

function signatureRows(sig) {
  return [['signed_on', sig.day], ['key', sig.kid, true], ['fingerprint', sig.keyId, true], ['key_holder', sig.label]];
}

function renderStatement(doc, res) {
  const m = doc.pupils.filter((p) => p[1] === 'M').length;
  const table = el('table', { class: 'names', id: 'names' },
    el('thead', null, el('tr', null, el('th', null, t('no')), el('th', null, t('name')), el('th', null, t('sex')))));
  const body = el('tbody');
  doc.pupils.forEach(([name, sex], i) => {
    body.append(el('tr', null, el('td', { class: 'n' }, i + 1), el('td', { class: 'pupil' }, name), el('td', null, t(sex === 'M' ? 'male' : 'female'))));
  });
  table.append(body);
  return [
    facts([['school', doc.school], ['intake', doc.intake], ['class', doc.label], ['head_teacher', doc.head_teacher],
      ['draw', doc.draw, true], ...signatureRows(res.signature), ['result', doc.result.slice(0, 16), true]]),
    el('h2', null, t('pupils')),
    el('p', null, t('count', { m, f: doc.pupils.length - m, n: doc.pupils.length })),
    table,
  ];
}

function renderAnnouncement(doc, res) {
  return [facts([['school', doc.school], ['intake', doc.intake], ['draw', doc.draw_id, true], ['scheduled', doc.scheduled],
    ['roster_size', doc.roster.size], ['roster_root', doc.roster.root, true], ['teams', doc.teams.count],
    ['seed_commitment', doc.seed_commitment, true], ['beacon', doc.beacon || t('none')], ['digest', res.digest, true],
    ...signatureRows(res.signature)])];
}

function renderCeremony(doc, res) {
  const list = el('ul');
  for (const w of doc.witnesses) list.append(el('li', null, `${w.role} ${w.name}: “${w.input}” (${w.entered_at})`));
  return [facts([['revealed_at', doc.revealed_at], ['digest', doc.announcement.slice(0, 16), true],
    ['server_seed', doc.server_seed, true], ['final_seed', doc.final_seed, true],
    ['beacon', doc.beacon ? `${doc.beacon.round}: ${doc.beacon.value}` : t('none')], ...signatureRows(res.signature)]),
  el('h2', null, t('witnesses')), list];
}

function renderReceipt(r, classVerified = false) {
  const name = r.leaf.name !== undefined ? r.leaf.name : (r.private && r.private.name);
  if (r.exception !== undefined) { // a pupil added after the draw (§E6): no place in the roster
    return [facts([['name', name], ['sex', t(r.leaf.sex === 'M' ? 'male' : 'female')], ['draw', r.draw, true],
      ['added', t('added_by', { n: r.exception })], [classVerified ? 'placed_class' : 'class_unsigned', r.class ? r.class.label : t('none')]])];
  }
  return [facts([['name', name], ['sex', t(r.leaf.sex === 'M' ? 'male' : 'female')], ['draw', r.draw, true],
    [classVerified ? 'class' : 'class_unsigned', r.class ? r.class.label : t('none')], ['place', t('of', { i: r.index + 1, n: r.size })],
    ['roster_root', r.root, true]])];
}

function renderChecks(list, target) {
  target.replaceChildren();
  for (const c of list) {
    const li = el('li', { class: c.ok === null ? 'skip' : c.ok ? 'ok' : 'bad', 'data-check': c.id }, has(`c_${c.id}`) ? t(`c_${c.id}`) : (c.label || c.id));
    if (englishDetail(c.detail)) li.append(el('span', { class: 'detail', lang: 'en' }, c.detail));
    target.append(li);
  }
}

function renderLink() {
  const res = state.link;
  const box = $('verdict');
  const details = $('details');
  details.replaceChildren();
  if (!res) {
    box.className = 'verdict idle';
    $('mark').textContent = '?';
    $('headline').textContent = t('title');
    $('reason').textContent = t('nothing');
    details.hidden = true;
    $('checks-box').hidden = true;
    return;
  }
  box.className = `verdict ${res.ok ? 'ok' : 'bad'}`;
  box.dataset.result = res.ok ? 'ok' : 'bad';
  $('mark').textContent = res.ok ? '✓' : '✗';
  $('headline').textContent = res.ok ? t(`ok_${res.kind === 'class-statement' ? 'statement' : res.kind}`) : t('bad');
  $('reason').textContent = res.ok
    ? t(res.reference ? 'ok_reference_hint' : res.kind === 'receipt' ? 'ok_receipt_hint' : res.kind === 'class-statement' ? 'ok_statement_hint' : 'privacy')
    : `${reasonText(res.code, res.detail)}。${t('bad_hint')}`;
  $('reason').dataset.code = res.ok ? '' : res.code;
  if (res.ok) {
    const doc = res.document;
    const parts = res.kind === 'class-statement' ? renderStatement(doc, res)
      : res.kind === 'announcement' ? renderAnnouncement(doc, res)
        : res.kind === 'ceremony' ? renderCeremony(doc, res)
          : res.kind === 'receipt' ? renderReceipt(res.receipt, res.classVerified)
            : [facts(signatureRows(res.signature))];
    details.append(...parts);
    details.hidden = false;
  } else if (res.kind === 'receipt' && res.receipt) {
    details.append(...renderReceipt(res.receipt));
    details.hidden = false;
  } else {
    details.hidden = true;
  }
  if (res.ok && res.superseded) details.prepend(renderSuperseded(res.superseded));
  box.dataset.superseded = res.ok && res.superseded ? 'true' : 'false';
  renderChecks(res.checks, $('checks'));
  $('checks-box').hidden = false;
}

// The scanned list was replaced by an approved exception (spec Part E): say when and
// why, and show the current signed list.
function renderSuperseded(sup) {
  const L = CHANGED[language()] || CHANGED.zh;
  const table = el('table', { class: 'names', id: 'current-names' },
    el('thead', null, el('tr', null, el('th', null, t('no')), el('th', null, t('name')), el('th', null, t('sex')))));
  const body = el('tbody');
  sup.latest.pupils.forEach(([name, sex], i) => {
    body.append(el('tr', null, el('td', { class: 'n' }, i + 1), el('td', { class: 'pupil' }, name), el('td', null, t(sex === 'M' ? 'male' : 'female'))));
  });
  table.append(body);
  return el('section', { id: 'superseded', class: 'superseded' },
    el('h2', null, L.title),
    ...sup.steps.map((s) => el('p', { class: 'change', 'data-exception': s.number }, L.changed(s))),
    el('p', null, L.note),
    el('h2', null, L.current(sup.latest.version)),
    facts([['class', sup.latest.label], ['head_teacher', sup.latest.head_teacher]]),
    table);
}

function renderReplay() {
  const r = state.replay;
  const box = $('replay-verdict');
  if (!r) {
    box.hidden = true;
    $('replay-checks').replaceChildren();
    return;
  }
  box.hidden = false;
  box.className = `verdict small ${r.running ? 'pending' : r.ok ? 'ok' : 'bad'}`;
  box.dataset.result = r.running ? 'running' : r.ok ? 'ok' : 'bad';
  box.replaceChildren(el('div', { class: 'mark' }, r.running ? '…' : r.ok ? '✓' : '✗'),
    el('p', { class: 'headline' }, r.running ? t('replay_running') : t(r.ok ? 'replay_ok' : 'replay_bad')));
  renderChecks((r.checks || []).map((c) => ({ id: c.id, ok: c.ok, label: language() === 'zh' ? c.zh : c.en, detail: c.detail })), $('replay-checks'));
}

function renderStatic() {
  document.title = t('title');
  $('title').textContent = t('title');
  $('lang').textContent = t('switch');
  $('checks-title').textContent = t('checks');
  $('replay-title').textContent = t('replay_title');
  $('replay-intro').textContent = t('replay_intro');
  $('replay-file-label').textContent = t('replay_file');
  $('replay-url-label').textContent = t('replay_url');
  $('replay-go').textContent = t('replay_go');
  $('complaint-title').textContent = t('complaint');
  $('privacy').textContent = t('privacy');
  const p = state.portal || {};
  $('hotline').textContent = p.hotline ? `${t('hotline')}：${p.hotline}` : '';
  const procedure = language() === 'zh' ? p.procedure_zh : p.procedure_en;
  $('procedure').textContent = procedure || (language() === 'zh' ? t('complaint_generic_zh') : t('complaint_generic_en'));
}

function renderAll() {
  renderStatic();
  renderLink();
  renderReplay();
}

async function verifyCurrent() {
  const hash = window.location.hash;
  if (!hash || hash === '#') {
    state.link = null;
    renderLink();
    return;
  }
  const started = performance.now();
  let ring;
  try {
    ring = await keyring();
  } catch (e) {
    state.link = { ok: false, kind: 'unknown', code: e && e.code === 'ed25519' ? 'ed25519' : 'keyring', detail: e && e.message, checks: [{ id: 'signature', ok: false }] };
    renderLink();
    document.body.dataset.verified = String(Date.now());
    return;
  }
  state.link = await verifyFragment(hash, ring, knownAnnouncements());
  if (state.link.kind === 'reference') state.link = await resolveReference(state.link.reference, ring);
  if (state.link.ok && state.link.kind === 'class-statement') {
    try {
      state.link.superseded = await supersession(state.link.document, await fetchJson('changes.json'), ring);
    } catch { /* no index (offline, or not published): the scanned list is shown as signed */ }
  }
  if (state.link.ok && state.link.kind === 'announcement') remember(state.link.document);
  renderLink();
  const ms = performance.now() - started;
  window.verifyTiming = { ms, hash: hash.length };
  document.body.dataset.verified = String(Date.now());
}

// A v2 code names a document by digest (§22): fetch the draw's public record, replay it in
// full, and show the document if it is in the record with that digest.
async function resolveReference(ref, ring) {
  const template = (state.portal && state.portal.records) || '../results/{draw}/public.zip';
  const checks = [{ id: 'link', ok: true }];
  let bytes;
  try {
    const r = await fetch(new URL(template.replace('{draw}', ref.draw), window.location.href), { credentials: 'omit', referrerPolicy: 'no-referrer' });
    if (!r.ok) throw new Error(`HTTP ${r.status}`);
    bytes = new Uint8Array(await r.arrayBuffer());
  } catch (e) {
    return { ok: false, kind: 'reference', code: 'record', detail: e && e.message, checks: [...checks, { id: 'reference', ok: false }] };
  }
  const { replayBundle } = await import('./replay.js');
  const { openBundle } = await import('./bundle.js');
  const { fromUtf8, toHex } = await import('./encoding.js');
  state.replay = await replayBundle(bytes, ring);
  renderReplay();
  if (!state.replay.ok) return { ok: false, kind: 'reference', code: 'record', detail: state.replay.checks.filter((c) => !c.ok).map((c) => c.id).join(', '), checks: [...checks, { id: 'reference', ok: false }] };
  const { members } = await openBundle(bytes);
  const name = referenceMember(ref.item);
  // §E5: a sheet reprinted after an exception names a later version of its class list
  const names = [name, ...[...members.keys()].filter((m) => m.startsWith(name.replace(/\.jws$/, '.v')) && m.endsWith('.jws')).sort()];
  let v = null;
  for (const n of names) {
    if (!members.has(n)) continue;
    const text = fromUtf8(members.get(n));
    const got = text.trim().startsWith('{') ? await verifyGeneral(text, ring) : await verifyCompact(text, ring);
    if (toHex(got.digest) === ref.digest || !v) v = got;
    if (toHex(got.digest) === ref.digest) break;
  }
  if (!v || toHex(v.digest) !== ref.digest || state.replay.draw !== ref.draw) {
    return { ok: false, kind: 'reference', code: 'reference', checks: [...checks, { id: 'reference', ok: false }] };
  }
  const sig = v.signatures[0];
  const kind = v.document.t.replace(/^sunshine-placement\/v[12]\//, '');
  return {
    ok: true, kind, document: v.document, digest: ref.digest, reference: true,
    signature: { kid: sig.kid, day: sig.day, iat: sig.iat, label: sig.key.label, role: sig.key.role, keyId: sig.key.fingerprint, name: sig.key.name },
    checks: [...checks, { id: 'reference', ok: true }],
  };
}

async function replay(source) {
  state.replay = { running: true };
  renderReplay();
  try {
    const { replayBundle } = await import('./replay.js');
    let bytes;
    if (source instanceof Blob) bytes = new Uint8Array(await source.arrayBuffer());
    else {
      const r = await fetch(new URL(source, window.location.href), { credentials: 'omit', referrerPolicy: 'no-referrer' });
      if (!r.ok) throw new Error(`HTTP ${r.status}`);
      bytes = new Uint8Array(await r.arrayBuffer());
    }
    state.replay = await replayBundle(bytes, await keyring());
  } catch (e) {
    state.replay = { ok: false, checks: [{ id: 'load', ok: false, zh: '读取记录包', en: 'read the bundle', detail: e && e.message }] };
  }
  renderReplay();
  window.replayResult = state.replay;
  document.body.dataset.replayed = String(Date.now());
}

function init() {
  let lang = 'zh';
  try {
    lang = localStorage.getItem('lang') || (new URLSearchParams(window.location.search).get('lang') === 'en' ? 'en' : 'zh');
  } catch { /* no storage */ }
  setLanguage(lang);
  $('lang').addEventListener('click', () => {
    setLanguage(language() === 'zh' ? 'en' : 'zh');
    try { localStorage.setItem('lang', language()); } catch { /* no storage */ }
    renderAll();
  });
  $('replay-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const file = $('replay-file').files[0];
    const url = $('replay-url').value.trim();
    if (file) replay(file);
    else if (url) replay(url);
  });
  $('trust-file').addEventListener('change', async () => {
    const file = $('trust-file').files[0];
    if (!file) return;
    keyringPromise = file.text().then((s) => Keyring.parse(JSON.parse(s)));
    state.trust = 'chosen';
    renderTrust();
    verifyCurrent();
  });
  $('replay-file').addEventListener('change', () => {
    const file = $('replay-file').files[0];
    if (file) replay(file);
  });
  window.addEventListener('hashchange', verifyCurrent);
  renderStatic();
  const portal = fetchJson('portal.json').then((p) => { state.portal = p; renderStatic(); }).catch(() => {});
  keyring().catch(() => {});
  const bundle = new URLSearchParams(window.location.search).get('bundle');
  portal.then(verifyCurrent).then(() => {
    if (bundle) {
      $('replay-url').value = bundle;
      replay(bundle);
    }
  });
  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.register('sw.js').then(() => navigator.serviceWorker.ready).then(() => {
      $('offline').textContent = t('offline_ready');
      document.body.dataset.offline = 'ready';
    }).catch(() => {});
  }
}

init();
