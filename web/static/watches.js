// Watches on the map: with a token in this browser session (the review
// screen keeps the editor's), the panel lists the caller's watches
// (/api/v1/watches), saves the current filters as a new one and deletes
// one. Without a token, or when the server refuses it, the panel stays
// hidden: watches belong to a token.
(function () {
  'use strict';
  var IM = window.IM, $ = IM.$, t = IM.t, el = IM.el;
  var secret = '';
  try { secret = sessionStorage.getItem('incidentmap-token') || ''; } catch (e) { /* storage off */ }
  var list = [];

  function api(method, path, body) {
    var init = { method: method, headers: { Authorization: 'Bearer ' + secret, Accept: 'application/json' } };
    if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers['Content-Type'] = 'application/json';
    }
    return fetch('/api/v1/watches' + path, init).then(function (r) {
      if (r.status === 204) { return null; }
      return r.json().then(function (j) {
        if (!r.ok) { var e = new Error(j.detail || r.statusText); e.status = r.status; throw e; }
        return j;
      });
    });
  }
  // readable is a filter's query string as a person reads it.
  function readable(q) {
    try { return decodeURIComponent(q.replace(/\+/g, ' ')).replace(/&/g, ' · '); } catch (e) { return q; }
  }
  function status(s) { $('watch-status').textContent = s || ''; }

  function render() {
    var ul = $('watch-list');
    ul.textContent = '';
    list.forEach(function (w) {
      var li = el('li');
      li.dataset.id = w.id;
      var name = el('strong', w.name);
      var filter = el('span', w.filter ? readable(w.filter) : t('watchEverything'), 'hint watch-filter');
      var feed = el('a', t('watchFeed'));
      feed.href = w.feed;
      var del = el('button', t('watchDelete'), 'watch-delete');
      del.type = 'button';
      del.setAttribute('aria-label', t('watchDelete') + ' ' + w.name);
      del.addEventListener('click', function () {
        api('DELETE', '/' + encodeURIComponent(w.id)).then(function () { status(t('watchDeleted', { name: w.name })); return reload(); })
          .catch(function (e) { status(e.message); });
      });
      li.append(name, ' ', feed, ' ', del, el('br'), filter);
      ul.appendChild(li);
    });
    $('watch-empty').hidden = list.length > 0;
  }

  function reload() {
    return api('GET', '').then(function (j) {
      list = j.watches || [];
      $('watches').hidden = false;
      render();
    });
  }

  $('watch-form').addEventListener('submit', function (e) {
    e.preventDefault();
    var name = $('watch-name').value.trim();
    if (!name) { return; }
    api('POST', '', { name: name, filter: IM.query() }).then(function (w) {
      $('watch-name').value = '';
      status(t('watchCreated', { name: w.name }));
      return reload();
    }).catch(function (err) { status(err.message); });
  });

  IM.watches = { render: render, reload: reload, list: function () { return list.slice(); } };
  if (secret) { reload().catch(function () { $('watches').hidden = true; }); }
})();
