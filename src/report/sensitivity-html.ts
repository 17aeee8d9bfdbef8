import type { SensitivityReport } from '../eval/sensitivity.js';

const COLOURS = ['#3060c0', '#e07020', '#30a050', '#c03040', '#8050c0', '#806040', '#d060b0', '#707070', '#a0a020', '#20a0b0'];

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * `swprune sensitivity --html`: one self-contained page (inline SVG, no scripts) with, per
 * domain, a chart of top-1 accuracy against sparsity with one curve per layer.
 */
export function renderSensitivityHtml(r: SensitivityReport): string {
  const domains = [...new Set(r.layers.map((l) => l.domain))];
  const charts = domains.map((d) => chart(r, d)).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>swprune sensitivity: ${esc(r.model)}</title>
<style>body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.5em}</style>
</head><body>
<h1>swprune sensitivity</h1>
<p>Model <code>${esc(r.model)}</code>, data <code>${esc(r.data)}</code>, ${r.testExamples} test images.
Each layer pruned alone, one-shot (no retraining); baseline top-1 ${(100 * r.baseline.top1).toFixed(2)}%.</p>
${charts}
</body></html>
`;
}

function chart(r: SensitivityReport, domain: string): string {
  const layers = r.layers.filter((l) => l.domain === domain);
  const [W, H, left, top, bottom] = [640, 320, 50, 10, 40];
  const maxS = Math.max(...layers.flatMap((l) => l.levels.map((c) => c.sparsity)), 0.1);
  const x = (s: number) => left + (s / maxS) * (W - left - 10);
  const y = (a: number) => top + (1 - a) * (H - top - bottom);
  const grid = [0, 0.25, 0.5, 0.75, 1]
    .map(
      (a) =>
        `<line x1="${left}" x2="${W - 10}" y1="${y(a)}" y2="${y(a)}" stroke="#ddd"/><text x="${left - 6}" y="${y(a) + 4}" font-size="11" text-anchor="end">${a * 100}%</text>`,
    )
    .join('');
  const xticks = (layers[0]?.levels ?? [])
    .map(
      (c) =>
        `<text x="${x(c.sparsity)}" y="${H - bottom + 16}" font-size="11" text-anchor="middle">${Math.round(100 * c.sparsity)}%</text>`,
    )
    .join('');
  const curves = layers
    .map((l, i) => {
      const pts = [[0, r.baseline.top1] as const, ...l.levels.map((c) => [c.sparsity, c.top1] as const)];
      const colour = COLOURS[i % COLOURS.length]!;
      return (
        `<g class="curve" data-layer="${esc(l.name)}"><polyline fill="none" stroke="${colour}" stroke-width="2" points="${pts.map(([s, a]) => `${x(s).toFixed(1)},${y(a).toFixed(1)}`).join(' ')}"/>` +
        pts
          .map(
            ([s, a]) =>
              `<circle cx="${x(s).toFixed(1)}" cy="${y(a).toFixed(1)}" r="2.5" fill="${colour}"><title>${esc(l.name)}: ${(100 * s).toFixed(0)}% -> ${(100 * a).toFixed(2)}%</title></circle>`,
          )
          .join('') +
        '</g>'
      );
    })
    .join('\n');
  const legend = layers.map((l, i) => `<span style="color:${COLOURS[i % COLOURS.length]}">&#9632;</span> ${esc(l.name)}`).join(' &nbsp; ');
  return `<h2>${domain === 'spatial' ? 'Spatial-structured (step 1)' : 'Winograd domain, |W|·Γ (step 2)'}</h2>
<svg class="sensitivity" data-domain="${domain}" xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" role="img" aria-label="top-1 against sparsity">
${grid}${xticks}<text x="${(W + left) / 2}" y="${H - 4}" font-size="12" text-anchor="middle">sparsity of the pruned layer (Winograd domain)</text>
${curves}
</svg>
<p>${legend}</p>`;
}
