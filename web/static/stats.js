// Loading a match: the header's totals, the histogram and the choropleth
// from /api/v1/stats for the whole match, the overview (overview.js) and the
// table's first page, all at once; the layers, their legends and the
// downloads of what is shown.
(function () {
  'use strict';
  var IM = window.IM, $ = IM.$, t = IM.t, el = IM.el, num = IM.num, ui = IM.ui, map = IM.map;
  var getJSON = IM.getJSON, showNotice = IM.showNotice, SHADES = IM.SHADES, LAYERS = IM.LAYERS;
  var heat = IM.layers.heat, choroLayer = IM.layers.choro, zonesLayer = IM.layers.zones, osm = IM.osm;

  var loadSeq = 0;
  var stats = null;
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
    var none = IM.state().event_type === 'none';
    var empty = { total: { incidents: 0, fatalities: 0 }, by_region: [], by_month: [], by_event_type: [] };
    return IM.baseReady.then(function () {
      return Promise.all([
        none ? empty : getJSON('/api/v1/stats?' + IM.query()),
        IM.drawView(),
        IM.table ? IM.table.reload() : null
      ]);
    }).then(function (r) {
      if (seq !== loadSeq) { return; }
      updateDownloads();
      stats = r[0];
      showCount();
      $('empty').hidden = stats.total.incidents !== 0;
      IM.drawHistogram(stats);
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

  IM.showCount = showCount;

  // ---- Layers, legends, heat, choropleth -----------------------------------
  function syncLayers() {
    LAYERS.forEach(function (l) { $('l-' + l).checked = !!ui.layers[l]; });
    $('l-choro-by').value = ui.choroBy;
    showLayer(heat, ui.layers.heat);
    showLayer(osm, ui.layers.osm);
    if (ui.layers.osm) { osm.bringToBack(); }
    if (ui.layers.zones && !zonesLayer.getLayers().length) { getJSON('/api/v1/zones').then(function (fc) { zonesLayer.addData(fc); }); }
    showLayer(zonesLayer, ui.layers.zones);
    IM.showSites(ui.layers.sites);
    $('zones-legend').hidden = !ui.layers.zones;
    if (ui.layers.choro) { drawChoropleth(); } else { map.removeLayer(choroLayer); $('choro-legend').hidden = true; }
  }
  function showLayer(layer, on) { if (on) { layer.addTo(map); } else { map.removeLayer(layer); } }
  LAYERS.forEach(function (l) {
    $('l-' + l).addEventListener('change', function () { ui.layers[l] = this.checked; syncLayers(); IM.writeURL(false); });
  });
  $('l-choro-by').addEventListener('change', function () { ui.choroBy = this.value; syncLayers(); IM.writeURL(false); });
  function drawHeat() {
    heat.setLatLngs(IM.baseCells().cells.map(function (c) { return [c.lat, c.lon, Math.min(1, 0.2 + Math.log10(1 + c.incidents) / 3)]; }));
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
      a.href = '/api/v1/incidents?' + IM.query({ f: fmt.f });
      a.setAttribute('download', '');
      a.dataset.format = fmt.f;
      li.appendChild(a);
      ul.appendChild(li);
    });
  }
  $('export-png').addEventListener('click', function () { window.IM_exportPNG(IM).then(function (url) { var a = el('a'); a.href = url; a.download = 'incidentmap.png'; a.click(); }); });
  IM.syncLayers = syncLayers;
  IM.drawChoroLegend = drawChoroLegend;
})();
