/**
 * docs/results.md's tables of the study behind step 2's defaults (scripts/importance-study.ts
 * writes docs/runs/importance-study.json): per network and tile, top-1 after one retraining
 * stage for each setting and learning rate; per setting, how it did on the issue's checks.
 */
import { DEFAULTS } from '#src/api/options.js';
import { defaultImportanceGain } from '#src/winograd/importance.js';
import { getTile } from '#src/winograd/tiles.js';

export interface StudyCell {
  net: string;
  tile: number;
  sparsity: number;
  lr: number;
  norm: 'none' | 'min';
  power: number;
  /** The gradient scale's gain (`--importance-gain`); absent: 1. */
  gain?: number;
  input: number;
  converted: number;
  pruned: number;
  retrained: number;
  seconds: number;
}
export interface StudyModel {
  net: string;
  model: string;
  tile: number;
  schedule: string;
  lr: string;
  epochs?: string;
  dense: number;
  top1: number;
  winogradSparsity: number;
}
export interface Study {
  data: string;
  spatial: { trainSet?: string; epochs?: string; limit?: number };
  cell: { epochs: number; limit: number };
  models: StudyModel[];
  cells: StudyCell[];
}

const TILE: Record<number, string> = { 4: 'F(2x2,3x3)', 6: 'F(4x4,3x3)', 8: 'F(6x6,3x3)' };
const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
const pts = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(100 * x).toFixed(2)}`;
const gainOf = (c: Pick<StudyCell, 'gain'>) => c.gain ?? 1;
const settingLabel = (c: Pick<StudyCell, 'norm' | 'power' | 'gain'>) =>
  (c.power === 0 ? 'p = 0 (unscaled gradients)' : `${c.norm === 'min' ? 'Γ / min Γ' : 'Γ unscaled'}, p = ${c.power}`) +
  (gainOf(c) === 1 ? '' : `, gain ${gainOf(c)}`);
const settingKey = (c: Pick<StudyCell, 'norm' | 'power' | 'gain'>) => `${c.power === 0 ? 'none' : c.norm}:${c.power}:${gainOf(c)}`;
const uniq = <T>(xs: T[]) => [...new Set(xs)];

/**
 * The issue's check of one cell: retraining ends at or above the accuracy right after pruning
 * and within 0.5 points of the input model.
 */
export const meetsTarget = (c: StudyCell) => c.retrained >= c.pruned && c.retrained >= c.input - 0.005;

/** The three cases the defaults must pass: F(4x4,3x3) to 75% at lr 0.01 and 0.001, F(2x2,3x3) to 80% at lr 0.01. */
export const CHECKS = [
  { tile: 6, sparsity: 0.75, lr: 0.01 },
  { tile: 6, sparsity: 0.75, lr: 0.001 },
  { tile: 4, sparsity: 0.8, lr: 0.01 },
] as const;

/** A cell run with the defaults: Γ unscaled, p = 2, the tile's default gain. */
export const isDefault = (c: StudyCell) =>
  c.norm === DEFAULTS.importanceNorm &&
  c.power === DEFAULTS.importancePower &&
  gainOf(c) === defaultImportanceGain(getTile(c.tile), c.power);

/** One cell as `retrained (vs pruned)`, bold where retraining lost accuracy. */
function cellText(c: StudyCell | undefined): string {
  if (!c) return '';
  const d = c.retrained - c.pruned;
  return `${pct(c.retrained)} (${d < 0 ? `**${pts(d)}**` : pts(d)})${meetsTarget(c) ? '' : ' ✗'}`;
}

/** The study's section body: settings, inputs, the grid per network and tile, and the per-setting summary. */
export function studySection(study: Study): string[] {
  const out: string[] = [];
  const models = study.models.map(
    (m) =>
      `| ${m.net} | ${TILE[m.tile]} | \`--schedule ${m.schedule} --lr ${m.lr}${m.epochs ? ` --epochs ${m.epochs}` : ''}\` | ${pct(m.dense)} | ${pct(m.winogradSparsity)} | ${pct(m.top1)} |`,
  );
  out.push(
    study.spatial.trainSet === 'full'
      ? 'The inputs, made by `swprune spatial --skip-first` from each dense network, every epoch over the full training set:'
      : 'The inputs, made by `swprune spatial --skip-first --epochs 1 --limit 20000` from each dense network:',
    '',
    '| network | tile | step 1 | dense top-1 | Winograd sparsity | top-1 |',
    '| --- | --- | --- | ---: | ---: | ---: |',
    ...models,
    '',
  );
  const byGroup = new Map<string, StudyCell[]>();
  for (const c of study.cells) {
    const key = `${c.net}|${c.tile}|${c.sparsity}`;
    byGroup.set(key, [...(byGroup.get(key) ?? []), c]);
  }
  const lrs = uniq(study.cells.map((c) => c.lr)).sort((a, b) => b - a);
  const netOrder = uniq([...study.models.map((m) => m.net), ...study.cells.map((c) => c.net)]);
  const groupOrder = (c: StudyCell) => [netOrder.indexOf(c.net), -c.tile, c.sparsity];
  const byOrder = (a: number[], b: number[]) => a.reduce((d, v, i) => d || v - b[i]!, 0);
  const settingOrder = (a: StudyCell, b: StudyCell) =>
    (a.norm === b.norm ? 0 : a.norm === 'none' ? -1 : 1) || a.power - b.power || gainOf(a) - gainOf(b);
  for (const [key, cells] of [...byGroup].sort(([, a], [, b]) => byOrder(groupOrder(a[0]!), groupOrder(b[0]!)))) {
    const [net, tile, sparsity] = key.split('|');
    const first = cells[0]!;
    out.push(
      `### ${net}, ${TILE[Number(tile)]} to ${Math.round(100 * Number(sparsity))}%`,
      '',
      `Input ${pct(first.input)} (its Winograd form ${pct(first.converted)}), ${pct(first.pruned)} right after pruning. ` +
        'Each entry: top-1 after the stage (points against right after pruning; ✗: misses the check — below the pruned accuracy or more than 0.5 points below the input).',
      '',
      `| setting | ${lrs.map((lr) => `lr ${lr}`).join(' | ')} |`,
      `| --- | ${lrs.map(() => '---:').join(' | ')} |`,
    );
    const settings = uniq([...cells].sort(settingOrder).map(settingKey));
    for (const s of settings) {
      const row = cells.filter((c) => settingKey(c) === s);
      out.push(`| ${settingLabel(row[0]!)} | ${lrs.map((lr) => cellText(row.find((c) => c.lr === lr))).join(' | ')} |`);
    }
    out.push('');
  }
  // Per setting: the issue's three checks on every network.
  const nets = netOrder.filter((n) => study.cells.some((c) => c.net === n));
  const settings = uniq([...study.cells].sort(settingOrder).map(settingKey));
  const checkLabel = (k: (typeof CHECKS)[number]) => `${TILE[k.tile]} ${Math.round(100 * k.sparsity)}%, lr ${k.lr}`;
  out.push(
    '### The checks, per setting',
    '',
    "The issue's three cases on each network (retrained top-1 minus the input's, in points; ✗ as above; blank: not run):",
    '',
    `| setting | ${CHECKS.flatMap((k) => nets.map((n) => `${checkLabel(k)}, ${n}`)).join(' | ')} | passed |`,
    `| --- | ${CHECKS.flatMap(() => nets.map(() => '---:')).join(' | ')} | ---: |`,
  );
  const row = (label: string, pick: (c: StudyCell) => boolean) => {
    const found = CHECKS.flatMap((k) =>
      nets.map((n) => study.cells.find((c) => pick(c) && c.net === n && c.tile === k.tile && c.sparsity === k.sparsity && c.lr === k.lr)),
    );
    const ran = found.filter((c): c is StudyCell => c !== undefined);
    return `| ${label} | ${found.map((c) => (c ? `${pts(c.retrained - c.input)}${meetsTarget(c) ? '' : ' ✗'}` : '')).join(' | ')} | ${ran.filter(meetsTarget).length}/${ran.length} |`;
  };
  for (const s of settings) out.push(row(settingLabel(study.cells.find((c) => settingKey(c) === s)!), (c) => settingKey(c) === s));
  out.push(row("**the defaults**: Γ unscaled, p = 2, the tile's gain (64 for F(4x4,3x3), 8 for F(2x2,3x3))", isDefault));
  return out;
}
