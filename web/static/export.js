// Saves the map's view as a PNG with its legend and attribution, with no
// library: the map's own canvases (regions, borders, zones, the incidents,
// the heatmap; the map draws with preferCanvas) are copied onto one canvas,
// the clusters (HTML icons) are drawn again from their counts, and the
// online tiles only when they are loaded and came with CORS (else the
// canvas would be tainted and could not be saved).
window.IM_exportPNG = function (IM) {
  'use strict';
  var map = IM.map;
  var box = map.getContainer().getBoundingClientRect();
  var w = Math.round(box.width), h = Math.round(box.height);
  var canvas = document.createElement('canvas');
  canvas.width = w;
  canvas.height = h;
  var ctx = canvas.getContext('2d');
  var css = getComputedStyle(map.getContainer());
  ctx.fillStyle = css.backgroundColor || '#dfe8ee';
  ctx.fillRect(0, 0, w, h);
  function drawAt(img) {
    var r = img.getBoundingClientRect();
    ctx.drawImage(img, r.left - box.left, r.top - box.top, r.width, r.height);
  }
  if (map.hasLayer(IM.osm)) {
    var tiles = document.createElement('canvas');
    tiles.width = w; tiles.height = h;
    var tctx = tiles.getContext('2d');
    map.getContainer().querySelectorAll('.leaflet-tile-pane img.leaflet-tile-loaded').forEach(function (img) {
      var r = img.getBoundingClientRect();
      tctx.drawImage(img, r.left - box.left, r.top - box.top, r.width, r.height);
    });
    try {
      tctx.getImageData(0, 0, 1, 1); // throws when a tile tainted it
      ctx.drawImage(tiles, 0, 0);
    } catch (e) { /* tiles without CORS are left out */ }
  }
  // Canvases in pane order (regions 300, zones 350, borders 390, overlay 400).
  var canvases = Array.prototype.slice.call(map.getContainer().querySelectorAll('.leaflet-pane canvas'));
  canvases.sort(function (a, b) { return paneZ(a) - paneZ(b); });
  function paneZ(c) { var p = c.closest('.leaflet-pane'); return Number(getComputedStyle(p).zIndex) || 0; }
  canvases.forEach(drawAt);
  // Clusters: grey discs with their counts, as on screen.
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  IM.shown().groups.forEach(function (g) {
    var p = map.latLngToContainerPoint([g.lat, g.lon]);
    if (p.x < -30 || p.y < -30 || p.x > w + 30 || p.y > h + 30) { return; }
    var r = (26 + 7 * Math.log10(Math.max(1, g.n))) / 2;
    ctx.beginPath();
    ctx.arc(p.x, p.y, r, 0, 2 * Math.PI);
    ctx.fillStyle = 'rgba(38,50,56,0.85)';
    ctx.fill();
    ctx.lineWidth = 2;
    ctx.strokeStyle = '#fff';
    ctx.stroke();
    ctx.fillStyle = '#fff';
    ctx.font = 'bold 12px system-ui, sans-serif';
    ctx.fillText(g.n >= 10000 ? Math.round(g.n / 1000) + 'k' : String(g.n), p.x, p.y);
  });
  // The legend, top left: title, count, event types, the shading.
  var lines = [{ text: 'incidentmap — ' + document.getElementById('count').textContent, bold: true }];
  IM.TYPES.forEach(function (t) { lines.push({ text: IM.typeLabel(t[0]), color: t[1] }); });
  var lg = IM.legend();
  if (lg.choro) { lines.push({ text: IM.t('choroLegend', { by: IM.t(lg.choro.by === 'fatalities' ? 'fatalitiesWord' : 'incidentsWord') }) + ': 0 – ' + IM.num(lg.choro.max), ramp: true }); }
  if (lg.zones) { lines.push({ text: IM.t('zonesLegend'), color: 'rgba(230,81,0,0.35)' }); }
  ctx.font = '12px system-ui, sans-serif';
  ctx.textAlign = 'left';
  var lw = 0;
  lines.forEach(function (l) { ctx.font = (l.bold ? 'bold ' : '') + '12px system-ui, sans-serif'; lw = Math.max(lw, ctx.measureText(l.text).width + (l.color ? 20 : 0) + (l.ramp ? 0 : 0)); });
  var lh = 18, pad = 8, lx = 50, ly = 10;
  var legendH = lines.length * lh + pad * 2 + (lg.choro ? 12 : 0);
  ctx.fillStyle = 'rgba(255,255,255,0.9)';
  ctx.fillRect(lx, ly, lw + pad * 2, legendH);
  var y = ly + pad + lh / 2;
  lines.forEach(function (l) {
    var x = lx + pad;
    if (l.color) {
      ctx.beginPath(); ctx.arc(x + 6, y, 6, 0, 2 * Math.PI); ctx.fillStyle = l.color; ctx.fill();
      ctx.strokeStyle = '#333'; ctx.lineWidth = 1; ctx.stroke();
      x += 20;
    }
    ctx.fillStyle = '#1d2327';
    ctx.font = (l.bold ? 'bold ' : '') + '12px system-ui, sans-serif';
    ctx.fillText(l.text, x, y);
    if (l.ramp) {
      IM.SHADES.forEach(function (s, i) { ctx.fillStyle = s; ctx.fillRect(lx + pad + i * 24, y + 8, 24, 10); });
      y += 12;
    }
    y += lh;
  });
  // The attribution, bottom right, as the map shows it.
  var attr = map.getContainer().querySelector('.leaflet-control-attribution');
  var text = attr ? attr.textContent : '';
  ctx.font = '11px system-ui, sans-serif';
  var tw = ctx.measureText(text).width;
  ctx.fillStyle = 'rgba(255,255,255,0.85)';
  ctx.fillRect(w - tw - 10, h - 18, tw + 10, 18);
  ctx.fillStyle = '#333';
  ctx.fillText(text, w - tw - 5, h - 9);
  return Promise.resolve(canvas.toDataURL('image/png'));
};
