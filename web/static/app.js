// Starts the map (the files before this one set it up; core.js says which
// does what): the filters, view and layers from the URL, the first load,
// and the incident a link names (#incident=ID).
(function () {
  'use strict';
  var IM = window.IM, ui = IM.ui, map = IM.map, markers = IM.layers.markers;

  IM.restore();
  IM.translatePage();
  if (ui.view) { map.setView([ui.view[1], ui.view[2]], ui.view[0]); } else { map.setView([17.5, 8.5], 6); }
  IM.fillForm();
  IM.syncLayers();
  IM.load();
  var first = /^#incident=(.+)$/.exec(location.hash);
  if (first) { IM.baseReady.then(function () { IM.openById(decodeURIComponent(first[1])); }); }

  // For people poking at the map from the console, and for the browser tests.
  window.incidentmap = {
    map: map,
    state: function () { return IM.state(); },
    // ids lists the incidents drawn one by one (empty in the overview).
    ids: function () { return IM.shown().features.map(function (f) { return f.id; }).sort(); },
    shown: function () { var shown = IM.shown(); return { mode: shown.mode, inView: shown.inView, groups: shown.groups.length, features: shown.features.length }; },
    baseTotal: function () { return IM.baseCells().cells.reduce(function (s, c) { return s + c.incidents; }, 0); },
    open: function (id) { return IM.openById(id); },
    // openSite opens the popup of the i-th site drawn; says how many are.
    openSite: function (i) { return IM.openSite(i); },
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
