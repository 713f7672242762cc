// incidentmap's web map. Plain JavaScript over the vendored Leaflet,
// markercluster, leaflet.heat and Chart.js; no build step, no network beyond
// this server (the OpenStreetMap layer is an opt-in extra).
(function () {
  'use strict';

  var TYPES = [
    ['Battles', '#c62828'],
    ['Explosions/Remote violence', '#ef6c00'],
    ['Violence against civilians', '#6a1b9a'],
    ['Protests', '#2e7d32'],
    ['Riots', '#6d4c41'],
    ['Strategic developments', '#1565c0']
  ];
  var COLOR = {};
  TYPES.forEach(function (t) { COLOR[t[0]] = t[1]; });
  var FILTERS = ['start', 'end', 'event_type', 'region', 'border', 'border_km', 'bbox', 'near', 'radius_km', 'min_fatalities', 'q'];
  var TIME_PRECISION = { 1: 'exact day', 2: 'within a week', 3: 'within a month' };
  var GEO_PRECISION = { 1: '1 — the town itself', 2: '2 — near a town / part of a region', 3: '3 — region or border area' };
  var DEFAULT_UNCERTAINTY_KM = { 2: 15, 3: 50 };
  var MAX_MAP = 10000;

  var $ = function (id) { return document.getElementById(id); };
  var form = $('filters');
  var state = {};
  var loadSeq = 0;
  var features = [];
  var regionNames = {};
  var formats = [];

  // ---- URL state -------------------------------------------------------
  function readURL() {
    var p = new URLSearchParams(location.search);
    var s = {};
    FILTERS.forEach(function (k) { var v = p.get(k); if (v) { s[k] = v; } });
    return s;
  }
  function query(s, extra) {
    var p = new URLSearchParams();
    FILTERS.forEach(function (k) { if (s[k]) { p.set(k, s[k]); } });
    Object.keys(extra || {}).forEach(function (k) { p.set(k, extra[k]); });
    return p.toString();
  }
  function setState(s, push) {
    state = s;
    var q = query(s);
    var url = location.pathname + (q ? '?' + q : '');
    if (url === location.pathname + location.search) { push = false; }
    if (push) { history.pushState(null, '', url); } else { history.replaceState(null, '', url); }
    fillForm();
    load();
  }
  window.addEventListener('popstate', function () { state = readURL(); fillForm(); load(); });

  // ---- Map and base layers ------------------------------------------------
  var map = L.map('map', { preferCanvas: true, minZoom: 3, maxZoom: 16 }).setView([17.5, 8.5], 6);
  map.attributionControl.setPrefix('Leaflet');
  map.attributionControl.addAttribution('Regions &amp; borders: Natural Earth · Places: GeoNames (CC BY 4.0)');
  var osm = L.tileLayer('https://tile.openstreetmap.org/{z}/{x}/{y}.png', {
    maxZoom: 19, attribution: '&copy; OpenStreetMap contributors'
  });
  osm.on('tileerror', function () { /* offline: the offline layers stay */ });
  // Panes keep the drawing order whatever order the layers load in:
  // regions, then zones, then borders, then incidents (overlayPane, 400).
  [['regions', 300], ['zones', 350], ['borders', 390]].forEach(function (p) { map.createPane(p[0]).style.zIndex = p[1]; });
  var regionsLayer = L.geoJSON(null, {
    pane: 'regions', renderer: L.canvas({ pane: 'regions' }),
    style: function (f) {
      var niger = f.properties.country === 'NER';
      return { color: niger ? '#4a5a6a' : '#9aa5b1', weight: niger ? 1.2 : 0.6, fillColor: niger ? '#fbfaf5' : '#eceae2', fillOpacity: 1 };
    },
    onEachFeature: function (f, layer) {
      if (f.properties.country === 'NER') {
        layer.bindTooltip(f.properties.name, { permanent: true, direction: 'center', className: 'region-label' });
      }
    },
    interactive: false
  }).addTo(map);
  var choroLayer = L.geoJSON(null, { pane: 'regions', renderer: L.canvas({ pane: 'regions' }), interactive: false });
  var bordersLayer = L.geoJSON(null, { pane: 'borders', renderer: L.canvas({ pane: 'borders' }), style: { color: '#b71c1c', weight: 2, dashArray: '6 4' }, interactive: false }).addTo(map);
  var zonesLayer = L.geoJSON(null, { pane: 'zones', renderer: L.canvas({ pane: 'zones' }), style: { color: '#e65100', weight: 0, fillOpacity: 0.18 }, interactive: false });
  var clusters = L.markerClusterGroup({ chunkedLoading: true, showCoverageOnHover: false, disableClusteringAtZoom: 10, maxClusterRadius: 45 }).addTo(map);
  var heat = L.heatLayer([], { radius: 22, blur: 18, maxZoom: 10 });
  var spatialLayer = L.layerGroup().addTo(map);
  var uncertainty = L.layerGroup().addTo(map);

  function getJSON(url) {
    return fetch(url, { headers: { Accept: 'application/json, application/geo+json' } }).then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) { throw new Error(body.detail || r.statusText); }
        return body;
      });
    });
  }

  var baseReady = Promise.all([
    getJSON('/api/v1/regions?country=NER&neighbours=true').then(function (fc) {
      regionsLayer.addData(fc);
      var niger = fc.features.filter(function (f) { return f.properties.country === 'NER'; });
      choroLayer.addData({ type: 'FeatureCollection', features: niger });
      var sel = $('f-region');
      niger.sort(function (a, b) { return a.properties.name.localeCompare(b.properties.name); }).forEach(function (f) {
        regionNames[f.properties.code] = f.properties.name;
        var o = document.createElement('option');
        o.value = f.properties.code;
        o.textContent = f.properties.name + ' (' + f.properties.code + ')';
        sel.appendChild(o);
      });
      if (!location.search) { map.fitBounds(L.geoJSON({ type: 'FeatureCollection', features: niger }).getBounds()); }
    }),
    getJSON('/api/v1/borders').then(function (fc) { bordersLayer.addData(fc); }),
    getJSON('/api/v1').then(function (idx) { formats = idx.formats || []; })
  ]).catch(function (e) { showNotice('Could not load the base map: ' + e.message); });

  // ---- Filters form -----------------------------------------------------
  TYPES.forEach(function (t) {
    var label = document.createElement('label');
    var box = document.createElement('input');
    box.type = 'checkbox';
    box.name = 'event_type';
    box.value = t[0];
    box.checked = true;
    var sw = document.createElement('span');
    sw.className = 'swatch';
    sw.style.background = t[1];
    label.appendChild(box);
    label.appendChild(document.createTextNode(' '));
    label.appendChild(sw);
    label.appendChild(document.createTextNode(' ' + t[0]));
    $('f-types').appendChild(label);
    var li = document.createElement('li');
    var sw2 = sw.cloneNode();
    li.appendChild(sw2);
    li.appendChild(document.createTextNode(t[0]));
    $('legend').appendChild(li);
  });

  function fillForm() {
    $('f-start').value = state.start || '';
    $('f-end').value = state.end || '';
    var types = state.event_type ? state.event_type.split(',') : null;
    form.querySelectorAll('input[name=event_type]').forEach(function (b) { b.checked = !types || types.indexOf(b.value) >= 0; });
    $('f-region').value = state.region || '';
    $('f-border').value = state.border || '';
    $('f-border-km').value = state.border_km || 50;
    $('border-km-out').textContent = $('f-border-km').value;
    $('f-border-km').disabled = !state.border;
    $('f-min-fat').value = state.min_fatalities || '';
    $('f-q').value = state.q || '';
    drawSpatial();
  }

  function formState() {
    var s = {};
    ['start', 'end', 'region', 'border', 'min_fatalities', 'q'].forEach(function (k) {
      var v = form.elements[k].value.trim();
      if (v) { s[k] = v; }
    });
    if (s.border) { s.border_km = $('f-border-km').value; }
    var boxes = form.querySelectorAll('input[name=event_type]');
    var on = [];
    boxes.forEach(function (b) { if (b.checked) { on.push(b.value); } });
    if (on.length < boxes.length) { s.event_type = on.length ? on.join(',') : 'none'; }
    ['bbox', 'near', 'radius_km'].forEach(function (k) { if (state[k]) { s[k] = state[k]; } });
    return s;
  }

  var debounce;
  function onFormChange(e) {
    if (e && e.target && e.target.id === 'f-border-km') { $('border-km-out').textContent = e.target.value; }
    clearTimeout(debounce);
    var wait = e && (e.target.type === 'search' || e.target.type === 'range' || e.target.type === 'number') ? 350 : 0;
    debounce = setTimeout(function () { setState(formState(), true); }, wait);
  }
  form.addEventListener('change', onFormChange);
  form.addEventListener('input', function (e) { if (e.target.type === 'search' || e.target.type === 'range') { onFormChange(e); } });
  form.addEventListener('submit', function (e) { e.preventDefault(); onFormChange(); });
  form.addEventListener('reset', function (e) { e.preventDefault(); setState({}, true); });

  $('toggle-panel').addEventListener('click', function () {
    var p = $('panel');
    var collapsed = p.classList.toggle('collapsed');
    this.setAttribute('aria-expanded', String(!collapsed));
  });

  // ---- Spatial filters: a drawn box, a point and radius -----------------
  function drawSpatial() {
    spatialLayer.clearLayers();
    var parts = [];
    if (state.bbox) {
      var b = state.bbox.split(',').map(Number);
      L.rectangle([[b[1], b[0]], [b[3], b[2]]], { color: '#f0a202', weight: 2, fill: false, interactive: false }).addTo(spatialLayer);
      parts.push('inside the drawn box');
    }
    if (state.near) {
      var n = state.near.split(',').map(Number);
      var r = Number(state.radius_km || 25);
      L.circle([n[1], n[0]], { radius: r * 1000, color: '#f0a202', weight: 2, fill: false, interactive: false }).addTo(spatialLayer);
      parts.push('within ' + r + ' km of ' + n[1].toFixed(3) + ', ' + n[0].toFixed(3));
    }
    $('spatial').hidden = !parts.length;
    $('spatial').textContent = parts.length ? 'Showing incidents ' + parts.join(' and ') + '.' : '';
  }

  var drawing = null;
  $('draw-box').addEventListener('click', function () {
    var on = this.getAttribute('aria-pressed') !== 'true';
    this.setAttribute('aria-pressed', String(on));
    if (on) { map.dragging.disable(); map.getContainer().style.cursor = 'crosshair'; } else { stopDrawing(); }
  });
  function stopDrawing() {
    map.dragging.enable();
    map.getContainer().style.cursor = '';
    $('draw-box').setAttribute('aria-pressed', 'false');
    drawing = null;
  }
  map.on('mousedown', function (e) {
    if ($('draw-box').getAttribute('aria-pressed') !== 'true') { return; }
    drawing = { start: e.latlng, rect: L.rectangle([e.latlng, e.latlng], { color: '#f0a202', weight: 2, fill: false }).addTo(spatialLayer) };
  });
  map.on('mousemove', function (e) { if (drawing) { drawing.rect.setBounds([drawing.start, e.latlng]); } });
  map.on('mouseup', function (e) {
    if (!drawing) { return; }
    var b = L.latLngBounds(drawing.start, e.latlng);
    stopDrawing();
    if (b.getNorth() === b.getSouth() || b.getEast() === b.getWest()) { drawSpatial(); return; }
    var s = formState();
    s.bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) { return v.toFixed(4); }).join(',');
    setState(s, true);
  });
  $('clear-place').addEventListener('click', function () {
    var s = formState();
    delete s.bbox; delete s.near; delete s.radius_km;
    setState(s, true);
  });

  map.on('contextmenu', function (e) {
    var box = document.createElement('form');
    box.className = 'near-menu';
    var label = document.createElement('label');
    label.textContent = 'Incidents within ';
    var km = document.createElement('input');
    km.type = 'number'; km.min = '1'; km.max = '500'; km.value = state.radius_km || '25'; km.style.width = '4.5rem';
    km.setAttribute('aria-label', 'radius in km');
    label.appendChild(km);
    label.appendChild(document.createTextNode(' km of here'));
    var go = document.createElement('button');
    go.type = 'submit';
    go.textContent = 'Show';
    box.appendChild(label);
    box.appendChild(go);
    box.addEventListener('submit', function (ev) {
      ev.preventDefault();
      var s = formState();
      s.near = e.latlng.lng.toFixed(5) + ',' + e.latlng.lat.toFixed(5);
      s.radius_km = String(Math.max(1, Math.min(500, Number(km.value) || 25)));
      map.closePopup();
      setState(s, true);
    });
    L.popup().setLatLng(e.latlng).setContent(box).openOn(map);
    km.focus();
  });

  // ---- Incidents --------------------------------------------------------
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    if (cls) { e.className = cls; }
    return e;
  }
  function fatalitiesText(p) {
    var t = String(p.fatalities);
    if (p.fatalities_low != null || p.fatalities_high != null) {
      t += ' (range ' + (p.fatalities_low != null ? p.fatalities_low : '?') + '–' + (p.fatalities_high != null ? p.fatalities_high : '?') + ')';
    }
    return t;
  }
  // popup builds the popup from text nodes only: notes and every other field
  // may contain HTML, which must show as text.
  function popup(f) {
    var p = f.properties;
    var box = el('div', null, 'popup');
    box.appendChild(el('h3', p.sub_event_type));
    var dl = el('dl');
    function row(k, v) { if (v === undefined || v === null || v === '') { return; } dl.appendChild(el('dt', k)); var dd = el('dd'); if (v instanceof Node) { dd.appendChild(v); } else { dd.textContent = String(v); } dl.appendChild(dd); }
    row('Date', p.event_date + ' (' + (TIME_PRECISION[p.time_precision] || 'precision ' + p.time_precision) + ')');
    row('Type', p.event_type + ' — ' + p.sub_event_type);
    row('Actors', [p.actor1, p.actor2].filter(Boolean).join(' vs ') || null);
    row('Fatalities', fatalitiesText(p));
    row('Location', p.location);
    row('Admin (as reported)', [p.admin1, p.admin2].filter(Boolean).join(' / ') || null);
    row('Region', p.region_name ? p.region_name + ' (' + p.region_code + ')' : 'outside the covered countries');
    if (p.nearest_border) { row('Nearest border', borderName(p.nearest_border) + ', ' + Number(p.nearest_border_km).toFixed(1) + ' km'); }
    if (p.distance_km != null) { row('Distance', Number(p.distance_km).toFixed(1) + ' km'); }
    row('Geo precision', GEO_PRECISION[p.geo_precision] || p.geo_precision);
    if (p.source_url && /^https?:\/\//i.test(p.source_url)) {
      var a = el('a', p.source || p.source_url);
      a.href = p.source_url; a.target = '_blank'; a.rel = 'noopener noreferrer';
      row('Source', a);
    } else {
      row('Source', p.source);
    }
    row('Tags', (p.tags || []).join(', ') || null);
    box.appendChild(dl);
    if (p.notes) { box.appendChild(el('p', p.notes, 'notes')); }
    return box;
  }
  var BORDER_NAMES = { NER: 'Niger', MLI: 'Mali', BFA: 'Burkina Faso', BEN: 'Benin', NGA: 'Nigeria', TCD: 'Chad', LBY: 'Libya', DZA: 'Algeria' };
  // A border is keyed by two ISO3 codes ("MLI-NER"): name both sides.
  function borderName(k) { return String(k).split('-').map(function (c) { return BORDER_NAMES[c] || c; }).join('–'); }

  function render() {
    clusters.clearLayers();
    uncertainty.clearLayers();
    var markers = [];
    var pts = [];
    features.forEach(function (f) {
      var c = f.geometry.coordinates;
      var p = f.properties;
      var m = L.circleMarker([c[1], c[0]], {
        radius: 5 + 2.2 * Math.sqrt(p.fatalities || 0),
        color: '#1d2327', weight: 1, fillColor: COLOR[p.event_type] || '#555', fillOpacity: 0.85
      });
      m.feature = f;
      m.bindPopup(function () { return popup(f); }, { maxWidth: 340 });
      m.on('popupopen', function () {
        uncertainty.clearLayers();
        var km = p.uncertainty_km || DEFAULT_UNCERTAINTY_KM[p.geo_precision];
        if (p.geo_precision >= 2 && km) {
          L.circle([c[1], c[0]], { radius: km * 1000, color: COLOR[p.event_type] || '#555', weight: 1.5, dashArray: '5 5', fill: false, interactive: false }).addTo(uncertainty);
        }
      });
      m.on('popupclose', function () { uncertainty.clearLayers(); });
      markers.push(m);
      pts.push([c[1], c[0], Math.min(1, 0.3 + Math.sqrt(p.fatalities || 0) / 6)]);
    });
    clusters.addLayers(markers);
    heat.setLatLngs(pts);
    drawHistogram();
    updateDownloads();
  }

  function showNotice(t) { $('notice').textContent = t; $('notice').hidden = !t; }

  function load() {
    var seq = ++loadSeq;
    document.body.dataset.loaded = 'false';
    $('loading').hidden = false;
    var q = query(state, { limit: MAX_MAP });
    var none = { type: 'FeatureCollection', features: [], numberMatched: 0, numberReturned: 0 };
    return baseReady.then(function () {
      // Every event type unticked: nothing can match, no need to ask.
      return state.event_type === 'none' ? none : getJSON('/api/v1/incidents?' + q);
    }).then(function (fc) {
      if (seq !== loadSeq) { return; }
      features = fc.features;
      var fat = features.reduce(function (s, f) { return s + (f.properties.fatalities || 0); }, 0);
      var count = $('count');
      count.dataset.count = String(fc.numberMatched);
      count.textContent = fc.numberMatched.toLocaleString('en') + ' incident' + (fc.numberMatched === 1 ? '' : 's') +
        (fc.numberMatched > features.length ? ' (newest ' + features.length.toLocaleString('en') + ' on the map)' : '') +
        ' · ' + fat.toLocaleString('en') + ' fatalities';
      $('empty').hidden = fc.numberMatched !== 0;
      showNotice(fc.numberMatched > features.length ? 'The map shows the newest ' + features.length.toLocaleString('en') + ' of ' + fc.numberMatched.toLocaleString('en') + ' incidents; narrow the filters, or download them all.' : '');
      render();
      if ($('l-choro').checked) { loadChoropleth(); }
    }).catch(function (e) {
      if (seq !== loadSeq) { return; }
      features = [];
      render();
      $('count').textContent = 'Error';
      showNotice(e.message);
    }).then(function () {
      if (seq !== loadSeq) { return; }
      $('loading').hidden = true;
      document.body.dataset.loaded = 'true';
    });
  }

  // ---- Layers -------------------------------------------------------------
  function toggle(id, layer) {
    $(id).addEventListener('change', function () { if (this.checked) { layer.addTo(map); } else { map.removeLayer(layer); } });
  }
  toggle('l-heat', heat);
  toggle('l-osm', osm);
  $('l-osm').addEventListener('change', function () { if (this.checked) { osm.bringToBack(); } });
  $('l-zones').addEventListener('change', function () {
    if (!this.checked) { map.removeLayer(zonesLayer); return; }
    if (!zonesLayer.getLayers().length) { getJSON('/api/v1/zones').then(function (fc) { zonesLayer.addData(fc); }); }
    zonesLayer.addTo(map);
  });
  var SHADES = ['#fff5eb', '#fdd0a2', '#fd8d3c', '#d94801', '#7f2704'];
  function loadChoropleth() {
    var by = $('l-choro-by').value;
    getJSON('/api/v1/stats?' + query(state)).then(function (st) {
      var v = {};
      var max = 0;
      st.by_region.forEach(function (b) { v[b.key] = by === 'fatalities' ? b.fatalities : b.incidents; max = Math.max(max, v[b.key]); });
      choroLayer.setStyle(function (f) {
        var x = v[f.properties.code] || 0;
        var i = max ? Math.min(SHADES.length - 1, Math.floor((x / max) * (SHADES.length - 1) + 0.0001)) : 0;
        return { color: '#4a5a6a', weight: 1, fillColor: x ? SHADES[Math.max(1, i)] : SHADES[0], fillOpacity: 0.75 };
      });
      choroLayer.addTo(map);
      choroLayer.bringToBack();
      regionsLayer.bringToBack();
    });
  }
  $('l-choro').addEventListener('change', function () { if (this.checked) { loadChoropleth(); } else { map.removeLayer(choroLayer); } });
  $('l-choro-by').addEventListener('change', function () { if ($('l-choro').checked) { loadChoropleth(); } });

  // ---- Downloads ----------------------------------------------------------
  function updateDownloads() {
    var ul = $('downloads');
    ul.textContent = '';
    (formats.length ? formats : [{ f: 'geojson', title: 'GeoJSON' }]).forEach(function (fmt) {
      var li = el('li');
      var a = el('a', fmt.title);
      a.href = '/api/v1/incidents?' + query(state, { f: fmt.f });
      a.setAttribute('download', '');
      a.dataset.format = fmt.f;
      li.appendChild(a);
      ul.appendChild(li);
    });
  }

  // ---- Histogram ----------------------------------------------------------
  var chart = null;
  var months = [];
  function monthRange() {
    var min = null, max = null;
    features.forEach(function (f) { var m = f.properties.event_date.slice(0, 7); if (!min || m < min) { min = m; } if (!max || m > max) { max = m; } });
    var out = [];
    if (!min) { return out; }
    var y = Number(min.slice(0, 4)), mo = Number(min.slice(5, 7));
    while (out.length < 600) {
      var key = y + '-' + (mo < 10 ? '0' : '') + mo;
      out.push(key);
      if (key >= max) { break; }
      mo++; if (mo > 12) { mo = 1; y++; }
    }
    return out;
  }
  function drawHistogram() {
    months = monthRange();
    var index = {};
    months.forEach(function (m, i) { index[m] = i; });
    var datasets = TYPES.map(function (t) { return { label: t[0], backgroundColor: t[1], data: months.map(function () { return 0; }), stack: 'all' }; });
    var dsIndex = {};
    TYPES.forEach(function (t, i) { dsIndex[t[0]] = i; });
    features.forEach(function (f) {
      var i = index[f.properties.event_date.slice(0, 7)];
      var d = dsIndex[f.properties.event_type];
      if (i !== undefined && d !== undefined) { datasets[d].data[i]++; }
    });
    if (!chart) {
      chart = new Chart($('histogram'), {
        type: 'bar',
        data: { labels: months, datasets: datasets },
        options: {
          animation: false, responsive: true, maintainAspectRatio: false,
          plugins: { legend: { display: false }, tooltip: { mode: 'index', intersect: false } },
          scales: { x: { stacked: true, ticks: { autoSkip: true, maxRotation: 0 } }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } }
        }
      });
    } else {
      chart.data.labels = months;
      chart.data.datasets = datasets;
      chart.update();
    }
  }
  // Brushing: drag across months to set the date filter.
  var brush = null;
  function monthAt(ev) {
    if (!chart || !months.length) { return null; }
    var r = $('histogram').getBoundingClientRect();
    var i = Math.round(chart.scales.x.getValueForPixel(ev.clientX - r.left));
    return months[Math.max(0, Math.min(months.length - 1, i))];
  }
  $('histogram').addEventListener('mousedown', function (ev) { brush = monthAt(ev); });
  $('histogram').addEventListener('mouseup', function (ev) {
    var end = monthAt(ev);
    if (!brush || !end) { brush = null; return; }
    var a = brush < end ? brush : end, b = brush < end ? end : brush;
    brush = null;
    var last = new Date(Date.UTC(Number(b.slice(0, 4)), Number(b.slice(5, 7)), 0)).getUTCDate();
    var s = formState();
    s.start = a + '-01';
    s.end = b + '-' + last;
    setState(s, true);
  });

  // ---- Start --------------------------------------------------------------
  state = readURL();
  fillForm();
  load();
  // For people poking at the map from the console, and for the browser tests.
  window.incidentmap = {
    map: map,
    state: function () { return state; },
    // ids lists the incidents on the map (clustered or not).
    ids: function () { return clusters.getLayers().map(function (l) { return l.feature.id; }).sort(); },
    open: function (id) {
      var m = clusters.getLayers().filter(function (l) { return l.feature.id === id; })[0];
      if (!m) { return false; }
      clusters.zoomToShowLayer(m, function () { m.openPopup(); });
      return true;
    }
  };
})();
