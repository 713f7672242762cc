// The table of incidents beside the map: the match, newest first, a page at
// a time (the server's cursor); the other columns sort the page shown. A row
// opens its incident on the map, and the incident opened on the map is
// marked in the table.
(function () {
  'use strict';
  var IM = window.IM;
  var PAGE = 50;
  var $ = function (id) { return document.getElementById(id); };
  var cursors = [null];
  var at = 0;
  var rows = [];
  var matched = 0;
  var sortKey = 'event_date';
  var sortDir = -1;
  var selected = null;
  var seq = 0;

  function value(f, k) {
    var p = f.properties;
    if (k === 'event_type') { return IM.typeLabel(p.event_type); }
    if (k === 'fatalities') { return p.fatalities || 0; }
    return p[k] == null ? '' : String(p[k]);
  }
  function fetchPage() {
    var n = ++seq;
    var extra = { limit: PAGE };
    if (cursors[at]) { extra.cursor = cursors[at]; }
    if (IM.state().event_type === 'none') { rows = []; matched = 0; render(); return Promise.resolve(); }
    return IM.getJSON('/api/v1/incidents?' + IM.query(extra)).then(function (fc) {
      if (n !== seq) { return; }
      rows = fc.features;
      matched = fc.numberMatched;
      var next = (fc.links || []).filter(function (l) { return l.rel === 'next'; })[0];
      cursors[at + 1] = next ? new URL(next.href, location.href).searchParams.get('cursor') : null;
      render();
    });
  }
  function render() {
    var body = $('table-body');
    body.textContent = '';
    var list = rows.slice();
    if (sortKey !== 'event_date' || sortDir !== -1) {
      list.sort(function (a, b) {
        var x = value(a, sortKey), y = value(b, sortKey);
        return (x < y ? -1 : x > y ? 1 : 0) * sortDir;
      });
    }
    list.forEach(function (f) {
      var p = f.properties;
      var tr = IM.el('tr');
      tr.tabIndex = 0;
      tr.dataset.id = f.id;
      tr.setAttribute('aria-selected', String(f.id === selected));
      var type = IM.el('td');
      var sw = IM.el('span', null, 'swatch');
      sw.style.background = IM.COLOR[p.event_type] || '#555';
      type.append(sw, ' ' + IM.typeLabel(p.event_type));
      tr.append(IM.el('td', p.event_date), type, IM.el('td', p.location), IM.el('td', p.region_name || ''), IM.el('td', p.fatalities, 'num'), IM.el('td', p.source || ''));
      var open = function () { IM.openIncident(f, true); };
      tr.addEventListener('click', open);
      tr.addEventListener('keydown', function (e) { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); open(); } });
      body.appendChild(tr);
    });
    $('table-caption').textContent = IM.t('tableCaption', { from: IM.num(rows.length ? at * PAGE + 1 : 0), to: IM.num(at * PAGE + rows.length), n: IM.num(matched) });
    $('page-prev').disabled = at === 0;
    $('page-next').disabled = !cursors[at + 1];
    document.querySelectorAll('#incidents-table th').forEach(function (th) {
      if (th.dataset.key === sortKey) { th.setAttribute('aria-sort', sortDir < 0 ? 'descending' : 'ascending'); } else { th.removeAttribute('aria-sort'); }
    });
  }
  document.querySelectorAll('#incidents-table th button').forEach(function (b) {
    b.addEventListener('click', function () {
      var k = b.parentNode.dataset.key;
      sortDir = k === sortKey ? -sortDir : (k === 'event_date' || k === 'fatalities' ? -1 : 1);
      sortKey = k;
      render();
    });
  });
  $('page-prev').addEventListener('click', function () { if (at > 0) { at--; fetchPage(); } });
  $('page-next').addEventListener('click', function () { if (cursors[at + 1]) { at++; fetchPage(); } });

  IM.table = {
    reload: function () { cursors = [null]; at = 0; return fetchPage(); },
    render: render,
    select: function (id) {
      selected = id;
      document.querySelectorAll('#table-body tr').forEach(function (tr) {
        var on = tr.dataset.id === id;
        tr.setAttribute('aria-selected', String(on));
        if (on) { tr.scrollIntoView({ block: 'nearest' }); }
      });
    }
  };
})();
