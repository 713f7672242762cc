// The histogram of the whole match per month (from /api/v1/stats), brushed
// to set the dates, and the timeline playback that steps through them.
(function () {
  'use strict';
  var IM = window.IM, $ = IM.$, t = IM.t;

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
  function drawHistogram(stats) {
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
    var s = IM.formState();
    s.start = a + '-01';
    s.end = monthEnd(b);
    IM.setState(s, true);
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
    var s = IM.formState();
    s.start = iso(from); s.end = iso(to);
    $('play-at').textContent = s.start + ' – ' + s.end;
    IM.setState(s, false);
    IM.load().then(function () { if (play) { play.timer = setTimeout(playStep, 700); } });
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
  IM.drawHistogram = drawHistogram;
})();
