// The overview and the markers: every match at every zoom. Cells of level
// BASE_LEVEL (about 15 km) for the whole match are grouped on screen up to
// zoom BASE_LEVEL-1; closer in, the server counts the view at the zoom's own
// level, and under MARKERS_MAX incidents in view they are drawn one by one.
(function () {
  'use strict';
  var IM = window.IM, t = IM.t, num = IM.num, map = IM.map, getJSON = IM.getJSON, COLOR = IM.COLOR;
  var overviewLayer = IM.layers.overview, markers = IM.layers.markers;
  var BASE_LEVEL = 9;
  var MARKERS_MAX = 2000;
  var GRID_PX = 60;

  function clusterIcon(n) {
    var size = Math.round(26 + 7 * Math.log10(Math.max(1, n)));
    return L.divIcon({ html: '<span>' + (n >= 10000 ? Math.round(n / 1000) + 'k' : n) + '</span>', className: 'im-cluster', iconSize: [size, size] });
  }
  function marker(f) {
    var c = f.geometry.coordinates;
    var p = f.properties;
    var m = L.circleMarker([c[1], c[0]], {
      radius: 5 + 2.2 * Math.sqrt(p.fatalities || 0),
      color: '#1d2327', weight: 1, fillColor: COLOR[p.event_type] || '#555', fillOpacity: 0.85
    });
    m.feature = f;
    m.on('click', function () { IM.openIncident(f, false); });
    return m;
  }

  var base = { key: null, cells: [], promise: null }; // level-BASE_LEVEL cells of the whole match
  var shown = { mode: 'none', groups: [], features: [], inView: 0 };
  var cache = {};
  var viewSeq = 0;
  function cached(url) {
    if (!cache[url]) {
      var keys = Object.keys(cache);
      if (keys.length > 40) { delete cache[keys[0]]; }
      cache[url] = getJSON(url).catch(function (e) { delete cache[url]; throw e; });
    }
    return cache[url];
  }
  // viewBBox is the map's view (padded a little, so a small pan needs no
  // request), within the drawn box when there is one; null when they miss.
  function viewBBox() {
    var b = map.getBounds().pad(0.15);
    var w = Math.max(-180, b.getWest()), s = Math.max(-85, b.getSouth()), e = Math.min(180, b.getEast()), n = Math.min(85, b.getNorth());
    var state = IM.state();
    if (state.bbox) {
      var f = state.bbox.split(',').map(Number);
      w = Math.max(w, f[0]); s = Math.max(s, f[1]); e = Math.min(e, f[2]); n = Math.min(n, f[3]);
    }
    if (w >= e || s >= n) { return null; }
    var r = function (v) { return v.toFixed(3); };
    return [r(w), r(s), r(e), r(n)].join(',');
  }
  // group gathers cells into GRID_PX squares on screen at the current zoom,
  // each drawn at its incidents' mean position.
  function group(cells) {
    var z = map.getZoom();
    var out = {};
    cells.forEach(function (c) {
      var p = map.project([c.lat, c.lon], z);
      var k = Math.floor(p.x / GRID_PX) + ':' + Math.floor(p.y / GRID_PX);
      var g = out[k] || (out[k] = { n: 0, fat: 0, lat: 0, lon: 0 });
      g.n += c.incidents; g.fat += c.fatalities || 0; g.lat += c.lat * c.incidents; g.lon += c.lon * c.incidents;
    });
    return Object.keys(out).map(function (k) { var g = out[k]; return { n: g.n, fatalities: g.fat, lat: g.lat / g.n, lon: g.lon / g.n }; });
  }
  function drawGroups(groups) {
    overviewLayer.clearLayers();
    markers.clearLayers();
    groups.forEach(function (g) {
      var m = L.marker([g.lat, g.lon], { icon: clusterIcon(g.n), keyboard: true, title: num(g.n) + ' ' + t('incidentsWord'), riseOnHover: true });
      m.on('click', function () { map.setView([g.lat, g.lon], Math.min(map.getMaxZoom(), map.getZoom() + 2)); });
      m.addTo(overviewLayer);
    });
    shown = { mode: 'overview', groups: groups, features: [], inView: groups.reduce(function (s, g) { return s + g.n; }, 0) };
  }
  function drawMarkers(features) {
    // The same incidents as drawn (a pan within the padded view, a popup's
    // autopan): keep them, and any spread-out (spiderfied) group with them.
    var ids = features.map(function (f) { return f.id; }).join('\n');
    if (shown.mode === 'markers' && shown.ids === ids) { return; }
    overviewLayer.clearLayers();
    markers.clearLayers();
    markers.addLayers(features.map(marker));
    shown = { mode: 'markers', groups: [], features: features, inView: features.length, ids: ids };
  }
  function inBBox(c, bb) {
    return c.lon >= bb[0] && c.lon <= bb[2] && c.lat >= bb[1] && c.lat <= bb[3];
  }
  // drawView draws what the view holds, from the base cells while the zoom
  // is coarser than them, else asking the server about the view.
  function drawView() {
    var seq = ++viewSeq;
    var key = IM.query();
    if (IM.state().event_type === 'none') { drawGroups([]); return Promise.resolve(); }
    if (base.key !== key) {
      base.key = key;
      base.promise = cached('/api/v1/aggregate?' + IM.query({ zoom: BASE_LEVEL })).then(function (r) { base.cells = r.cells; base.matched = r.numberMatched; return r; });
    }
    return base.promise.then(function () {
      if (seq !== viewSeq) { return; }
      var bbs = viewBBox();
      if (!bbs) { drawGroups([]); return; }
      var bb = bbs.split(',').map(Number);
      var z = map.getZoom();
      var est = base.cells.reduce(function (s, c) { return inBBox(c, bb) ? s + c.incidents : s; }, 0);
      if (z < BASE_LEVEL && est > MARKERS_MAX) { drawGroups(group(base.cells)); return; }
      if (est <= MARKERS_MAX) {
        return cached('/api/v1/incidents?' + IM.query({ bbox: bbs, limit: MARKERS_MAX })).then(function (fc) {
          if (seq !== viewSeq) { return; }
          if (fc.numberMatched <= fc.features.length) { drawMarkers(fc.features); return; }
          return viewCells(seq, bbs);
        });
      }
      return viewCells(seq, bbs);
    });
  }
  function viewCells(seq, bbs) {
    return cached('/api/v1/aggregate?' + IM.query({ zoom: map.getZoom(), bbox: bbs })).then(function (r) {
      if (seq === viewSeq) { drawGroups(group(r.cells)); }
    });
  }
  IM.shown = function () { return shown; };
  IM.baseCells = function () { return base; };
  // forget drops what was read, so the next load reads the match again
  // (live.js, when the stream says it changed).
  IM.forget = function () { cache = {}; base.key = null; shown.ids = null; };
  IM.clusterIcon = clusterIcon;
  IM.drawView = drawView;

  map.on('moveend', function () {
    IM.writeURL(false);
    document.body.dataset.drawn = 'false';
    drawView().catch(function (e) { IM.showNotice(e.message); }).then(function () { document.body.dataset.drawn = 'true'; });
  });
})();
