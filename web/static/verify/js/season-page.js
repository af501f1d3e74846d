// The season verification page: the site's public season bundle, or a file the reader picks.
import { verifySeason } from './season.js';

const verdict = document.getElementById('verdict');
const list = document.getElementById('checks');

async function show(bytes) {
  verdict.textContent = '…';
  list.replaceChildren();
  let trusted = null;
  try {
    const r = await fetch('keyring.json');
    if (r.ok) trusted = await r.json();
  } catch { /* offline: the bundle's own keyring is used */ }
  const report = await verifySeason(bytes, trusted);
  for (const c of report.checks) {
    const li = document.createElement('li');
    li.dataset.check = c.name;
    li.className = c.ok ? 'ok' : 'fail';
    li.textContent = `${c.ok ? '✓' : '✗'} ${c.name}: ${c.zh} / ${c.en}`;
    list.append(li);
  }
  verdict.textContent = report.verified ? '✓ 核验通过 verified' : '✗ 未通过 not verified';
  verdict.className = report.verified ? 'ok' : 'fail';
}

document.getElementById('file').addEventListener('change', async (e) => {
  const f = e.target.files[0];
  if (f) show(new Uint8Array(await f.arrayBuffer()));
});

fetch('../season/bundle.zip').then(async (r) => {
  if (r.ok) show(new Uint8Array(await r.arrayBuffer()));
  else verdict.textContent = '本站没有招生季记录包 / no season bundle on this site';
}).catch(() => { verdict.textContent = '离线 / offline'; });
