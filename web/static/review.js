// The review screen: editors check drafts extracted from reports, each
// field beside the words it came from, then accept, edit or reject them.
// It talks to /api/v1 with an editor token kept for the browser session.
(function () {
  'use strict';
  var $ = function (id) { return document.getElementById(id); };
  var secret = sessionStorage.getItem('incidentmap-token') || '';
  var fields = ['event_date', 'time_precision', 'event_type', 'sub_event_type', 'actor1', 'actor2', 'location', 'fatalities', 'fatalities_low', 'fatalities_high', 'notes'];
  var numeric = { time_precision: true, fatalities: true, fatalities_low: true, fatalities_high: true };
  var current = null, report = null, typology = [];
  var map = L.map('rv-map', { attributionControl: false }).setView([14, 5], 4);
  var marker = null, circle = null;

  function api(method, path, body, ctype) {
    var init = { method: method, headers: { Authorization: 'Bearer ' + secret } };
    if (body !== undefined) {
      init.body = typeof body === 'string' ? body : JSON.stringify(body);
      init.headers['Content-Type'] = ctype || 'application/json';
    }
    return fetch('api/v1' + path, init).then(function (r) {
      if (r.status === 204) { return null; }
      return r.json().then(function (j) {
        if (!r.ok) { throw new Error(j.detail || r.statusText); }
        return j;
      });
    });
  }
  function status(msg) { $('rv-status').textContent = msg || ''; }

  function loadDrafts() {
    if (!secret) { status('Enter an editor token to review drafts.'); return; }
    api('GET', '/drafts').then(function (j) {
      var ul = $('rv-drafts');
      ul.textContent = '';
      j.drafts.forEach(function (d) {
        var p = d.incident.properties;
        var li = document.createElement('li');
        var b = document.createElement('button');
        b.type = 'button';
        b.textContent = p.event_date + ' · ' + p.sub_event_type + ' · ' + (p.location || '?') + (d.possible_duplicates.length ? ' ⚠' : '');
        b.addEventListener('click', function () { show(d); });
        if (current && current.id === d.id) { b.setAttribute('aria-current', 'true'); }
        li.appendChild(b);
        ul.appendChild(li);
      });
      // What the last action said ("Published as …") stays until the next.
      if (!j.drafts.length) { status('No drafts waiting.'); }
    }).catch(function (e) { status(e.message); });
  }

  // renderReport writes the report with the spans of the draft's evidence
  // marked (characters, as the API counts them) and context greyed.
  function renderReport(focus) {
    var box = $('rv-report-text');
    box.textContent = '';
    if (!report) { return; }
    var chars = Array.from(report.text);
    var marks = new Array(chars.length + 1).fill(0);
    var focused = new Array(chars.length + 1).fill(false);
    var ev = current ? current.evidence : {};
    Object.keys(ev).forEach(function (f) {
      if (f === 'notes') { return; }
      ev[f].forEach(function (s) {
        for (var i = s[0]; i < s[1]; i++) { marks[i]++; if (f === focus) { focused[i] = true; } }
      });
    });
    var ctx = new Array(chars.length + 1).fill(false);
    report.context.forEach(function (c) { for (var i = c.span[0]; i < c.span[1]; i++) { ctx[i] = true; } });
    var i = 0;
    while (i < chars.length) {
      var j = i;
      while (j < chars.length && (marks[j] > 0) === (marks[i] > 0) && focused[j] === focused[i] && ctx[j] === ctx[i]) { j++; }
      var text = chars.slice(i, j).join('');
      var el;
      if (marks[i] > 0) {
        el = document.createElement('mark');
        if (focused[i]) { el.className = 'rv-focus'; }
        el.textContent = text;
      } else if (ctx[i]) {
        el = document.createElement('span');
        el.className = 'rv-context';
        el.title = 'background: no incident';
        el.textContent = text;
      } else {
        el = document.createTextNode(text);
      }
      box.appendChild(el);
      i = j;
    }
    var f = box.querySelector('.rv-focus');
    if (f) { f.scrollIntoView({ block: 'center' }); }
  }

  function show(d) {
    current = d;
    var p = d.incident.properties;
    var box = $('rv-fields');
    box.textContent = '';
    fields.forEach(function (f) {
      var label = document.createElement('label');
      label.textContent = f + ' ';
      var input;
      if (f === 'notes') {
        input = document.createElement('textarea');
        input.rows = 4;
      } else if (f === 'sub_event_type') {
        input = document.createElement('select');
        typology.forEach(function (t) {
          t.sub_event_types.forEach(function (s) {
            var o = document.createElement('option');
            o.value = o.textContent = s;
            input.appendChild(o);
          });
        });
      } else {
        input = document.createElement('input');
        input.type = numeric[f] ? 'number' : (f === 'event_date' ? 'date' : 'text');
      }
      input.name = f;
      input.value = p[f] === undefined || p[f] === null ? '' : p[f];
      if (f === 'event_type') { input.readOnly = true; }
      label.appendChild(input);
      if (d.evidence[f]) {
        var from = document.createElement('span');
        from.className = 'rv-from';
        from.textContent = ' ← from the report';
        from.addEventListener('click', function () { renderReport(f); });
        label.appendChild(from);
        input.addEventListener('focus', function () { renderReport(f); });
      }
      box.appendChild(label);
    });
    if (p.fatalities_by) {
      var by = document.createElement('p');
      by.textContent = 'fatalities by: ' + Object.keys(p.fatalities_by).map(function (k) { return k + ' ' + p.fatalities_by[k]; }).join(', ');
      box.appendChild(by);
    }
    var dups = $('rv-dups');
    dups.textContent = '';
    d.possible_duplicates.forEach(function (x) {
      var div = document.createElement('div');
      var a = document.createElement('a');
      a.textContent = x.id;
      if (x.kind === 'draft') {
        // An open draft of another report: open it here, beside its words.
        a.href = '#';
        a.addEventListener('click', function (ev) {
          ev.preventDefault();
          api('GET', '/drafts/' + encodeURIComponent(x.id)).then(show).catch(function (e) { status(e.message); });
        });
      } else {
        a.href = 'api/v1/incidents/' + encodeURIComponent(x.id);
      }
      var what = x.kind === 'draft' ? 'Possible duplicate draft of another report' : 'Possible duplicate';
      div.append(what + ' (score ' + x.score + '): ', a, ' — ' + x.reasons.join('; '));
      dups.appendChild(div);
    });
    $('rv-form').hidden = false;
    placeOnMap(d.incident);
    if (!report || report.id !== d.report_id) {
      api('GET', '/reports/' + encodeURIComponent(d.report_id)).then(function (r) { report = r; renderReport(); });
    } else {
      renderReport();
    }
    loadDrafts();
  }

  function placeOnMap(f) {
    if (marker) { map.removeLayer(marker); marker = null; }
    if (circle) { map.removeLayer(circle); circle = null; }
    if (!f.geometry) { return; }
    var ll = [f.geometry.coordinates[1], f.geometry.coordinates[0]];
    marker = L.marker(ll).addTo(map);
    var km = f.properties.uncertainty_km;
    if (km) {
      circle = L.circle(ll, { radius: km * 1000 }).addTo(map);
      map.fitBounds(circle.getBounds());
    } else {
      map.setView(ll, 9);
    }
  }

  $('rv-form').addEventListener('submit', function (ev) {
    ev.preventDefault();
    var props = {};
    var p = current.incident.properties;
    Array.prototype.forEach.call($('rv-form').elements, function (el) {
      if (!el.name || el.readOnly) { return; }
      var v = el.value;
      if (numeric[el.name]) { v = v === '' ? null : Number(v); }
      if (String(v === null ? '' : v) !== String(p[el.name] === undefined || p[el.name] === null ? '' : p[el.name])) { props[el.name] = v; }
    });
    if (props.sub_event_type) {
      typology.forEach(function (t) { if (t.sub_event_types.indexOf(props.sub_event_type) >= 0) { props.event_type = t.event_type; } });
    }
    api('PATCH', '/drafts/' + encodeURIComponent(current.id), { properties: props }, 'application/merge-patch+json')
      .then(function (d) { status('Saved.'); show(d); })
      .catch(function (e) { status(e.message); });
  });
  $('rv-accept').addEventListener('click', function () {
    api('POST', '/drafts/' + encodeURIComponent(current.id) + '/accept').then(function (f) {
      status('Published as ' + f.id + '.');
      current = null;
      $('rv-form').hidden = true;
      loadDrafts();
    }).catch(function (e) { status(e.message); });
  });
  $('rv-reject').addEventListener('click', function () {
    api('POST', '/drafts/' + encodeURIComponent(current.id) + '/reject').then(function () {
      status('Rejected.');
      current = null;
      $('rv-form').hidden = true;
      loadDrafts();
    }).catch(function (e) { status(e.message); });
  });
  $('rv-token').addEventListener('submit', function (ev) {
    ev.preventDefault();
    secret = $('rv-secret').value.trim();
    sessionStorage.setItem('incidentmap-token', secret);
    loadDrafts();
  });
  $('rv-extract').addEventListener('submit', function (ev) {
    ev.preventDefault();
    var q = '?published=' + encodeURIComponent($('rv-published').value) + '&source=' + encodeURIComponent($('rv-source').value);
    api('POST', '/extract' + q, $('rv-text').value, 'text/plain').then(function (j) {
      status(j.message || (j.drafts.length + ' draft(s) to review.'));
      $('rv-text').value = '';
      loadDrafts();
    }).catch(function (e) { status(e.message); });
  });

  fetch('api/v1/typology').then(function (r) { return r.json(); }).then(function (t) { typology = t; });
  $('rv-published').value = new Date().toISOString().slice(0, 10);
  loadDrafts();
}());
