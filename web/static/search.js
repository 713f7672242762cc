// Place search: a place name (or "near Torodi") through /api/v1/geocode
// moves the map there and offers the incidents near it.
(function () {
  'use strict';
  var IM = window.IM, $ = IM.$, t = IM.t, el = IM.el, map = IM.map;

  $('place-search').addEventListener('submit', function (e) {
    e.preventDefault();
    var q = $('place-q').value.trim();
    if (!q) { return; }
    IM.getJSON('/api/v1/geocode?q=' + encodeURIComponent(q)).then(function (cs) {
      var c = cs[0];
      var at = L.latLng(c.lat, c.lon);
      var km = Math.max(5, Math.round(c.radius_km || 25));
      // At once, not animated: a popup opened during the zoom moves under
      // the pointer, and a click meant for it closes it instead.
      map.setView(at, c.geo_precision >= 3 ? 8 : 10, { animate: false });
      var box = el('div', null, 'place-popup');
      box.append(el('strong', c.matched || q));
      var go = el('button', t('nearHere') + ' (' + km + ' km)');
      go.type = 'button';
      go.id = 'near-here';
      go.addEventListener('click', function () { IM.nearHere(at, km); });
      box.append(el('br'), go);
      L.popup().setLatLng(at).setContent(box).openOn(map);
    }).catch(function (err) { IM.showNotice(t('placeNotFound', { reason: err.message })); });
  });
})();
