/* Report charts: small SVG bar charts drawn from the page's JSON data.
 *
 * Why not a charting library: the page runs under a strict CSP (no eval, no
 * inline styles), and SVG is simple enough to build by hand. Every colour,
 * font and size is a presentation attribute on the SVG elements, never CSS,
 * so an exported SVG (and the PNG drawn from it) looks like the page.
 * Text is only ever set through textContent: corpus, document, system and
 * annotator names are user data.
 */
(function () {
  'use strict';

  const SVG_NS = 'http://www.w3.org/2000/svg';
  const FONT = 'Helvetica, Arial, sans-serif';
  const SEVERITY_COLORS = {
    Critical: '#7b1fa2', Major: '#c0392b', Minor: '#d69e2e', Neutral: '#4a6fa5',
  };
  const BAR_COLOR = '#2b6cb0';
  const PROGRESS_SERIES = [
    { name: 'Finished', color: '#2f855a' },
    { name: 'Draft', color: '#d69e2e' },
    { name: 'Remaining', color: '#cbd5e0' },
  ];

  const dataNode = document.getElementById('chart-data');
  if (!dataNode) return;
  const data = JSON.parse(dataNode.textContent);

  function el(name, attrs, parent) {
    const node = document.createElementNS(SVG_NS, name);
    for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, String(value));
    if (parent) parent.appendChild(node);
    return node;
  }

  function label(parent, x, y, content, attrs) {
    const node = el('text', Object.assign({ x, y }, attrs || {}), parent);
    node.textContent = content;
    return node;
  }

  function fmt(value, digits) {
    if (value === null || value === undefined) return '—';
    return digits ? Number(value).toFixed(digits) : String(value);
  }

  const measure = document.createElement('canvas').getContext('2d');

  /** Width of `text` in pixels at `size`, as the SVG will draw it. */
  function textWidth(text, size) {
    measure.font = `${size || 12}px ${FONT}`;
    return measure.measureText(text).width;
  }

  /** `text` cut with an ellipsis to fit `pixels` (the full text is in the bar's tooltip). */
  function fit(text, pixels, size) {
    if (textWidth(text, size) <= pixels) return text;
    let low = 0;
    let high = text.length;
    while (low < high) {
      const mid = Math.ceil((low + high) / 2);
      if (textWidth(text.slice(0, mid) + '…', size) <= pixels) low = mid;
      else high = mid - 1;
    }
    return text.slice(0, Math.max(1, low)) + '…';
  }

  /** A round upper bound for the axis and its tick step. */
  function niceScale(max) {
    if (!(max > 0)) return { max: 1, step: 0.25 };
    const raw = max / 4;
    const power = Math.pow(10, Math.floor(Math.log10(raw)));
    const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= raw);
    return { max: Math.ceil(max / step - 1e-9) * step, step };
  }

  function tickText(value, step) {
    return step < 1 ? value.toFixed(step < 0.1 ? 2 : 1) : String(Math.round(value));
  }

  function svgRoot(spec, width, height) {
    const svg = el('svg', {
      xmlns: SVG_NS, width, height, viewBox: `0 0 ${width} ${height}`,
      role: 'img', 'font-family': FONT, 'font-size': 12, fill: '#222',
    });
    svg.setAttribute('aria-label', spec.title);
    el('title', {}, svg).textContent = spec.title;
    el('rect', { x: 0, y: 0, width, height, fill: '#ffffff', class: 'background' }, svg);
    return svg;
  }

  function legend(svg, series, x, y) {
    let at = x;
    for (const item of series) {
      el('rect', { x: at, y: y - 10, width: 12, height: 12, fill: item.color }, svg);
      label(svg, at + 16, y, item.name);
      at += 28 + textWidth(item.name);
    }
  }

  /** Horizontal (stacked) bars: one row per category, document, system... */
  function horizontal(spec, width) {
    const series = spec.series;
    // As wide as the longest label needs, up to 40% of the chart.
    const longest = Math.max(0, ...spec.rows.map((r) => textWidth(r.label)));
    const labelWidth = Math.round(Math.min(longest + 14, Math.max(90, width * 0.4), 260));
    const right = 48;
    const top = series.length > 1 ? 30 : 8;
    const rowHeight = 24;
    const plotWidth = Math.max(60, width - labelWidth - right);
    const height = top + spec.rows.length * rowHeight + 40;
    const svg = svgRoot(spec, width, height);
    if (series.length > 1) legend(svg, series, labelWidth, 16);
    const totals = spec.rows.map((r) => r.values.reduce((a, b) => a + (b || 0), 0));
    const scale = niceScale(Math.max(0, ...totals));
    const x = (v) => labelWidth + (v / scale.max) * plotWidth;
    const bottom = top + spec.rows.length * rowHeight;
    const axis = el('g', { class: 'axis', 'font-size': 11, fill: '#555' }, svg);
    for (let tick = 0; tick <= scale.max + 1e-9; tick += scale.step) {
      el('line', { x1: x(tick), x2: x(tick), y1: top, y2: bottom, stroke: '#e2e8f0' }, axis);
      label(axis, x(tick), bottom + 14, tickText(tick, scale.step), { 'text-anchor': 'middle' });
    }
    label(axis, labelWidth + plotWidth / 2, bottom + 32, spec.axisLabel, { 'text-anchor': 'middle' });
    spec.rows.forEach((row, index) => {
      const y = top + index * rowHeight;
      const group = el('g', { class: 'bar' }, svg);
      group.setAttribute('data-label', row.label);
      el('title', {}, group).textContent = row.tooltip;
      label(group, labelWidth - 6, y + 16, fit(row.label, labelWidth - 10), { 'text-anchor': 'end' });
      let at = 0;
      row.values.forEach((value, s) => {
        if (!value) return;
        const mark = el('rect', {
          class: 'mark', x: x(at), y: y + 4, height: rowHeight - 8,
          width: Math.max(1, x(at + value) - x(at)), fill: series[s].color,
        }, group);
        mark.setAttribute('data-series', series[s].name);
        at += value;
      });
      label(group, x(at) + 4, y + 16, row.valueText, { 'font-size': 11, fill: '#333' });
    });
    return svg;
  }

  /** Vertical bars, one per histogram bin. */
  function vertical(spec, width) {
    const left = 40;
    const right = 10;
    const top = 12;
    const plotHeight = 170;
    const band = (width - left - right) / spec.rows.length;
    const rotate = Math.max(0, ...spec.rows.map((r) => textWidth(r.label, 10))) > band * 0.9;
    const height = top + plotHeight + (rotate ? 62 : 44);
    const svg = svgRoot(spec, width, height);
    const scale = niceScale(Math.max(0, ...spec.rows.map((r) => r.values[0] || 0)));
    const y = (v) => top + plotHeight - (v / scale.max) * plotHeight;
    const axis = el('g', { class: 'axis', 'font-size': 11, fill: '#555' }, svg);
    for (let tick = 0; tick <= scale.max + 1e-9; tick += scale.step) {
      el('line', { x1: left, x2: width - right, y1: y(tick), y2: y(tick), stroke: '#e2e8f0' }, axis);
      label(axis, left - 4, y(tick) + 4, tickText(tick, scale.step), { 'text-anchor': 'end' });
    }
    label(axis, left + (width - left - right) / 2, height - 4, spec.axisLabel, { 'text-anchor': 'middle' });
    spec.rows.forEach((row, index) => {
      const value = row.values[0] || 0;
      const cx = left + band * index + band / 2;
      const group = el('g', { class: 'bar' }, svg);
      group.setAttribute('data-label', row.label);
      el('title', {}, group).textContent = row.tooltip;
      el('rect', {
        class: 'mark', x: left + band * index + band * 0.12, width: band * 0.76,
        y: y(value), height: Math.max(0, y(0) - y(value)), fill: BAR_COLOR,
      }, group);
      if (value) label(group, cx, y(value) - 3, String(value), { 'text-anchor': 'middle', 'font-size': 10 });
      const ly = top + plotHeight + 14;
      const text = label(group, cx, ly, row.label, { 'text-anchor': rotate ? 'end' : 'middle', 'font-size': 10 });
      if (rotate) text.setAttribute('transform', `rotate(-40 ${cx} ${ly})`);
    });
    return svg;
  }

  function single(rows, name) {
    return { rows, series: [{ name, color: BAR_COLOR }] };
  }

  const corpusName = data.corpus.name;
  const severities = data.severities;
  const manySystems = new Set(data.worst.map((w) => w.system)).size > 1;

  /** Chart specs by the figure's data-chart key. */
  const SPECS = {
    errors: () => ({
      kind: horizontal,
      title: `Errors by category and severity — ${corpusName}`,
      axisLabel: 'Errors',
      series: severities.map((s) => ({ name: s, color: SEVERITY_COLORS[s] || '#888' })),
      rows: data.errors.map((r) => ({
        label: r.category,
        values: severities.map((s) => r.counts[s] || 0),
        valueText: String(r.total),
        tooltip: `${r.category}: ${severities.map((s) => `${r.counts[s]} ${s}`).join(', ')}`,
      })),
    }),
    documents: () => Object.assign({
      kind: horizontal,
      title: `MQM per document — ${corpusName}`,
      axisLabel: 'MQM: mean penalty per segment (lower is better)',
    }, single(data.documents.map((d) => ({
      label: d.document, values: [d.mqm || 0], valueText: fmt(d.mqm, 2),
      tooltip: `${d.document}: MQM ${fmt(d.mqm, 2)} over ${d.segments} segments`,
    })), 'MQM')),
    systems: () => Object.assign({
      kind: horizontal,
      title: `MQM per system — ${corpusName}`,
      axisLabel: 'MQM: mean penalty per segment (lower is better)',
    }, single(data.systems.map((s) => ({
      label: s.system, values: [s.mqm || 0], valueText: fmt(s.mqm, 2),
      tooltip: `${s.system}: MQM ${fmt(s.mqm, 2)} over ${s.segments} segments`,
    })), 'MQM')),
    'hist-mqm': () => histogram('Segment MQM penalties', 'MQM penalty', data.histograms.mqm),
    'hist-chrf': () => histogram('Segment chrF', 'chrF', data.histograms.chrf),
    'hist-ter': () => histogram('Segment TER', 'TER', data.histograms.ter),
    worst: () => Object.assign({
      kind: horizontal,
      title: `Worst segments by MQM penalty — ${corpusName}`,
      axisLabel: 'MQM penalty',
    }, single(data.worst.map((w) => {
      // Position first: long document names are cut at the end.
      const where = `#${w.position} ` + (manySystems ? `${w.system} ` : '') + w.document;
      return {
        label: where, values: [w.mqm], valueText: fmt(w.mqm, 1),
        tooltip: `${where}: penalty ${fmt(w.mqm, 1)}, ${w.spans.length} errors`,
      };
    }), 'MQM')),
    progress: () => ({
      kind: horizontal,
      title: `Annotator progress — ${corpusName}`,
      axisLabel: 'Translations',
      series: PROGRESS_SERIES,
      rows: data.progress.map((p) => ({
        label: p.annotator,
        values: [p.finished, p.draft, p.remaining || 0],
        valueText: p.assigned === null ? `${p.finished} done` : `${p.finished}/${p.assigned}`,
        tooltip: `${p.annotator}: ${p.finished} finished, ${p.draft} draft` +
          (p.assigned === null ? ', nothing assigned' : `, ${p.remaining} remaining of ${p.assigned}`),
      })),
    }),
  };

  function histogram(title, unit, bins) {
    return Object.assign({
      kind: vertical,
      title: `${title} — ${corpusName}`,
      axisLabel: `${unit} (segments per bin)`,
    }, single(bins.map((b) => ({
      label: b.label, values: [b.count], tooltip: `${unit} ${b.label}: ${b.count} segments`,
    })), 'Segments'));
  }

  function draw(figure) {
    const plot = figure.querySelector('.chart-plot');
    const make = SPECS[figure.dataset.chart];
    if (!plot || !make) return;
    const width = Math.max(260, Math.floor(plot.clientWidth));
    if (plot.dataset.width === String(width)) return;
    const spec = make();
    plot.replaceChildren(spec.kind(spec, width));
    plot.dataset.width = String(width);
    figure.dataset.rendered = 'true';
    for (const button of figure.querySelectorAll('[data-export]')) button.disabled = false;
  }

  // ---- Export ----

  function serialise(svg) {
    const clone = svg.cloneNode(true);
    clone.setAttribute('xmlns', SVG_NS);
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + new XMLSerializer().serializeToString(clone);
  }

  function slug(text) {
    return text.replace(/[^\p{L}\p{N}._-]+/gu, '-').replace(/^-+|-+$/g, '') || 'chart';
  }

  function download(blob, filename) {
    const url = URL.createObjectURL(blob);
    const link = document.createElement('a');
    link.href = url;
    link.download = filename;
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 30000);
  }

  function exportPng(svg, filename, done) {
    const width = Number(svg.getAttribute('width'));
    const height = Number(svg.getAttribute('height'));
    const image = new Image();
    image.addEventListener('load', () => {
      const canvas = document.createElement('canvas');
      const ratio = 2;
      canvas.width = width * ratio;
      canvas.height = height * ratio;
      const context = canvas.getContext('2d');
      context.scale(ratio, ratio);
      context.drawImage(image, 0, 0, width, height);
      canvas.toBlob((blob) => { download(blob, filename); done(); }, 'image/png');
    });
    image.addEventListener('error', () => done(new Error('the chart could not be drawn as PNG')));
    // A data: URL, since the CSP's img-src allows data: but not blob:.
    image.src = 'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(serialise(svg));
  }

  document.addEventListener('click', (event) => {
    const button = event.target.closest('[data-export]');
    if (!button) return;
    const figure = button.closest('figure.chart');
    const svg = figure && figure.querySelector('.chart-plot svg');
    if (!svg) return;
    const base = `${slug(corpusName)}-${figure.dataset.chart}`;
    if (button.dataset.export === 'svg') {
      download(new Blob([serialise(svg)], { type: 'image/svg+xml' }), `${base}.svg`);
      return;
    }
    button.disabled = true;
    exportPng(svg, `${base}.png`, (error) => {
      button.disabled = false;
      if (error) button.title = error.message;
    });
  });

  const figures = Array.from(document.querySelectorAll('figure.chart[data-chart]'));
  figures.forEach(draw);
  let pending = null;
  window.addEventListener('resize', () => {
    clearTimeout(pending);
    pending = setTimeout(() => figures.forEach(draw), 150);
  });
})();
