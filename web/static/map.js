// The map, its base layers (regions, borders, zones) and the layers the
// other files draw into, in the panes that keep their drawing order; and
// the base map read once: the countries the data covers, fitted to.
(function () {
  'use strict';
  var IM = window.IM, $ = IM.$, t = IM.t, ui = IM.ui, LAND = IM.LAND, getJSON = IM.getJSON;

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
  var overviewLayer = L.layerGroup().addTo(map);
  // Incidents in view when few: co-located ones cluster until the deepest
  // zoom, where a click spreads them out (spiderfy) so each can be opened.
  var markers = L.markerClusterGroup({
    chunkedLoading: true, showCoverageOnHover: false, spiderfyOnMaxZoom: true, zoomToBoundsOnClick: true,
    maxClusterRadius: function (z) { return z >= 13 ? 12 : 30; },
    iconCreateFunction: function (c) { return IM.clusterIcon(c.getChildCount()); }
  }).addTo(map);
  var heat = L.heatLayer([], { radius: 22, blur: 18, maxZoom: 10 });
  var spatialLayer = L.layerGroup().addTo(map);
  var uncertainty = L.layerGroup().addTo(map);
  IM.layers = {
    regions: regionsLayer, choro: choroLayer, zones: zonesLayer, borders: bordersLayer, heat: heat,
    markers: markers, overview: overviewLayer, spatial: spatialLayer, uncertainty: uncertainty
  };

  // regionOptions maps a region's code and name (lower case) to its code,
  // so a link naming a region either way selects it (filters.js).
  var regionOptions = IM.regionOptions = {};
  // The base layer is the countries the data covers (at most 20 of them;
  // Niger's when the database is empty) and the map opens fitted to the
  // data, unless the URL holds a view.
  var coverage = getJSON('/api/v1/coverage').catch(function () { return { countries: [] }; }).then(function (cov) {
    var cs = (cov.countries || []).slice(0, 20);
    if (!cs.length) { cs = ['NER']; }
    return { countries: cs, bbox: cov.bbox };
  });
  IM.baseReady = Promise.all([
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
  ]).catch(function (e) { IM.showNotice(t('baseMapError', { e: e.message })); }).then(function () { IM.fillForm(); });
})();
