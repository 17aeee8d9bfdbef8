import type { Report, ReportLayer } from './figures.js';
import type { ReportHistory } from './history.js';

/**
 * `swprune report --html`: one self-contained page (inline CSS and SVG, no scripts, no
 * external files) with the overall figures, the road to the model (accuracy against
 * Winograd-domain sparsity stage by stage, when the runs' logs are given), a bar chart of
 * per-layer sparsity and a heat map of each Winograd layer's T x T zero pattern.
 */
export function renderReportHtml(r: Report): string {
  const wino = r.layers.filter((l) => l.kind === 'winograd');
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  const o = r.overall;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>swprune report: ${esc(r.model)}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em}
table{border-collapse:collapse}td,th{padding:2px 8px;text-align:right}td:first-child,th:first-child{text-align:left}
.maps{display:flex;flex-wrap:wrap;gap:1.5em}.map h3{font-size:.9em;margin:.3em 0}
.legend span{display:inline-block;width:1em;height:1em;vertical-align:middle;margin:0 .3em}
</style></head><body>
<h1>swprune report</h1>
<p>Model <code>${esc(r.model)}</code>, data <code>${esc(r.data)}</code>, bundle <code>${esc(r.bundle.path)}</code> (${r.bundle.bytes.toLocaleString('en-US')} bytes).</p>
<table id="overall">
<tr><th>Winograd layers</th><td>${o.winogradLayers}</td></tr>
<tr><th>Winograd-domain sparsity</th><td>${pct(o.winogradSparsity)}</td></tr>
<tr><th>multiplications per image (Winograd layers): direct / dense Winograd / sparse Winograd</th><td>${mega(o.macs.direct)} / ${mega(o.macs.denseWinograd)} / ${mega(o.macs.sparseWinograd)}</td></tr>
<tr><th>whole network: direct / with sparse Winograd layers</th><td>${mega(o.network.direct)} / ${mega(o.network.sparseWinograd)}</td></tr>
${speedRows(r.speed)}
<tr><th>top-1 / top-5 from the bundle (sparse Winograd)</th><td>${pct(r.accuracy.top1)} / ${pct(r.accuracy.top5)}</td></tr>
<tr><th>top-1 / top-5, dense executor</th><td>${pct(r.denseAccuracy.top1)} / ${pct(r.denseAccuracy.top5)}</td></tr>
</table>
${r.history ? `<h2>Accuracy against Winograd-domain sparsity, stage by stage</h2>\n${historyChart(r.history)}` : ''}
<h2>Sparsity per layer</h2>
${barChart(wino)}
<h2>Zero pattern of W per Winograd position (fraction of kernels with W[i][j] = 0)</h2>
<p class="legend">0%<span style="background:${heat(0)}"></span><span style="background:${heat(0.5)}"></span><span style="background:${heat(1)}"></span>100%</p>
<div class="maps">${wino.map(heatMap).join('\n')}</div>
</body></html>
`;
}

const mega = (n: number) => `${(n / 1e6).toFixed(2)}M`;

/**
 * Measured speed beside the multiplication counts: the bundle and the same network dense
 * through the same runtime on the same threads (like with like, timed in turns), then the dense executor.
 */
function speedRows(s: Report['speed']): string {
  const n = (x: number) => Math.round(x).toLocaleString('en-US');
  const threads = (t: number) => `${t} thread${t === 1 ? '' : 's'}`;
  const bundle = s.bundle
    ? `<tr id="speed-bundle"><th>images/s, batches of ${s.bundle.batch}: the bundle (swprune runtime, ${threads(s.bundle.threads)}); one image alone</th><td>${n(s.bundle.examplesPerSecond)}; ${s.bundle.batch1MsPerImage.toFixed(2)} ms</td></tr>`
    : '<tr id="speed-bundle"><th>images/s of the bundle</th><td>not measured: the runtime does not run this bundle</td></tr>';
  const dense = s.denseRuntime
    ? `<tr id="speed-dense-runtime"><th>images/s, batches of ${s.denseRuntime.batch}: the same network, every layer dense (swprune runtime, ${threads(s.denseRuntime.threads)}); one image alone</th><td>${n(s.denseRuntime.examplesPerSecond)}; ${s.denseRuntime.batch1MsPerImage.toFixed(2)} ms</td></tr>`
    : '<tr id="speed-dense-runtime"><th>images/s of the network dense through the runtime</th><td>not measured: the runtime does not run it</td></tr>';
  const gain =
    s.bundle && s.denseRuntime
      ? `\n<tr id="speed-gain"><th>the bundle against the dense network, same runtime and threads${s.measuredInTurns ? ', timed in turns in one process' : ''}: batches; one image</th><td>${(s.bundle.examplesPerSecond / s.denseRuntime.examplesPerSecond).toFixed(2)}x; ${(s.denseRuntime.batch1MsPerImage / s.bundle.batch1MsPerImage).toFixed(2)}x</td></tr>`
      : '';
  return `${bundle}
