/* Kube's service worker (served at /sw.js by kube/pwa/views.py; scope: the whole site).
 *
 * A group leader's phone keeps copies of their home (/reports) and of the report forms they
 * opened, with the files these pages use, so the form opens without signal; offline-report.js
 * then keeps what was typed in IndexedDB and sends it later. Pages are fetched from the network
 * first (online users always see fresh pages, and each fresh copy replaces the kept one); a kept
 * copy is shown only when the network fails. Only pages the server marked with the header
 * {{ offline_header }} (a leader's own home and forms) are kept: never officer pages, nothing
 * under /api/, no POST. Logging out throws the kept pages away.
 */
'use strict';

var VERSION = {{ version|tojson }};
/* Pages outlive a deploy (a leader may be offline when it happens); bump the number to drop them. */
var PAGES = 'kube-pages-1';
var ASSETS = 'kube-assets-' + VERSION;
var PRECACHE = {{ assets|tojson }};
var OFFLINE_HEADER = {{ offline_header|tojson }};
var LOGOUT_PATH = {{ logout_url|tojson }};
/* On a patchy signal a page may hang for a minute; after this long the kept copy is shown. */
var NETWORK_TIMEOUT_MS = 10000;

self.addEventListener('install', function (event) {
  event.waitUntil(caches.open(ASSETS).then(function (cache) {
    // One missing file must not stop the worker from installing.
    return Promise.all(PRECACHE.map(function (url) { return cache.add(url).catch(function () { return null; }); }));
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener('activate', function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name.indexOf('kube-') === 0 && name !== PAGES && name !== ASSETS;
    }).map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

function sameOrigin(url) {
  return url.origin === self.location.origin;
}

function isApi(url) {
  return url.pathname === '/api' || url.pathname.indexOf('/api/') === 0;
}

/* Keep a page's fresh copy if the server marked it as a leader's offline page. */
function keepIfMarked(url, response) {
  if (response && response.ok && !response.redirected && response.headers.get(OFFLINE_HEADER) === 'keep') {
    var copy = response.clone();
    return caches.open(PAGES).then(function (cache) { return cache.put(url, copy); });
  }
  return Promise.resolve();
}

function kept(url) {
  return caches.open(PAGES).then(function (cache) { return cache.match(url); });
}

function networkFirst(event) {
  var url = event.request.url;
  var network = fetch(event.request);
  event.waitUntil(network.then(function (response) { return keepIfMarked(url, response); }, function () { return null; }));
  var timeout = new Promise(function (resolve) {
    setTimeout(function () { kept(url).then(function (copy) { if (copy) { resolve(copy); } }); }, NETWORK_TIMEOUT_MS);
  });
  var answer = network.catch(function () {
    return kept(url).then(function (copy) { return copy || Response.error(); });
  });
  return Promise.race([answer, timeout]);
}

function staleWhileRevalidate(event) {
  var request = event.request;
  return caches.open(ASSETS).then(function (cache) {
    return cache.match(request).then(function (cached) {
      var fresh = fetch(request).then(function (response) {
        if (response.ok) { return cache.put(request, response.clone()).then(function () { return response; }); }
        return response;
      });
      if (cached) {
        event.waitUntil(fresh.catch(function () { return null; }));
        return cached;
      }
      return fresh;
    });
  });
}

self.addEventListener('fetch', function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (!sameOrigin(url) || isApi(url)) { return; }  // the network answers, nothing is kept
  if (request.method !== 'GET') {
    if (request.method === 'POST' && url.pathname === LOGOUT_PATH) {
      // A shared phone: the next person must not find this leader's pages.
      event.waitUntil(caches.delete(PAGES));
    }
    return;
  }
  if (url.pathname.indexOf('/static/') === 0) {
    event.respondWith(staleWhileRevalidate(event));
    return;
  }
  event.respondWith(networkFirst(event));
});

/* A leader page asks to keep pages: `urls` when not kept yet (the home, the form it links to
 * first, so that form opens offline too), `fresh` even when kept (the page itself, loaded before
 * this worker took control). Replies on the message port once done. */
self.addEventListener('message', function (event) {
  var data = event.data || {};
  if (data.type !== 'keep-pages') { return; }
  var urls = (data.urls || []).map(function (text) { return new URL(text, self.location.origin); })
    .filter(function (url) { return sameOrigin(url) && !isApi(url); });
  var fresh = (data.fresh || []).map(function (text) { return new URL(text, self.location.origin).href; });
  var work = Promise.all(urls.map(function (url) {
    return kept(url.href).then(function (copy) {
      if (copy && fresh.indexOf(url.href) < 0) { return null; }  // kept already, and not asked to renew
      return fetch(url.href, {credentials: 'same-origin'}).then(function (response) {
        return keepIfMarked(url.href, response);
      }).catch(function () { return null; });
    });
  })).then(function () {
    if (event.ports && event.ports[0]) { event.ports[0].postMessage({type: 'kept'}); }
  });
  event.waitUntil(work);
});
