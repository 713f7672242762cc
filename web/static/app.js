// incidentmap's web map. Plain JavaScript over the vendored Leaflet,
// markercluster, leaflet.heat and Chart.js; no build step, no network beyond
// this server (the OpenStreetMap layer is an opt-in extra).
//
// Every match is on the map at every zoom: the header, histogram and
// choropleth come from /api/v1/stats for the whole match; the map draws an
// overview of counts per s2 cell (/api/v1/aggregate) and the incidents
// themselves once few enough are in view. The table (table.js) lists the
// match page by page; export.js saves the view as a PNG.
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
  var BORDERS = ['MLI', 'BFA', 'BEN', 'NGA', 'TCD', 'LBY', 'DZA'];
  var FILTERS = ['start', 'end', 'event_type', 'region', 'border', 'border_km', 'bbox', 'near', 'radius_km', 'min_fatalities', 'q'];
  var LAYERS = ['heat', 'choro', 'zones', 'sites', 'osm'];
  var DEFAULT_UNCERTAINTY_KM = { 2: 15, 3: 50 };
  // The overview: cells of level BASE_LEVEL (about 15 km) for the whole
  // match, grouped on screen up to zoom BASE_LEVEL-1; closer in, the
  // server counts the view at the zoom's own level, and under MARKERS_MAX
  // incidents in view they are drawn one by one.
  var BASE_LEVEL = 9;
  var MARKERS_MAX = 2000;
  var GRID_PX = 60;
  var SHADES = ['#fff5eb', '#fdd0a2', '#fd8d3c', '#d94801', '#7f2704'];

  // The land (Niger, its neighbours) on canvas, light or dark with the system.
  var LAND = window.matchMedia('(prefers-color-scheme: dark)').matches ? ['#2b3238', '#22282d'] : ['#fbfaf5', '#eceae2'];

  var $ = function (id) { return document.getElementById(id); };
  var form = $('filters');
  var state = {};
  var ui = { layers: {}, choroBy: 'incidents' };
  var IM = window.IM = { COLOR: COLOR, TYPES: TYPES, SHADES: SHADES };

  // ---- Language ----------------------------------------------------------
  var lang = (function () {
    var p = new URLSearchParams(location.search).get('lang');
    var stored = null;
    try { stored = localStorage.getItem('incidentmap.lang'); } catch (e) { /* storage off */ }
    var nav = (navigator.language || 'en').slice(0, 2).toLowerCase();
    return [p, stored, nav].filter(function (l) { return l && window.IM_I18N[l]; })[0] || 'en';
  })();
  function t(key, vars) {
    var s = window.IM_I18N[lang][key];
    if (s === undefined) { s = window.IM_I18N.en[key]; }
    return String(s).replace(/\{(\w+)\}/g, function (_, k) { return vars && vars[k] !== undefined ? vars[k] : ''; });
  }
  function typeLabel(v) { return window.IM_I18N[lang].types[v] || v; }
  // A border is keyed by two ISO3 codes ("MLI-NER"): name both sides; a
  // country code alone (the border filter's values) names that country.
  function borderName(k) {
    var names = window.IM_I18N[lang].borders;
    return String(k).split('-').map(function (c) { return names[c] || c; }).join('–');
  }
  function num(n) { return Number(n).toLocaleString(lang); }
  IM.t = t; IM.typeLabel = typeLabel; IM.num = num; IM.lang = function () { return lang; };

  function translatePage() {
    document.documentElement.lang = lang;
    document.querySelectorAll('[data-i18n]').forEach(function (e) { e.textContent = t(e.dataset.i18n); });
    document.querySelectorAll('[data-i18n-placeholder]').forEach(function (e) { e.placeholder = t(e.dataset.i18nPlaceholder); });
    document.querySelectorAll('[data-i18n-aria]').forEach(function (e) { e.setAttribute('aria-label', t(e.dataset.i18nAria)); });
    $('lang').value = lang;
    $('panel').setAttribute('aria-label', t('filters'));
    document.querySelectorAll('[data-type-label]').forEach(function (e) { e.textContent = typeLabel(e.dataset.typeLabel); });
    document.querySelectorAll('#f-border option[data-border]').forEach(function (o) { o.textContent = borderName(o.value); });
  }

  // ---- URL state: filters, view, layers, language; #incident=ID -----------
  function readURL() {
    var p = new URLSearchParams(location.search);
    var s = {};
    FILTERS.forEach(function (k) { var v = p.get(k); if (v) { s[k] = v; } });
    ui.layers = {};
    (p.get('layers') || '').split(',').forEach(function (l) { if (LAYERS.indexOf(l) >= 0) { ui.layers[l] = true; } });
    ui.choroBy = p.get('choro_by') === 'fatalities' ? 'fatalities' : 'incidents';
    var v = (p.get('map') || '').split('/').map(Number);
    ui.view = v.length === 3 && v.every(isFinite) ? v : null;
    return s;
  }
  function query(s, extra) {
    var p = new URLSearchParams();
    FILTERS.forEach(function (k) { if (s[k]) { p.set(k, s[k]); } });
    Object.keys(extra || {}).forEach(function (k) { p.set(k, extra[k]); });
    return p.toString();
  }
  IM.query = function (extra) { return query(state, extra); };
  IM.state = function () { return state; };
  function pageURL() {
    var p = new URLSearchParams(query(state));
    var c = map.getCenter();
    p.set('map', map.getZoom() + '/' + c.lat.toFixed(4) + '/' + c.lng.toFixed(4));
    var on = LAYERS.filter(function (l) { return ui.layers[l]; });
    if (on.length) { p.set('layers', on.join(',')); }
    if (ui.choroBy !== 'incidents') { p.set('choro_by', ui.choroBy); }
    if (new URLSearchParams(location.search).get('lang')) { p.set('lang', lang); }
    return location.pathname + '?' + p.toString() + location.hash;
  }
  function writeURL(push) {
    var url = pageURL();
    if (url === location.pathname + location.search + location.hash) { return; }
    if (push) { history.pushState(null, '', url); } else { history.replaceState(null, '', url); }
  }
  function setState(s, push) {
    state = s;
    writeURL(push);
    fillForm();
    load();
  }
  IM.setState = setState;
  window.addEventListener('popstate', function () { state = readURL(); fillForm(); syncLayers(); load(); });

  // ---- Map and base layers ------------------------------------------------
  var map = L.map('map', { preferCanvas: true, minZoom: 3, maxZoom: 16, zoomSnap: 1 });
  IM.map = map;
  map.attributionControl.setPrefix('Leaflet');
  map.attributionControl.addAttribution(t('attribution'));
  var osm = L.tileLayer('https://tile.openstreetmap.org/{z}/{x}/{y}.png', {
    maxZoom: 19, crossOrigin: 'anonymous', attribution: '&copy; OpenStreetMap contributors'
  });
  IM.osm = osm;
  // Offline (or blocked), the tiles fail: say so once, keep the offline map.
  osm.on('tileerror', function () { $('tile-notice').hidden = false; });
  osm.on('tileload', function () { $('tile-notice').hidden = true; });
  // Panes keep the drawing order whatever order the layers load in:
  // regions, zones, borders, region labels, then incidents and clusters.
  [['regions', 300], ['zones', 350], ['borders', 390], ['labels', 395]].forEach(function (p) { map.createPane(p[0]).style.zIndex = p[1]; });
  map.getPane('labels').style.pointerEvents = 'none';
  var regionsLayer = L.geoJSON(null, {
    pane: 'regions', renderer: L.canvas({ pane: 'regions' }), interactive: false,
    style: function (f) {
      var niger = f.properties.country === 'NER';
      return { color: niger ? '#4a5a6a' : '#9aa5b1', weight: niger ? 1.2 : 0.6, fillColor: niger ? LAND[0] : LAND[1], fillOpacity: 1 };
    },
    onEachFeature: function (f, layer) {
      // Labels sit below the incidents and clusters (pane 'labels', 395),
      // so they never hide a count.
      if (f.properties.country === 'NER') {
        layer.bindTooltip(f.properties.name, { permanent: true, direction: 'center', className: 'region-label', pane: 'labels' });
      }
    }
  }).addTo(map);
  var choroLayer = L.geoJSON(null, { pane: 'regions', renderer: L.canvas({ pane: 'regions' }), interactive: false });
  var bordersLayer = L.geoJSON(null, { pane: 'borders', renderer: L.canvas({ pane: 'borders' }), style: { color: '#b71c1c', weight: 2, dashArray: '6 4' }, interactive: false }).addTo(map);
  var zonesLayer = L.geoJSON(null, { pane: 'zones', renderer: L.canvas({ pane: 'zones' }), style: { color: '#e65100', weight: 0, fillOpacity: 0.18 }, interactive: false });
  // Sites (bases, roads, camps) say where teams are: read with the token
  // the review page keeps for the session. A click shows the site's summary.
  var sitesLayer = L.geoJSON(null, {
    style: { color: '#00695c', weight: 3, fillOpacity: 0.15 },
    pointToLayer: function (f, ll) { return L.circleMarker(ll, { radius: 7, color: '#00695c', weight: 2, fillOpacity: 0.6 }); },
    onEachFeature: function (f, layer) {
      layer.bindPopup(function () { return el('strong', f.properties.name); });
      layer.on('popupopen', function () { siteSummary(f, layer); });
    }
  });
  var overviewLayer = L.layerGroup().addTo(map);
  // Incidents in view when few: co-located ones cluster until the deepest
  // zoom, where a click spreads them out (spiderfy) so each can be opened.
  var markers = L.markerClusterGroup({
    chunkedLoading: true, showCoverageOnHover: false, spiderfyOnMaxZoom: true, zoomToBoundsOnClick: true,
    maxClusterRadius: function (z) { return z >= 13 ? 12 : 30; },
    iconCreateFunction: function (c) { return clusterIcon(c.getChildCount()); }
  }).addTo(map);
  var heat = L.heatLayer([], { radius: 22, blur: 18, maxZoom: 10 });
  var spatialLayer = L.layerGroup().addTo(map);
  var uncertainty = L.layerGroup().addTo(map);
  IM.layers = { regions: regionsLayer, choro: choroLayer, zones: zonesLayer, sites: sitesLayer, heat: heat, markers: markers, overview: overviewLayer };

  function getJSON(url) {
    return fetch(url, { headers: { Accept: 'application/json, application/geo+json' } }).then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) { var e = new Error(body.detail || r.statusText); e.status = r.status; throw e; }
        return body;
      });
    });
  }
  IM.getJSON = getJSON;

  var regionOptions = {};
  // The base layer is the countries the data covers (at most 20 of them;
  // Niger's when the database is empty) and the map opens fitted to the
  // data, unless the URL holds a view.
  var coverage = getJSON('/api/v1/coverage').catch(function () { return { countries: [] }; }).then(function (cov) {
    var cs = (cov.countries || []).slice(0, 20);
    if (!cs.length) { cs = ['NER']; }
    return { countries: cs, bbox: cov.bbox };
  });
  var baseReady = Promise.all([
    coverage.then(function (cov) { return getJSON('/api/v1/regions?country=' + cov.countries.join(',') + (cov.countries.length === 1 ? '&neighbours=true' : '')).then(function (fc) { return { fc: fc, cov: cov }; }); }).then(function (r) {
      var fc = r.fc, cov = r.cov;
      regionsLayer.addData(fc);
      var covered = fc.features.filter(function (f) { return cov.countries.indexOf(f.properties.country) >= 0; });
      choroLayer.addData({ type: 'FeatureCollection', features: covered });
      var sel = $('f-region');
      var several = cov.countries.length > 1;
      covered.sort(function (a, b) {
        return String(a.properties.country).localeCompare(String(b.properties.country)) || String(a.properties.name).localeCompare(String(b.properties.name));
      }).forEach(function (f) {
        var o = document.createElement('option');
        o.value = f.properties.code;
        o.textContent = f.properties.name + ' (' + f.properties.code + ')' + (several ? ' · ' + f.properties.country : '');
        regionOptions[String(f.properties.code).toLowerCase()] = f.properties.code;
        regionOptions[String(f.properties.name).toLowerCase()] = f.properties.code;
        sel.appendChild(o);
      });
      if (!ui.view) {
        if (cov.bbox) {
          var b = cov.bbox;
          map.fitBounds([[b[1], b[0]], [b[3], b[2]]], { animate: false, padding: [20, 20], maxZoom: 9 });
        } else if (covered.length) {
          map.fitBounds(L.geoJSON({ type: 'FeatureCollection', features: covered }).getBounds(), { animate: false });
        }
      }
    }),
    coverage.then(function (cov) { return getJSON('/api/v1/borders?country=' + cov.countries.join(',')); }).then(function (fc) { bordersLayer.addData(fc); }),
    getJSON('/api/v1').then(function (idx) { IM.formats = idx.formats || []; })
  ]).catch(function (e) { showNotice(t('baseMapError', { e: e.message })); }).then(function () { fillForm(); });

  // ---- Filters form -----------------------------------------------------
  TYPES.forEach(function (ty) {
    var label = document.createElement('label');
    var box = document.createElement('input');
    box.type = 'checkbox'; box.name = 'event_type'; box.value = ty[0]; box.checked = true;
    var sw = el('span', null, 'swatch');
    sw.style.background = ty[1];
    var text = el('span', typeLabel(ty[0]));
    text.dataset.typeLabel = ty[0];
    label.append(box, ' ', sw, ' ', text);
    $('f-types').appendChild(label);
    var li = el('li');
    var text2 = el('span', typeLabel(ty[0]));
    text2.dataset.typeLabel = ty[0];
    li.append(sw.cloneNode(), text2);
    $('legend').appendChild(li);
  });
  BORDERS.forEach(function (c) {
    var o = el('option', borderName(c));
    o.value = c; o.dataset.border = c;
    $('f-border').appendChild(o);
  });

  // selectValue sets a select to v, adding an option when the list lacks it
  // (a region by name, two regions, or the regions not loaded yet), so a
  // shared link's filter is shown and kept at the next change.
  function selectValue(sel, v) {
    if (v && sel.id === 'f-region' && regionOptions[v.toLowerCase()]) { v = regionOptions[v.toLowerCase()]; }
    if (v && !Array.prototype.some.call(sel.options, function (o) { return o.value === v; })) {
      var o = el('option', v);
      o.value = v;
      sel.appendChild(o);
    }
    sel.value = v || '';
  }
  function fillForm() {
    $('f-start').value = state.start || '';
    $('f-end').value = state.end || '';
    var types = state.event_type ? state.event_type.split(',') : null;
    form.querySelectorAll('input[name=event_type]').forEach(function (b) { b.checked = !types || types.indexOf(b.value) >= 0; });
    selectValue($('f-region'), state.region);
    selectValue($('f-border'), state.border);
    $('f-border-km').value = state.border_km || 50;
    $('border-km-out').textContent = $('f-border-km').value;
    $('f-border-km').disabled = !state.border;
    $('f-min-fat').value = state.min_fatalities || '';
    $('f-q').value = state.q || '';
    drawSpatial();
  }

  // A date is applied once whole and plausible: typing a year passes
  // through 0002, 0020, 0202 (each a valid date to the input).
  function dateOK(v) { return v === '' || (/^\d{4}-\d{2}-\d{2}$/.test(v) && v >= '1900-01-01' && v <= '2100-12-31'); }

  function formState() {
    var s = {};
    ['start', 'end', 'region', 'border', 'min_fatalities', 'q'].forEach(function (k) {
      var v = form.elements[k].value.trim();
      if ((k === 'start' || k === 'end') && !dateOK(v)) { v = state[k] || ''; }
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
  IM.formState = formState;

  var debounce;
  function onFormChange(e) {
    var target = e && e.target;
    if (target && target.id === 'f-border-km') { $('border-km-out').textContent = target.value; }
    if (target && target.type === 'date' && !dateOK(target.value)) { return; }
    clearTimeout(debounce);
    var wait = target && /^(search|range|number|date)$/.test(target.type) ? 400 : 0;
    debounce = setTimeout(function () {
      var s = formState();
      if (query(s) !== query(state)) { setState(s, true); }
    }, wait);
  }
  form.addEventListener('change', onFormChange);
  form.addEventListener('input', function (e) { if (/^(search|range|number)$/.test(e.target.type)) { onFormChange(e); } });
  form.addEventListener('submit', function (e) { e.preventDefault(); onFormChange(); });
  form.addEventListener('reset', function (e) { e.preventDefault(); setState({}, true); });

  $('toggle-panel').addEventListener('click', function () {
    var collapsed = $('panel').classList.toggle('collapsed');
    this.setAttribute('aria-expanded', String(!collapsed));
    map.invalidateSize();
  });
  if (window.matchMedia('(max-width: 700px)').matches) {
    $('panel').classList.add('collapsed');
    $('toggle-panel').setAttribute('aria-expanded', 'false');
  }
  // Whatever changes the map's box (the panel, the table, rotating a
  // phone), Leaflet must know, or part of the map stays blank.
  if (window.ResizeObserver) { new ResizeObserver(function () { map.invalidateSize(); }).observe($('map')); }

  $('lang').addEventListener('change', function () {
    lang = this.value;
    try { localStorage.setItem('incidentmap.lang', lang); } catch (e) { /* storage off */ }
    var p = new URLSearchParams(location.search);
    p.set('lang', lang);
    history.replaceState(null, '', location.pathname + '?' + p.toString() + location.hash);
    translatePage();
    drawSpatial();
    showCount();
    if (IM.table) { IM.table.render(); }
    drawChoroLegend();
  });

  // ---- Spatial filters: a drawn box, a point and radius -----------------
  function drawSpatial() {
    spatialLayer.clearLayers();
    var parts = [];
    if (state.bbox) {
      var b = state.bbox.split(',').map(Number);
      L.rectangle([[b[1], b[0]], [b[3], b[2]]], { color: '#f0a202', weight: 2, fill: false, interactive: false }).addTo(spatialLayer);
      parts.push(t('spatialBox'));
    }
    if (state.near) {
      var n = state.near.split(',').map(Number);
      var r = Number(state.radius_km || 25);
      L.circle([n[1], n[0]], { radius: r * 1000, color: '#f0a202', weight: 2, fill: false, interactive: false }).addTo(spatialLayer);
      parts.push(t('spatialNear', { r: r, p: n[1].toFixed(3) + ', ' + n[0].toFixed(3) }));
    }
    $('spatial').hidden = !parts.length;
    $('spatial').textContent = parts.length ? t('spatialShowing', { parts: parts.join(t('and')) }) : '';
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
  function nearHere(latlng, km) {
    var s = formState();
    s.near = latlng.lng.toFixed(5) + ',' + latlng.lat.toFixed(5);
    s.radius_km = String(Math.max(1, Math.min(500, Number(km) || 25)));
    map.closePopup();
    setState(s, true);
  }
  IM.nearHere = nearHere;
  map.on('contextmenu', function (e) {
    var box = el('form', null, 'near-menu');
    var label = el('label', t('incidentsWithin') + ' ');
    var km = el('input');
    km.type = 'number'; km.min = '1'; km.max = '500'; km.value = state.radius_km || '25'; km.className = 'km';
    km.setAttribute('aria-label', t('radiusKm'));
    label.append(km, ' ' + t('kmOfHere'));
    var go = el('button', t('show'));
    go.type = 'submit';
    box.append(label, go);
    box.addEventListener('submit', function (ev) { ev.preventDefault(); nearHere(e.latlng, km.value); });
    L.popup().setLatLng(e.latlng).setContent(box).openOn(map);
    km.focus();
  });

  // ---- Place search -------------------------------------------------------
  $('place-search').addEventListener('submit', function (e) {
    e.preventDefault();
    var q = $('place-q').value.trim();
    if (!q) { return; }
    getJSON('/api/v1/geocode?q=' + encodeURIComponent(q)).then(function (cs) {
      var c = cs[0];
      var at = L.latLng(c.lat, c.lon);
      var km = Math.max(5, Math.round(c.radius_km || 25));
      map.setView(at, c.geo_precision >= 3 ? 8 : 10);
      var box = el('div', null, 'place-popup');
      box.append(el('strong', c.matched || q));
      var go = el('button', t('nearHere') + ' (' + km + ' km)');
      go.type = 'button';
      go.id = 'near-here';
      go.addEventListener('click', function () { nearHere(at, km); });
      box.append(el('br'), go);
      L.popup().setLatLng(at).setContent(box).openOn(map);
    }).catch(function (err) { showNotice(t('placeNotFound', { reason: err.message })); });
  });

  // ---- Incidents: popups and the selected incident ------------------------
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    if (cls) { e.className = cls; }
    return e;
  }
  IM.el = el;
  function fatalitiesText(p) {
    var s = String(p.fatalities);
    if (p.fatalities_low != null || p.fatalities_high != null) {
      s += ' (' + t('range') + ' ' + (p.fatalities_low != null ? p.fatalities_low : '?') + '–' + (p.fatalities_high != null ? p.fatalities_high : '?') + ')';
    }
    return s;
  }
  function incidentLink(id) {
    return location.origin + location.pathname + location.search.replace(/[?&]?$/, '') + '#incident=' + encodeURIComponent(id);
  }
  // popup builds the popup from text nodes only: notes and every other field
  // may contain HTML, which must show as text.
  function popup(f) {
    var p = f.properties;
    var box = el('div', null, 'popup');
    box.dataset.id = f.id;
    box.appendChild(el('h3', p.sub_event_type));
    var dl = el('dl');
    function row(k, v) { if (v === undefined || v === null || v === '') { return; } dl.appendChild(el('dt', k)); var dd = el('dd'); if (v instanceof Node) { dd.appendChild(v); } else { dd.textContent = String(v); } dl.appendChild(dd); }
    row(t('date'), p.event_date + ' (' + (p.time_precision >= 1 && p.time_precision <= 3 ? t('tp' + p.time_precision) : t('precision') + ' ' + p.time_precision) + ')');
    row(t('type'), typeLabel(p.event_type) + ' — ' + p.sub_event_type);
    row(t('actors'), [p.actor1, p.actor2].filter(Boolean).join(t('vs')) || null);
    row(t('fatalities'), fatalitiesText(p));
    row(t('location'), p.location);
    row(t('admin'), [p.admin1, p.admin2].filter(Boolean).join(' / ') || null);
    row(t('region'), p.region_name ? p.region_name + ' (' + p.region_code + ')' : t('outside'));
    if (p.near) { row(t('nearRow'), t('nearPlace', { km: Math.round(p.near.distance_km), dir: lang === 'fr' ? p.near.bearing.replace(/W/g, 'O') : p.near.bearing, name: p.near.name })); }
    if (p.nearest_border) { row(t('nearestBorderRow'), borderName(p.nearest_border) + ', ' + Number(p.nearest_border_km).toFixed(1) + ' km'); }
    if (p.distance_km != null) { row(t('distance'), Number(p.distance_km).toFixed(1) + ' km'); }
    row(t('geoPrecision'), p.geo_precision >= 1 && p.geo_precision <= 3 ? t('gp' + p.geo_precision) : p.geo_precision);
    if (p.source_url && /^https?:\/\//i.test(p.source_url)) {
      var a = el('a', p.source || p.source_url);
      a.href = p.source_url; a.target = '_blank'; a.rel = 'noopener noreferrer';
      row(t('source'), a);
    } else {
      row(t('source'), p.source);
    }
    row(t('tags'), (p.tags || []).join(', ') || null);
    box.appendChild(dl);
    if (p.notes) { box.appendChild(el('p', p.notes, 'notes')); }
    var copy = el('button', t('copyLink'), 'copy-link');
    copy.type = 'button';
    var out = el('input', null, 'link-out');
    out.readOnly = true; out.hidden = true; out.setAttribute('aria-label', t('copyLink'));
    copy.addEventListener('click', function () {
      out.value = incidentLink(f.id);
      out.hidden = false;
      out.select();
      var done = function () { copy.textContent = t('copied'); };
      if (navigator.clipboard && navigator.clipboard.writeText) { navigator.clipboard.writeText(out.value).then(done, function () { /* the field stays selected to copy by hand */ }); } else { done(); }
    });
    box.append(copy, out);
    return box;
  }

  var selected = null;
  var selectedPopup = L.popup({ maxWidth: 340, autoPanPadding: [20, 20] });
  // openIncident shows f's popup (and uncertainty circle) wherever it is,
  // drawn as a marker or inside a cluster, and marks it in the table and
  // in the URL (#incident=ID).
  function openIncident(f, zoomTo) {
    var c = f.geometry.coordinates;
    var at = L.latLng(c[1], c[0]);
    selected = f.id;
    if (zoomTo) { map.setView(at, Math.max(map.getZoom(), 12), { animate: false }); }
    // A popup taller than the map scrolls, so its buttons stay reachable.
    var content = popup(f);
    content.style.maxHeight = Math.max(150, map.getSize().y - 90) + 'px';
    selectedPopup.setLatLng(at).setContent(content).openOn(map);
    uncertainty.clearLayers();
    var p = f.properties;
    var km = p.uncertainty_km || DEFAULT_UNCERTAINTY_KM[p.geo_precision];
    if (p.geo_precision >= 2 && km) {
      L.circle(at, { radius: km * 1000, color: COLOR[p.event_type] || '#555', weight: 1.5, dashArray: '5 5', fill: false, interactive: false }).addTo(uncertainty);
    }
    history.replaceState(null, '', location.pathname + location.search + '#incident=' + encodeURIComponent(f.id));
    if (IM.table) { IM.table.select(f.id); }
  }
  IM.openIncident = openIncident;
  selectedPopup.on('remove', function () {
    uncertainty.clearLayers();
    selected = null;
    if (/^#incident=/.test(location.hash)) { history.replaceState(null, '', location.pathname + location.search); }
    if (IM.table) { IM.table.select(null); }
  });
  function openById(id) {
    return getJSON('/api/v1/incidents/' + encodeURIComponent(id)).then(function (f) { openIncident(f, true); return true; })
      .catch(function () { showNotice(t('notFound', { id: id })); return false; });
  }
  IM.openById = openById;
  window.addEventListener('hashchange', function () {
    var m = /^#incident=(.+)$/.exec(location.hash);
    if (m && decodeURIComponent(m[1]) !== selected) { openById(decodeURIComponent(m[1])); }
  });

  // ---- The overview and the markers ---------------------------------------
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
    m.on('click', function () { openIncident(f, false); });
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
    var key = query(state);
    if (state.event_type === 'none') { drawGroups([]); return Promise.resolve(); }
    if (base.key !== key) {
      base.key = key;
      base.promise = cached('/api/v1/aggregate?' + query(state, { zoom: BASE_LEVEL })).then(function (r) { base.cells = r.cells; base.matched = r.numberMatched; return r; });
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
        return cached('/api/v1/incidents?' + query(state, { bbox: bbs, limit: MARKERS_MAX })).then(function (fc) {
          if (seq !== viewSeq) { return; }
          if (fc.numberMatched <= fc.features.length) { drawMarkers(fc.features); return; }
          return viewCells(seq, bbs);
        });
      }
      return viewCells(seq, bbs);
    });
  }
  function viewCells(seq, bbs) {
    return cached('/api/v1/aggregate?' + query(state, { zoom: map.getZoom(), bbox: bbs })).then(function (r) {
      if (seq === viewSeq) { drawGroups(group(r.cells)); }
    });
  }
  IM.shown = function () { return shown; };
  IM.baseCells = function () { return base; };
  // forget drops what was read, so the next load reads the match again
  // (live.js, when the stream says it changed).
  IM.forget = function () { cache = {}; base.key = null; shown.ids = null; };

  // ---- Loading --------------------------------------------------------------
  var loadSeq = 0;
  var stats = null;
  function showNotice(s) { $('notice').textContent = s; $('notice').hidden = !s; }
  IM.showNotice = showNotice;
  function showCount() {
    var c = $('count');
    if (!stats) { return; }
    var n = stats.total.incidents;
    c.dataset.count = String(n);
    c.dataset.fatalities = String(stats.total.fatalities);
    c.textContent = t(n === 1 ? 'countOne' : 'count', { n: num(n), f: num(stats.total.fatalities) });
  }
  function load() {
    var seq = ++loadSeq;
    if (IM.onLoad) { IM.onLoad(); } // live.js follows the filters
    document.body.dataset.loaded = 'false';
    $('loading').hidden = false;
    showNotice('');
    updateDownloads();
    var none = state.event_type === 'none';
    var empty = { total: { incidents: 0, fatalities: 0 }, by_region: [], by_month: [], by_event_type: [] };
    return baseReady.then(function () {
      return Promise.all([
        none ? empty : getJSON('/api/v1/stats?' + query(state)),
        drawView(),
        IM.table ? IM.table.reload() : null
      ]);
    }).then(function (r) {
      if (seq !== loadSeq) { return; }
      updateDownloads();
      stats = r[0];
      showCount();
      $('empty').hidden = stats.total.incidents !== 0;
      drawHistogram();
      drawHeat();
      if (ui.layers.choro) { drawChoropleth(); }
    }).catch(function (e) {
      if (seq !== loadSeq) { return; }
      $('count').textContent = t('error');
      showNotice(e.message);
    }).then(function () {
      if (seq !== loadSeq) { return; }
      $('loading').hidden = true;
      document.body.dataset.loaded = 'true';
    });
  }
  IM.load = load;
  IM.ready = function () { return document.body.dataset.loaded === 'true'; };

  map.on('moveend', function () {
    writeURL(false);
    document.body.dataset.drawn = 'false';
    drawView().catch(function (e) { showNotice(e.message); }).then(function () { document.body.dataset.drawn = 'true'; });
  });

  // ---- Layers, legends, heat, choropleth -----------------------------------
  function syncLayers() {
    LAYERS.forEach(function (l) { $('l-' + l).checked = !!ui.layers[l]; });
    $('l-choro-by').value = ui.choroBy;
    showLayer(heat, ui.layers.heat);
    showLayer(osm, ui.layers.osm);
    if (ui.layers.osm) { osm.bringToBack(); }
    if (ui.layers.zones && !zonesLayer.getLayers().length) { getJSON('/api/v1/zones').then(function (fc) { zonesLayer.addData(fc); }); }
    showLayer(zonesLayer, ui.layers.zones);
    if (ui.layers.sites && !sitesLayer.getLayers().length) { loadSites(); }
    showLayer(sitesLayer, ui.layers.sites);
    $('zones-legend').hidden = !ui.layers.zones;
    if (ui.layers.choro) { drawChoropleth(); } else { map.removeLayer(choroLayer); $('choro-legend').hidden = true; }
  }
  function tokenGet(url) {
    var secret = sessionStorage.getItem('incidentmap-token') || '';
    return fetch(url, { headers: { Accept: 'application/json, application/geo+json', Authorization: 'Bearer ' + secret } }).then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) { throw new Error(r.status === 401 ? t('sitesNeedToken') : (body.detail || r.statusText)); }
        return body;
      });
    });
  }
  function loadSites() {
    if (!sessionStorage.getItem('incidentmap-token')) { showNotice(t('sitesNeedToken')); return; }
    tokenGet('/api/v1/sites').then(function (fc) { sitesLayer.addData(fc); }).catch(function (e) { showNotice(e.message); });
  }
  function siteSummary(f, layer) {
    tokenGet('/api/v1/sites/' + encodeURIComponent(f.id) + '/summary').then(function (s) {
      var rows = {}, days = [];
      s.windows.forEach(function (w) {
        (rows[w.radius_km] = rows[w.radius_km] || {})[w.days] = w.incidents + ' (' + w.fatalities + ')';
        if (days.indexOf(w.days) < 0) { days.push(w.days); }
      });
      var box = el('div');
      var table = el('table', null, 'site-summary');
      var head = el('tr');
      head.append(el('th'));
      days.forEach(function (d) { head.append(el('th', t('siteDays', { n: d }))); });
      table.append(head);
      Object.keys(rows).forEach(function (km) {
        var tr = el('tr');
        tr.append(el('th', t('siteWithin', { km: km })));
        days.forEach(function (d) { tr.append(el('td', rows[km][d])); });
        table.append(tr);
      });
      box.append(el('strong', f.properties.name), el('br'), el('span', t('siteSummary', { date: s.as_of })), table);
      layer.setPopupContent(box);
    }).catch(function (e) { layer.setPopupContent(el('span', e.message)); });
  }
  function showLayer(layer, on) { if (on) { layer.addTo(map); } else { map.removeLayer(layer); } }
  LAYERS.forEach(function (l) {
    $('l-' + l).addEventListener('change', function () { ui.layers[l] = this.checked; syncLayers(); writeURL(false); });
  });
  $('l-choro-by').addEventListener('change', function () { ui.choroBy = this.value; syncLayers(); writeURL(false); });
  function drawHeat() {
    heat.setLatLngs(base.cells.map(function (c) { return [c.lat, c.lon, Math.min(1, 0.2 + Math.log10(1 + c.incidents) / 3)]; }));
  }
  var choroMax = 0;
  function drawChoropleth() {
    if (!stats) { return; }
    var v = {};
    choroMax = 0;
    stats.by_region.forEach(function (b) { v[b.key] = ui.choroBy === 'fatalities' ? b.fatalities : b.incidents; choroMax = Math.max(choroMax, v[b.key]); });
    choroLayer.setStyle(function (f) {
      var x = v[f.properties.code] || 0;
      var i = choroMax ? Math.min(SHADES.length - 1, Math.floor((x / choroMax) * (SHADES.length - 1) + 0.0001)) : 0;
      return { color: '#4a5a6a', weight: 1, fillColor: x ? SHADES[Math.max(1, i)] : SHADES[0], fillOpacity: 0.75 };
    });
    choroLayer.addTo(map);
    drawChoroLegend();
  }
  function drawChoroLegend() {
    var box = $('choro-legend');
    box.hidden = !ui.layers.choro;
    box.textContent = '';
    box.append(el('span', t('choroLegend', { by: t(ui.choroBy === 'fatalities' ? 'fatalitiesWord' : 'incidentsWord') })));
    var ramp = el('span', null, 'ramp-bar');
    SHADES.forEach(function (s) { var sw = el('span', null, 'ramp-step'); sw.style.background = s; ramp.append(sw); });
    box.append(ramp, el('span', '0 – ' + num(choroMax), 'ramp-range'));
  }
  IM.legend = function () { return { choro: ui.layers.choro ? { max: choroMax, by: ui.choroBy } : null, zones: !!ui.layers.zones }; };

  // ---- Downloads ----------------------------------------------------------
  function updateDownloads() {
    var ul = $('downloads');
    ul.textContent = '';
    ((IM.formats && IM.formats.length) ? IM.formats : [{ f: 'geojson', title: 'GeoJSON' }]).forEach(function (fmt) {
      var li = el('li');
      var a = el('a', fmt.title);
      a.href = '/api/v1/incidents?' + query(state, { f: fmt.f });
      a.setAttribute('download', '');
      a.dataset.format = fmt.f;
      li.appendChild(a);
      ul.appendChild(li);
    });
  }
  $('export-png').addEventListener('click', function () { window.IM_exportPNG(IM).then(function (url) { var a = el('a'); a.href = url; a.download = 'incidentmap.png'; a.click(); }); });

  // ---- Histogram (whole match, from stats) and timeline playback ----------
  var chart = null;
  var months = [];
  function monthRange(keys) {
    var out = [];
    if (!keys.length) { return out; }
    var min = keys[0], max = keys[keys.length - 1];
    var y = Number(min.slice(0, 4)), mo = Number(min.slice(5, 7));
    while (out.length < 1200) {
      var key = y + '-' + (mo < 10 ? '0' : '') + mo;
      out.push(key);
      if (key >= max) { break; }
      mo++; if (mo > 12) { mo = 1; y++; }
    }
    return out;
  }
  function drawHistogram() {
    var by = {};
    stats.by_month.forEach(function (b) { by[b.key] = b.incidents; });
    months = monthRange(Object.keys(by).sort());
    var data = months.map(function (m) { return by[m] || 0; });
    var ds = [{ label: t('incidentsWord'), backgroundColor: '#546e7a', data: data }];
    if (!chart) {
      chart = new Chart($('histogram'), {
        type: 'bar',
        data: { labels: months, datasets: ds },
        options: {
          animation: false, responsive: true, maintainAspectRatio: false,
          plugins: { legend: { display: false }, tooltip: { mode: 'index', intersect: false } },
          scales: { x: { ticks: { autoSkip: true, maxRotation: 0 } }, y: { beginAtZero: true, ticks: { precision: 0 } } }
        }
      });
    } else {
      chart.data.labels = months;
      chart.data.datasets = ds;
      chart.update();
    }
  }
  IM.months = function () { return months; };
  // Brushing: drag across months to set the date filter.
  var brush = null;
  function monthAt(ev) {
    if (!chart || !months.length) { return null; }
    var r = $('histogram').getBoundingClientRect();
    var i = Math.round(chart.scales.x.getValueForPixel(ev.clientX - r.left));
    return months[Math.max(0, Math.min(months.length - 1, i))];
  }
  function monthEnd(m) { return m + '-' + new Date(Date.UTC(Number(m.slice(0, 4)), Number(m.slice(5, 7)), 0)).getUTCDate(); }
  $('histogram').addEventListener('mousedown', function (ev) { brush = monthAt(ev); });
  $('histogram').addEventListener('mouseup', function (ev) {
    var end = monthAt(ev);
    if (!brush || !end) { brush = null; return; }
    var a = brush < end ? brush : end, b = brush < end ? end : brush;
    brush = null;
    var s = formState();
    s.start = a + '-01';
    s.end = monthEnd(b);
    setState(s, true);
  });

  // Playback steps the dates through the histogram's months (or weeks),
  // each step drawn before the next; pausing keeps the step shown.
  var play = null;
  function iso(d) { return d.toISOString().slice(0, 10); }
  function playStep() {
    if (!play) { return; }
    if (play.at >= play.end) { stopPlay(); return; }
    var from = new Date(play.at), to = new Date(play.at);
    if (play.step === 'week') { to.setUTCDate(to.getUTCDate() + 6); } else { to = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth() + 1, 0)); }
    play.at = new Date(to.getTime() + 86400000).getTime();
    var s = formState();
    s.start = iso(from); s.end = iso(to);
    $('play-at').textContent = s.start + ' – ' + s.end;
    setState(s, false);
    load().then(function () { if (play) { play.timer = setTimeout(playStep, 700); } });
  }
  function stopPlay() {
    if (play) { clearTimeout(play.timer); }
    play = null;
    $('play').textContent = t('play');
    $('play').setAttribute('aria-pressed', 'false');
  }
  $('play').addEventListener('click', function () {
    if (play) { stopPlay(); return; }
    if (!months.length) { return; }
    var first = months[0], last = months[months.length - 1];
    play = { step: $('play-step').value, at: Date.parse(first + '-01T00:00:00Z'), end: Date.parse(monthEnd(last) + 'T00:00:00Z') + 86400000 };
    this.textContent = t('pause');
    this.setAttribute('aria-pressed', 'true');
    playStep();
  });

  // ---- Start --------------------------------------------------------------
  state = readURL();
  translatePage();
  if (ui.view) { map.setView([ui.view[1], ui.view[2]], ui.view[0]); } else { map.setView([17.5, 8.5], 6); }
  fillForm();
  syncLayers();
  load();
  var first = /^#incident=(.+)$/.exec(location.hash);
  if (first) { baseReady.then(function () { openById(decodeURIComponent(first[1])); }); }

  // For people poking at the map from the console, and for the browser tests.
  window.incidentmap = {
    map: map,
    state: function () { return state; },
    // ids lists the incidents drawn one by one (empty in the overview).
    ids: function () { return shown.features.map(function (f) { return f.id; }).sort(); },
    shown: function () { return { mode: shown.mode, inView: shown.inView, groups: shown.groups.length, features: shown.features.length }; },
    baseTotal: function () { return base.cells.reduce(function (s, c) { return s + c.incidents; }, 0); },
    open: function (id) { return openById(id); },
    // openSite opens the popup of the i-th site drawn; says how many are.
    openSite: function (i) { var ls = sitesLayer.getLayers(); if (ls[i]) { ls[i].openPopup(); } return ls.length; },
    // markerPoints: where each incident drawn one by one is on the page.
    markerPoints: function () {
      var out = {};
      var r = map.getContainer().getBoundingClientRect();
      markers.eachLayer(function (m) {
        if (!m._map) { return; } // inside a cluster
        var p = map.latLngToContainerPoint(m.getLatLng());
        out[m.feature.id] = [p.x + r.left, p.y + r.top];
      });
      return out;
    },
    exportPNG: function () { return window.IM_exportPNG(IM); }
  };
})();