${dense}${gain}
<tr id="speed-dense"><th>images/s, batches of ${s.dense.batch}: the same model on the dense executor that training uses (${esc(s.dense.backend)}, ${threads(s.dense.threads)})</th><td>${n(s.dense.examplesPerSecond)}</td></tr>`;
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** White (no zeros) to dark blue (all zeros). */
function heat(x: number): string {
  const v = Math.round(255 * (1 - x));
  return `rgb(${Math.round(v * 0.9)},${Math.round(v * 0.95 + 20 * x)},${255 - Math.round(100 * x)})`;
}

function barChart(layers: readonly ReportLayer[]): string {
  const label = 260;
  const width = 360;
  const row = 34;
  const bars = layers.map((l, i) => {
    const y = i * row + 6;
    const spatial =
      l.spatialSparsity === null
        ? ''
        : `<rect x="${label}" y="${y + 15}" width="${(width * l.spatialSparsity).toFixed(1)}" height="10" fill="#f0a040"><title>spatial ${(100 * l.spatialSparsity).toFixed(1)}%</title></rect>`;
    return (
      `<g class="layer" data-layer="${esc(l.name)}"><text x="${label - 8}" y="${y + 14}" text-anchor="end" font-size="12">${esc(l.name)}</text>` +
      `<rect x="${label}" y="${y}" width="${width}" height="${l.spatialSparsity === null ? 13 : 25}" fill="#eee"/>` +
      `<rect x="${label}" y="${y}" width="${(width * l.winogradSparsity!).toFixed(1)}" height="13" fill="#3060c0"><title>Winograd ${(100 * l.winogradSparsity!).toFixed(1)}%</title></rect>` +
      `<text x="${label + width + 6}" y="${y + 11}" font-size="11">${(100 * l.winogradSparsity!).toFixed(1)}%</text>${spatial}</g>`
    );
  });
  const h = layers.length * row + 30;
  return `<svg id="sparsity-chart" xmlns="http://www.w3.org/2000/svg" width="${label + width + 60}" height="${h}" role="img" aria-label="sparsity per layer">
${bars.join('\n')}
<g font-size="11"><rect x="${label}" y="${h - 18}" width="12" height="10" fill="#3060c0"/><text x="${label + 16}" y="${h - 9}">Winograd-domain</text><rect x="${label + 130}" y="${h - 18}" width="12" height="10" fill="#f0a040"/><text x="${label + 146}" y="${h - 9}">spatial</text></g>
</svg>`;
}

function heatMap(l: ReportLayer): string {
  const p = l.zeroPattern!;
  const T = p.length;
  const cell = 30;
  const cells = p.flatMap((row, i) =>
    row.map(
      (x, j) =>
        `<rect x="${j * cell}" y="${i * cell}" width="${cell}" height="${cell}" fill="${heat(x)}" stroke="#fff"><title>W[${i}][${j}]: ${(100 * x).toFixed(1)}% zero</title></rect>` +
        `<text x="${j * cell + cell / 2}" y="${i * cell + cell / 2 + 4}" text-anchor="middle" font-size="9" fill="${x > 0.55 ? '#fff' : '#000'}">${Math.round(100 * x)}</text>`,
    ),
  );
  return `<div class="map" data-layer="${esc(l.name)}"><h3>${esc(l.name)} · ${esc(l.tile ?? '')} · ${(100 * l.winogradSparsity!).toFixed(1)}%</h3>
