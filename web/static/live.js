// Live: the map listens to /api/v1/stream with its filters, and shows each
// incident that comes into them as it is stored, ringed for a while; the
// counts and markers are then read again. The stream resumes by itself
// (EventSource sends Last-Event-ID), and follows the filters as they change.
(function () {
  'use strict';
  var IM = window.IM;
  if (!IM || !window.EventSource) { return; }
  var RING_MS = 10000; // how long a new incident stays ringed
  var rings = L.layerGroup().addTo(IM.map);
  var source = null;
  var listening = null;
  var reload = null;
  var arrived = [];

  function ring(f) {
    var c = f.geometry && f.geometry.coordinates;
    if (!c) { return; }
    var m = L.circleMarker([c[1], c[0]], { radius: 16, color: '#d7191c', weight: 3, fill: false, className: 'im-live' });
    m.on('click', function () { IM.openIncident(f, false); });
    m.addTo(rings);
    setTimeout(function () { rings.removeLayer(m); }, RING_MS);
  }

  // A burst of changes (an import) reloads once.
  function reloadSoon() {
    clearTimeout(reload);
    reload = setTimeout(function () { IM.forget(); IM.load(); }, 500);
  }

  function onEvent(ev) {
    var e = JSON.parse(ev.data);
    arrived.push({ id: e.incident_id, kind: e.kind });
    if (e.kind !== 'retracted') { ring(e.incident); }
    reloadSoon();
  }

  function listen() {
    var q = IM.query();
    if (q === listening) { return; }
    listening = q;
    if (source) { source.close(); source = null; }
    if (IM.state().event_type === 'none') { return; }
    source = new EventSource('/api/v1/stream' + (q ? '?' + q : ''));
    ['match', 'entered', 'updated', 'retracted'].forEach(function (k) { source.addEventListener(k, onEvent); });
  }

  // Every load may bring other filters; follow them.
  IM.onLoad = listen;
  listen();

  // For the browser tests: what the stream brought.
  IM.live = function () { return { open: !!source && source.readyState === 1, arrived: arrived.slice(), ringed: rings.getLayers().length }; };
})();
