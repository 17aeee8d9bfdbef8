import type { Report } from './figures.js';
import type { ReportLayer } from './figures.js';

/**
 * `swprune report --html`: one self-contained page (inline CSS and SVG, no scripts, no
 * external files) with the overall figures, a bar chart of per-layer sparsity and a heat map
 * of each Winograd layer's T x T zero pattern.
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
<tr><th>top-1 / top-5 from the bundle (sparse Winograd)</th><td>${pct(r.accuracy.top1)} / ${pct(r.accuracy.top5)}</td></tr>
<tr><th>top-1 / top-5, dense executor</th><td>${pct(r.denseAccuracy.top1)} / ${pct(r.denseAccuracy.top5)}</td></tr>
</table>
<h2>Sparsity per layer</h2>
${barChart(wino)}
<h2>Zero pattern of W per Winograd position (fraction of kernels with W[i][j] = 0)</h2>
<p class="legend">0%<span style="background:${heat(0)}"></span><span style="background:${heat(0.5)}"></span><span style="background:${heat(1)}"></span>100%</p>
<div class="maps">${wino.map(heatMap).join('\n')}</div>
</body></html>
`;
}

const mega = (n: number) => `${(n / 1e6).toFixed(2)}M`;

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
    const spatial = l.spatialSparsity === null ? '' : `<rect x="${label}" y="${y + 15}" width="${(width * l.spatialSparsity).toFixed(1)}" height="10" fill="#f0a040"><title>spatial ${(100 * l.spatialSparsity).toFixed(1)}%</title></rect>`;
    return `<g class="layer" data-layer="${esc(l.name)}"><text x="${label - 8}" y="${y + 14}" text-anchor="end" font-size="12">${esc(l.name)}</text>` +
      `<rect x="${label}" y="${y}" width="${width}" height="${l.spatialSparsity === null ? 13 : 25}" fill="#eee"/>` +
      `<rect x="${label}" y="${y}" width="${(width * l.winogradSparsity!).toFixed(1)}" height="13" fill="#3060c0"><title>Winograd ${(100 * l.winogradSparsity!).toFixed(1)}%</title></rect>` +
      `<text x="${label + width + 6}" y="${y + 11}" font-size="11">${(100 * l.winogradSparsity!).toFixed(1)}%</text>${spatial}</g>`;
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
  const cells = p.flatMap((row, i) => row.map((x, j) =>
    `<rect x="${j * cell}" y="${i * cell}" width="${cell}" height="${cell}" fill="${heat(x)}" stroke="#fff"><title>W[${i}][${j}]: ${(100 * x).toFixed(1)}% zero</title></rect>` +
    `<text x="${j * cell + cell / 2}" y="${i * cell + cell / 2 + 4}" text-anchor="middle" font-size="9" fill="${x > 0.55 ? '#fff' : '#000'}">${Math.round(100 * x)}</text>`));
  return `<div class="map" data-layer="${esc(l.name)}"><h3>${esc(l.name)} · ${esc(l.tile ?? '')} · ${(100 * l.winogradSparsity!).toFixed(1)}%</h3>
<svg xmlns="http://www.w3.org/2000/svg" width="${T * cell}" height="${T * cell}" role="img" aria-label="zero pattern of ${esc(l.name)}">${cells.join('')}</svg></div>`;
}