<svg xmlns="http://www.w3.org/2000/svg" width="${T * cell}" height="${T * cell}" role="img" aria-label="zero pattern of ${esc(l.name)}">${cells.join('')}</svg></div>`;
}

/**
 * Top-1 against Winograd-domain sparsity: each stage's model after pruning (hollow) and after
 * retraining (filled, joined in order), spatial stages orange and Winograd stages blue, with the
 * dense model's top-1 as a dashed line.
 */
function historyChart(h: ReportHistory): string {
  const [W, H, left, bottom, top, right] = [560, 300, 56, 40, 12, 16];
  const tops = [h.baseline.top1, ...h.stages.flatMap((s) => [s.accuracy.top1, s.accuracyPruned.top1])];
  const lo = Math.max(0, Math.floor(20 * Math.min(...tops)) / 20);
  const hi = Math.min(1, Math.ceil(20 * Math.max(...tops) + 0.01) / 20);
  const x = (s: number) => left + s * (W - left - right);
  const y = (a: number) => top + ((hi - a) / Math.max(hi - lo, 1e-9)) * (H - top - bottom);
  const colour = (c: string) => (c === 'spatial' ? '#e08020' : '#3060c0');
  const ticks = (n: number, f: (i: number) => string) => Array.from({ length: n + 1 }, (_, i) => f(i)).join('');
  const axes =
    ticks(
      10,
      (i) =>
        `<line x1="${x(i / 10)}" y1="${H - bottom}" x2="${x(i / 10)}" y2="${H - bottom + 4}" stroke="#888"/><text x="${x(i / 10)}" y="${H - bottom + 16}" text-anchor="middle" font-size="10">${i * 10}%</text>`,
    ) +
    ticks(Math.round((hi - lo) / 0.05), (i) => {
      const a = lo + i * 0.05;
      return `<line x1="${left - 4}" y1="${y(a)}" x2="${W - right}" y2="${y(a)}" stroke="#eee"/><text x="${left - 6}" y="${y(a) + 3}" text-anchor="end" font-size="10">${(100 * a).toFixed(0)}%</text>`;
    }) +
    `<line x1="${left}" y1="${H - bottom}" x2="${W - right}" y2="${H - bottom}" stroke="#888"/><line x1="${left}" y1="${top}" x2="${left}" y2="${H - bottom}" stroke="#888"/>` +
    `<text x="${(left + W - right) / 2}" y="${H - 6}" text-anchor="middle" font-size="11">Winograd-domain sparsity</text>` +
    `<text transform="translate(12 ${(top + H - bottom) / 2}) rotate(-90)" text-anchor="middle" font-size="11">top-1</text>`;
  const baseline =
    `<line id="dense-baseline" x1="${left}" y1="${y(h.baseline.top1)}" x2="${W - right}" y2="${y(h.baseline.top1)}" stroke="#444" stroke-dasharray="5 4"><title>dense model ${(100 * h.baseline.top1).toFixed(2)}%</title></line>` +
    `<text x="${W - right}" y="${y(h.baseline.top1) - 4}" text-anchor="end" font-size="10">dense ${(100 * h.baseline.top1).toFixed(2)}%</text>`;
  const path = `<polyline fill="none" stroke="#999" points="${[`${x(0)},${y(h.baseline.top1)}`, ...h.stages.map((s) => `${x(s.winogradSparsity).toFixed(1)},${y(s.accuracy.top1).toFixed(1)}`)].join(' ')}"/>`;
  const points = h.stages.map((s) => {
    const label = `${s.command} stage ${s.stage}: ${(100 * s.winogradSparsity).toFixed(1)}% sparse, top-1 ${(100 * s.accuracyPruned.top1).toFixed(2)}% pruned, ${(100 * s.accuracy.top1).toFixed(2)}% retrained`;
    return (
      `<g class="stage" data-command="${s.command}" data-stage="${s.stage}"><title>${esc(label)}</title>` +
      `<circle cx="${x(s.winogradSparsity).toFixed(1)}" cy="${y(s.accuracyPruned.top1).toFixed(1)}" r="4" fill="#fff" stroke="${colour(s.command)}"/>` +
      `<circle cx="${x(s.winogradSparsity).toFixed(1)}" cy="${y(s.accuracy.top1).toFixed(1)}" r="5" fill="${colour(s.command)}"/></g>`
    );
  });
  const legend =
    `<g font-size="10" transform="translate(${left + 10} ${top + 8})"><circle cx="0" cy="0" r="5" fill="${colour('spatial')}"/><text x="8" y="3">spatial (step 1)</text>` +
    `<circle cx="100" cy="0" r="5" fill="${colour('winograd')}"/><text x="108" y="3">Winograd (step 2)</text><circle cx="215" cy="0" r="4" fill="#fff" stroke="#666"/><text x="223" y="3">right after pruning</text></g>`;
  return `<svg id="history-chart" xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" role="img" aria-label="top-1 against Winograd-domain sparsity by stage">
${axes}${baseline}${path}${points.join('')}${legend}
</svg>`;
}
