// The filters: the form, the spatial filters (a drawn box, a point and
// radius) and the URL, which holds the filters, the map's view, the layers
// and the language, so a link restores all of them (#incident=ID opens one
// incident, popup.js).
(function () {
  'use strict';
  var IM = window.IM, $ = IM.$, t = IM.t, el = IM.el, ui = IM.ui, map = IM.map;
  var typeLabel = IM.typeLabel, borderName = IM.borderName, regionOptions = IM.regionOptions;
  var FILTERS = IM.FILTERS, LAYERS = IM.LAYERS;
  var form = $('filters');
  var spatialLayer = IM.layers.spatial;
  var state = {};

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
    if (new URLSearchParams(location.search).get('lang')) { p.set('lang', IM.lang()); }
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
    IM.load();
  }
  IM.setState = setState;
  IM.queryOf = query;
  IM.writeURL = writeURL;
  // restore reads the filters, view and layers from the URL (at start).
  IM.restore = function () { state = readURL(); };
  window.addEventListener('popstate', function () { state = readURL(); fillForm(); IM.syncLayers(); IM.load(); });

  // ---- Filters form -----------------------------------------------------
  IM.TYPES.forEach(function (ty) {
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
  IM.BORDERS.forEach(function (c) {
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
  IM.fillForm = fillForm;

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

  // Typed values wait 400 ms for the next keystroke; event-type boxes wait
  // 200 ms for the next click, so an analyst clicking through types loads
  // once (each load asks for stats, counts per cell and a page), not once
  // a click.
  var debounce;
  function onFormChange(e) {
    var target = e && e.target;
    if (target && target.id === 'f-border-km') { $('border-km-out').textContent = target.value; }
    if (target && target.type === 'date' && !dateOK(target.value)) { return; }
    clearTimeout(debounce);
    var wait = !target ? 0 : /^(search|range|number|date)$/.test(target.type) ? 400 : target.type === 'checkbox' ? 200 : 0;
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
  IM.drawSpatial = drawSpatial;
})();
