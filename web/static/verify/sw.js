// Service worker: the verify page keeps working offline after its first load.
// Scripts, styles and the page are served from the cache and refreshed in the
// background; keyring.json, portal.json and changes.json are fetched fresh when the network
// answers within 3 s, else taken from the cache. Nothing else is cached, and
// fragments never reach a service worker (they are not part of requests).
const CACHE = 'sunshine-verify-v1';
const ASSETS = [
  './', 'verify.css', 'keyring.json',
  'js/page.js', 'js/i18n.js', 'js/link.js', 'js/encoding.js', 'js/jcs.js', 'js/hash.js', 'js/merkle.js',
  'js/inflate.js', 'js/keyring.js', 'js/jws.js', 'js/documents.js', 'js/commitment.js', 'js/seed.js',
  'js/receipt.js', 'js/idcard.js', 'js/zip.js', 'js/bundle.js', 'js/log.js', 'js/structure.js',
  'js/deal.js', 'js/report.js', 'js/draw.js', 'js/replay.js', 'js/exceptions.js', 'js/text.js', 'js/superseded.js',
];
const FRESH = ['keyring.json', 'portal.json', 'changes.json'];

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    await cache.addAll(ASSETS);
    try {
      const r = await fetch('portal.json', { cache: 'no-cache' });
      if (r.ok) await cache.put('portal.json', r);
    } catch { /* optional */ }
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) if (key !== CACHE) await caches.delete(key);
    await self.clients.claim();
  })());
});

const scope = () => new URL(self.registration.scope);

function cacheKey(request) {
  const url = new URL(request.url);
  const base = scope();
  if (url.origin !== base.origin || !url.pathname.startsWith(base.pathname)) return null;
  const rel = url.pathname.slice(base.pathname.length);
  if (request.mode === 'navigate') return (rel === '' || rel === 'index.html') ? './' : null;
  if (url.search) return null;
  return ASSETS.includes(rel) || FRESH.includes(rel) ? rel : null;
}

function withTimeout(promise, ms) {
  return Promise.race([promise, new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), ms))]);
}

async function fresh(request, key) {
  const cache = await caches.open(CACHE);
  try {
    const response = await withTimeout(fetch(request), 3000);
    if (response.ok) await cache.put(key, response.clone());
    return response;
  } catch (e) {
    const cached = await cache.match(key);
    if (cached) return cached;
    throw e;
  }
}

async function staleWhileRevalidate(event, key) {
  const cache = await caches.open(CACHE);
  const cached = await cache.match(key);
  const update = fetch(event.request).then(async (response) => {
    if (response.ok && response.type === 'basic' && !response.redirected) await cache.put(key, response.clone());
    return response;
  });
  if (cached) {
    event.waitUntil(update.catch(() => {}));
    return cached;
  }
  return update;
}

self.addEventListener('fetch', (event) => {
  if (event.request.method !== 'GET') return;
  const key = cacheKey(event.request);
  if (!key) return;
  event.respondWith(FRESH.includes(key) ? fresh(event.request, key) : staleWhileRevalidate(event, key));
});
