// An incident's popup, and the incident selected: opened from a marker, a
// row of the table or a link (#incident=ID), with its uncertainty circle.
(function () {
  'use strict';
  var IM = window.IM, t = IM.t, el = IM.el, map = IM.map, getJSON = IM.getJSON, showNotice = IM.showNotice;
  var typeLabel = IM.typeLabel, borderName = IM.borderName, COLOR = IM.COLOR, DEFAULT_UNCERTAINTY_KM = IM.DEFAULT_UNCERTAINTY_KM;
  var uncertainty = IM.layers.uncertainty;

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
    if (p.near) { row(t('nearRow'), t('nearPlace', { km: Math.round(p.near.distance_km), dir: IM.lang() === 'fr' ? p.near.bearing.replace(/W/g, 'O') : p.near.bearing, name: p.near.name })); }
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
})();
