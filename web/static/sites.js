// Sites (bases, roads, camps) say where teams are, so they are read with
// the token the review screen keeps for the browser session; a click on one
// shows its summary (incidents and fatalities within 10/25/50 km over the
// last 7/30/90 days, /api/v1/sites/{id}/summary).
(function () {
  'use strict';
  var IM = window.IM, t = IM.t, el = IM.el, map = IM.map;

  var sitesLayer = L.geoJSON(null, {
    style: { color: '#00695c', weight: 3, fillOpacity: 0.15 },
    pointToLayer: function (f, ll) { return L.circleMarker(ll, { radius: 7, color: '#00695c', weight: 2, fillOpacity: 0.6 }); },
    onEachFeature: function (f, layer) {
      layer.bindPopup(function () { return el('strong', f.properties.name); });
      layer.on('popupopen', function () { siteSummary(f, layer); });
    }
  });
  IM.layers.sites = sitesLayer;

  function token() {
    try { return sessionStorage.getItem('incidentmap-token') || ''; } catch (e) { return ''; }
  }
  function tokenGet(url) {
    return fetch(url, { headers: { Accept: 'application/json, application/geo+json', Authorization: 'Bearer ' + token() } }).then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) { throw new Error(r.status === 401 ? t('sitesNeedToken') : (body.detail || r.statusText)); }
        return body;
      });
    });
  }
  function loadSites() {
    if (!token()) { IM.showNotice(t('sitesNeedToken')); return; }
    tokenGet('/api/v1/sites').then(function (fc) { sitesLayer.addData(fc); }).catch(function (e) { IM.showNotice(e.message); });
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

  // showSites shows or hides the layer (stats.js's syncLayers), reading the
  // sites the first time it is shown.
  IM.showSites = function (on) {
    if (on && !sitesLayer.getLayers().length) { loadSites(); }
    if (on) { sitesLayer.addTo(map); } else { map.removeLayer(sitesLayer); }
  };
  IM.openSite = function (i) { var ls = sitesLayer.getLayers(); if (ls[i]) { ls[i].openPopup(); } return ls.length; };
})();
