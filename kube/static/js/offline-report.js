/* Offline monthly reports for group leaders (loaded on the leader's home and report form only).
 *
 * - Registers the service worker (/sw.js), which keeps these pages so they open without signal,
 *   and asks it to keep this page and the form the page links to first.
 * - Sends the report form with fetch, each filled form with its own Idempotency-Key. When there is
 *   no signal the report is kept in IndexedDB and the page says so; it is sent when the signal
 *   returns (the `online` event) and on every later open of a leader page: a fresh copy of the
 *   form gives a current CSRF token, and the same key makes the server store it once however often
 *   it arrives. If the server asks to confirm an unusual figure, the report waits for the leader:
 *   the next open of its form shows the server's question with the figures filled in.
 * - Online, the server's answer is shown as the page (after a redirect too, with its message), so
 *   the form behaves as it does without JavaScript.
 * All words come from data- attributes of #offline-status, translated by the server.
 */
(function () {
  'use strict';

  var status = document.getElementById('offline-status');
  if (!status || !window.fetch || !window.indexedDB || !window.Promise) { return; }

  var DB_NAME = 'kube-offline';
  var STORE = 'reports';
  /* Waiting: never answered (no signal). Check: the server answered without storing it. */
  var WAITING = 'waiting';
  var CHECK = 'check';
  var NOT_SENT = ['csrf_token', 'idempotency_key', 'submit'];
  var REVIEWED = 'kube-offline-reviewed';
  var words = status.dataset;
  var revenue = document.querySelector('form [name="revenue"]');
  var form = revenue ? revenue.form : null;
  var thisReport = words.group && words.period ? words.group + '/' + words.period : null;

  // -- IndexedDB: one kept report per group and month (the latest figures win) ----------------

  function openDb() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = function () { request.result.createObjectStore(STORE, {keyPath: 'id'}); };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function withStore(mode, work) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var transaction = db.transaction(STORE, mode);
        var request = work(transaction.objectStore(STORE));
        transaction.oncomplete = function () { db.close(); resolve(request ? request.result : undefined); };
        transaction.onerror = transaction.onabort = function () { db.close(); reject(transaction.error); };
      });
    });
  }

  function allKept() { return withStore('readonly', function (store) { return store.getAll(); }); }
  function keep(report) { return withStore('readwrite', function (store) { return store.put(report); }); }
  function forget(id) { return withStore('readwrite', function (store) { return store.delete(id); }); }
  function kept(id) { return withStore('readonly', function (store) { return store.get(id); }); }

  // -- helpers ----------------------------------------------------------------------------------

  function say(text) { status.textContent = text || ''; }

  function newKey() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join('');
  }

  function pathOf(url) { return new URL(url, location.href).pathname; }

  function toLogin(response) { return pathOf(response.url) === words.login; }

  /* The form's values as [name, value] pairs, without the CSRF token, the key and the button. */
  function typedFields() {
    var pairs = [];
    new FormData(form).forEach(function (value, name) {
      if (NOT_SENT.indexOf(name) < 0 && typeof value === 'string') { pairs.push([name, value]); }
    });
    return pairs;
  }

  /* The figures a key stands for: the confirmation tick is not part of them (the server agrees). */
  function figures(fields) {
    return JSON.stringify(fields.filter(function (pair) { return pair[0] !== 'confirmed'; }));
  }

  function parse(html) { return new DOMParser().parseFromString(html, 'text/html'); }

  /* Show the server's answer as this page, as a browser does after posting a form. */
  function showPage(response, html) {
    if (response.url && response.url !== location.href) { history.replaceState(null, '', response.url); }
    document.open();
    document.write(html);
    document.close();
  }

  function post(report, token) {
    var body = new URLSearchParams();
    report.fields.forEach(function (pair) { body.append(pair[0], pair[1]); });
    body.append('csrf_token', token);
    body.append('idempotency_key', report.key);
    return fetch(report.url, {method: 'POST', body: body, credentials: 'same-origin', cache: 'no-store',
                              headers: {'Idempotency-Key': report.key}});
  }

  /* A current CSRF token from a fresh copy of the report's form; null when logged out. */
  function freshToken(report) {
    return fetch(report.url, {credentials: 'same-origin', cache: 'no-store'}).then(function (response) {
      if (toLogin(response)) { return null; }
      return response.text().then(function (html) {
        var input = parse(html).querySelector('input[name="csrf_token"]');
        return input ? input.value : null;
      });
    });
  }

  // -- sending kept reports ---------------------------------------------------------------------

  /* Send one kept report; resolves to 'sent', 'check', 'login' or 'later' (no signal, try again). */
  function sendKept(report) {
    return freshToken(report).then(function (token) {
      if (token === null) { return 'login'; }
      return post(report, token).then(function (response) {
        if (toLogin(response)) { return 'login'; }
        if (response.redirected) { return forget(report.id).then(function () { return 'sent'; }); }
        if (response.status === 200 || response.status === 422) {
          // Asked to confirm an unusual figure, or refused: the leader decides on the next open.
          report.state = CHECK;
          return keep(report).then(function () { return 'check'; });
        }
        return 'later';  // a server error or an expired token: the next try fetches a new one
      });
    }).catch(function () { return 'later'; });
  }

  var sending = false;

  function sendAllKept() {
    if (sending || !navigator.onLine) { return Promise.resolve(); }
    sending = true;
    return allKept().then(function (reports) {
      var waiting = reports.filter(function (report) { return report.state === WAITING; });
      if (!waiting.length) { return []; }
      say(words.sending);
      return waiting.reduce(function (done, report) {
        return done.then(function (messages) {
          return sendKept(report).then(function (outcome) {
            if (outcome === 'sent') { messages.push(report.sentText); }
            if (outcome === 'check') { messages.push(report.checkText); }
            if (outcome === 'login') { messages.push(words.relogin); }
            if (outcome === 'later') { messages.push(words.saved); }
            return messages;
          });
        });
      }, Promise.resolve([]));
    }).then(function (messages) {
      if (messages.length) { say(messages.filter(function (m, i) { return messages.indexOf(m) === i; }).join(' ')); }
      return showChecks();
    }).catch(function () { return null; }).then(function () { sending = false; });
  }

  /* On the home page: a link to each kept report the server did not take, so the leader can look at it. */
  function showChecks() {
    if (form) { return Promise.resolve(); }
    return allKept().then(function (reports) {
      reports.filter(function (report) { return report.state === CHECK; }).forEach(function (report) {
        if (document.querySelector('a[data-kept="' + report.id + '"]')) { return; }
        var line = document.createElement('span');
        line.textContent = ' ' + report.checkText + ' ';
        var link = document.createElement('a');
        link.href = report.url;
        link.textContent = words.open;
        link.setAttribute('data-kept', report.id);
        status.appendChild(line);
        status.appendChild(link);
      });
    });
  }

  // -- the report form --------------------------------------------------------------------------

  function fill(fields) {
    fields.forEach(function (pair) {
      var element = form.elements[pair[0]];
      if (!element || element.type === 'hidden') { return; }
      if (element.type === 'checkbox') { element.checked = true; } else { element.value = pair[1]; }
      element.dispatchEvent(new Event('input', {bubbles: true}));
    });
  }

  /* The report as typed; its key is the kept one when the same figures wait unanswered (a resend), else new. */
  function reportFromForm() {
    var fields = typedFields();
    return kept(thisReport).then(function (earlier) {
      var resend = earlier && earlier.state === WAITING && figures(earlier.fields) === figures(fields);
      var url = new URL(form.action || location.href);
      url.searchParams.set('period', words.period);  // the month stays the one on screen, whenever it is sent
      return {id: thisReport, group: words.group, period: words.period, url: url.href,
              fields: fields, key: resend ? earlier.key : newKey(), savedAt: new Date().toISOString(),
              state: WAITING, sentText: words.sent, checkText: words.check};
    });
  }

  function keepForLater(report) {
    return keep(report).then(function () {
      say(words.saved);
      status.scrollIntoView({block: 'center'});  // the button was at the bottom of a phone's screen
    });
  }

  function submitted(event) {
    event.preventDefault();
    var button = form.querySelector('[type="submit"]');
    if (button) { button.disabled = true; }
    var token = form.querySelector('input[name="csrf_token"]');
    reportFromForm().then(function (report) {
      if (!navigator.onLine || !token) { return keepForLater(report); }
      return post(report, token.value).then(function (response) {
        return response.text().then(function (html) {
          var done = response.redirected && !toLogin(response) ? forget(report.id) : Promise.resolve();
          return done.then(function () { showPage(response, html); });
        });
      }, function () { return keepForLater(report); });  // the signal dropped: kept, sent later
    }).catch(function () {
      form.removeEventListener('submit', submitted);
      form.submit();  // IndexedDB refused (private mode, full disk): post as without JavaScript
    }).then(function () { if (button) { button.disabled = false; } });
  }

  /* A kept report of this form the server did not take: fill it in and ask the server's question again. */
  function reviewKept() {
    return kept(thisReport).then(function (report) {
      if (!report || report.state !== CHECK) { return null; }
      say(report.checkText);
      var asked = sessionStorage.getItem(REVIEWED) === report.key;
      if (asked || form.querySelector('input[name="confirmed"]') || !navigator.onLine) {
        if (!asked) { fill(report.fields); }
        return null;
      }
      var token = form.querySelector('input[name="csrf_token"]');
      report.key = newKey();  // the old key was answered without storing anything
      // Asked once: the answer shown below runs this script again, which must not post again.
      sessionStorage.setItem(REVIEWED, report.key);
      return keep(report).then(function () {
        return post(report, token.value);
      }).then(function (response) {
        return response.text().then(function (html) {
          var done = response.redirected ? forget(report.id) : Promise.resolve();
          return done.then(function () { showPage(response, html); });
        });
      }).catch(function () { fill(report.fields); });
    });
  }

  // -- start ------------------------------------------------------------------------------------

  function register() {
    if (!('serviceWorker' in navigator) || !window.MessageChannel) { return; }
    navigator.serviceWorker.register(words.worker, {scope: '/'}).catch(function () { return null; });
    navigator.serviceWorker.ready.then(function (registration) {
      var firstForm = document.querySelector('a[href*="/reports/form"]');
      var urls = [location.href, words.home];
      if (firstForm) { urls.push(firstForm.href); }
      var channel = new MessageChannel();
      channel.port1.onmessage = function () { status.setAttribute('data-offline-ready', 'true'); };
      var worker = registration.active || registration.waiting || registration.installing;
      worker.postMessage({type: 'keep-pages', urls: urls, fresh: navigator.serviceWorker.controller ? [] : [location.href]},
                         [channel.port2]);
    });
  }

  if (form && thisReport) { form.addEventListener('submit', submitted); }
  window.addEventListener('online', sendAllKept);
  register();
  (form && thisReport ? reviewKept() : Promise.resolve()).catch(function () { return null; })
    .then(sendAllKept).then(function () {
      if (navigator.onLine) { return null; }
      return allKept().then(function (reports) {
        if (reports.some(function (report) { return report.state === WAITING; })) { say(words.saved); }
        return showChecks();
      });
    });
}());
