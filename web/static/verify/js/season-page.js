// The season verification page: the site's public season bundle, or a file the reader picks.
import { verifySeason } from './season.js';

const verdict = document.getElementById('verdict');
const list = document.getElementById('checks');
let season = null;
let draw = null;

// S11: every pool entry's ticket, so a family finds its own (the entry is on its page).
function ticketList(tickets) {
  const details = document.createElement('details');
  const summary = document.createElement('summary');
  summary.textContent = '各条目的签号 Each entry\'s ticket';
  const ol = document.createElement('ol');
  for (const t of tickets) {
    const li = document.createElement('li');
    li.className = 'ticket';
    li.dataset.entry = t.entry;
    li.textContent = `${t.school} ${t.entry.slice(0, 16)}… → ${t.ticket.slice(0, 16)}…${t.won ? ' ✓ 中签 won' : ''}`;
    ol.append(li);
  }
  details.append(summary, ol);
  return details;
}

async function show(bytes) {
  season = bytes;
  verdict.textContent = '…';
  list.replaceChildren();
  let trusted = null;
  try {
    const r = await fetch('keyring.json');
    if (r.ok) trusted = await r.json();
  } catch { /* offline: the bundle's own keyring is used */ }
  const report = await verifySeason(bytes, trusted, draw);
  for (const c of report.checks) {
    const li = document.createElement('li');
    li.dataset.check = c.name;
    li.className = c.ok ? 'ok' : 'fail';
    li.textContent = `${c.ok ? '✓' : '✗'} ${c.name}: ${c.zh} / ${c.en}`;
    if (c.tickets && c.tickets.length) li.append(ticketList(c.tickets));
    list.append(li);
  }
  verdict.textContent = report.verified ? '✓ 核验通过 verified' : '✗ 未通过 not verified';
  verdict.className = report.verified ? 'ok' : 'fail';
}

document.getElementById('file').addEventListener('change', async (e) => {
  const f = e.target.files[0];
  if (f) show(new Uint8Array(await f.arrayBuffer()));
});

document.getElementById('draw').addEventListener('change', async (e) => {
  const f = e.target.files[0];
  draw = f ? new Uint8Array(await f.arrayBuffer()) : null;
  if (season) show(season);
});

fetch('../season/bundle.zip').then(async (r) => {
  if (r.ok) show(new Uint8Array(await r.arrayBuffer()));
  else verdict.textContent = '本站没有招生季记录包 / no season bundle on this site';
}).catch(() => { verdict.textContent = '离线 / offline'; });
