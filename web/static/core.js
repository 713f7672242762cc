// incidentmap's web map. Plain JavaScript over the vendored Leaflet,
// markercluster, leaflet.heat and Chart.js; no build step, no network beyond
// this server (the OpenStreetMap layer is an opt-in extra).
//
// Every match is on the map at every zoom: the header, histogram and
// choropleth come from /api/v1/stats for the whole match (stats.js); the map
// draws an overview of counts per s2 cell (/api/v1/aggregate) and the
// incidents themselves once few enough are in view (overview.js). The files
// share one namespace, window.IM, and load in the order index.html lists:
// this one (vocabulary, language, requests), map.js (the map and its
// layers), filters.js (the filters and the URL), popup.js, overview.js,
// stats.js, timeline.js, search.js, watches.js, then app.js starts the map;
// table.js lists the match page by page, live.js follows the stream,
// export.js saves the view as a PNG.
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
  var SHADES = ['#fff5eb', '#fdd0a2', '#fd8d3c', '#d94801', '#7f2704'];

  var $ = function (id) { return document.getElementById(id); };
  var IM = window.IM = {
    COLOR: COLOR, TYPES: TYPES, SHADES: SHADES,
    BORDERS: ['MLI', 'BFA', 'BEN', 'NGA', 'TCD', 'LBY', 'DZA'],
    FILTERS: ['start', 'end', 'event_type', 'region', 'border', 'border_km', 'bbox', 'near', 'radius_km', 'min_fatalities', 'q'],
    LAYERS: ['heat', 'choro', 'zones', 'sites', 'osm'],
    DEFAULT_UNCERTAINTY_KM: { 2: 15, 3: 50 },
    // The land (Niger, its neighbours) on canvas, light or dark with the system.
    LAND: window.matchMedia('(prefers-color-scheme: dark)').matches ? ['#2b3238', '#22282d'] : ['#fbfaf5', '#eceae2'],
    $: $,
    // The map's view and layers as the URL has them (filters.js).
    ui: { layers: {}, choroBy: 'incidents' }
  };

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
  IM.t = t; IM.typeLabel = typeLabel; IM.borderName = borderName; IM.num = num; IM.lang = function () { return lang; };

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
  IM.translatePage = translatePage;

  $('lang').addEventListener('change', function () {
    lang = this.value;
    try { localStorage.setItem('incidentmap.lang', lang); } catch (e) { /* storage off */ }
    var p = new URLSearchParams(location.search);
    p.set('lang', lang);
    history.replaceState(null, '', location.pathname + '?' + p.toString() + location.hash);
    translatePage();
    IM.drawSpatial();
    IM.showCount();
    if (IM.table) { IM.table.render(); }
    if (IM.watches) { IM.watches.render(); }
    IM.drawChoroLegend();
  });

  // ---- Requests and the page ------------------------------------------------
  function getJSON(url) {
    return fetch(url, { headers: { Accept: 'application/json, application/geo+json' } }).then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) { var e = new Error(body.detail || r.statusText); e.status = r.status; throw e; }
        return body;
      });
    });
  }
  IM.getJSON = getJSON;

  IM.el = function (tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    if (cls) { e.className = cls; }
    return e;
  };
  IM.showNotice = function (s) { $('notice').textContent = s; $('notice').hidden = !s; };
})();
