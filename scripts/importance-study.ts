/**
 * The study behind step 2's defaults (issue 29, docs/results.md "Step 2's defaults"): one
 * `swprune winograd` stage from 70% spatially pruned models of two networks, over the gradient
 * scaling power p, the Γ normalisation and the learning rate, on the full dataset.
 *
 *   node build/scripts/importance-study.js --data fashion-mnist:DIR --work DIR [--jobs 2] [--phase P]
 *
 * Phases (default: all in turn):
 *   models  the 70% spatial models, one per network and tile (`swprune spatial`, 4 short stages)
 *   cells   one `winograd` stage per cell (the grid below), each with its own `--json` log
 *   collect the cells' logs -> docs/runs/importance-study.json (`--out` to write elsewhere)
 *
 * Resumable: a model or cell whose JSON log exists is not run again, so a killed study continues
 * with the next cell. Every child runs with SWPRUNE_THREADS=1 (`--jobs` of them side by side):
 * accuracy is deterministic given the seed, so sharing the cores only costs time. `--cli FILE`
 * runs another build of the CLI (default bin/swprune.js of this repository), e.g. a frozen copy
 * while the source changes under a long study. `--only REGEX` restricts the cells to ids that match.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { defaultImportanceGain } from '#src/winograd/importance.js';
import { getTile } from '#src/winograd/tiles.js';

const root = (rel: string) => fileURLToPath(new URL(`../../${rel}`, import.meta.url));

/** The two networks: the bundled model and a plain 5-layer CNN without BatchNorm (models/README.md). */
export const NETS = [
  {
    name: 'fashion-vgg',
    model: 'models/fashion-vgg.onnx',
    spatial: { schedule: '0.4,0.6,0.7,0.7', lr: '0.01,0.01,0.01,0.003', epochs: '1,1,1,2' },
  },
  { name: 'fashion-cnn5', model: 'models/fashion-cnn5.onnx', spatial: { schedule: '0.5,0.7,0.7', lr: '0.01,0.01,0.003', epochs: '1,1,2' } },
] as const;
/** Winograd input tile -> the study's target sparsity for it (the issue's targets). */
export const TARGETS: Record<number, number> = { 6: 0.75, 4: 0.8 };
export const POWERS = [0, 1, 1.25, 1.5, 2, 3];
export const NORMS = ['none', 'min'] as const;
export const LRS = [0.01, 0.003, 0.001];
/**
 * Step 1 for the study's inputs: 70% in rising stages, then two epochs of fine-tuning at a lower
 * lr (per network above), every epoch over the full 60,000-image training set, so that the
 * inputs are close to converged: a cell then measures what step 2 costs, not how much further
 * training an unfinished model still gains.
 */
export const SPATIAL = { trainSet: 'full' };
/** Each cell: one stage, one epoch of 20,000 examples (the issue's setting). */
export const CELL = { epochs: 1, limit: 20000 };

export interface Cell {
  readonly id: string;
  readonly net: string;
  readonly tile: number;
  readonly sparsity: number;
  readonly lr: number;
  readonly norm: 'none' | 'min';
  readonly power: number;
  /** `--importance-gain`; absent: 1 (the id then has no `-g` part). */
  readonly gain?: number;
}

/** The tile's default gain at `power`, or undefined where it is 1 (the cell id then has no `-g` part). */
const gainAt = (tile: number, power: number) => {
  const gain = defaultImportanceGain(getTile(tile), power);
  return gain === 1 ? undefined : gain;
};

const cellId = (c: Omit<Cell, 'id'>) =>
  `${c.net}-t${c.tile}-s${Math.round(c.sparsity * 100)}-lr${c.lr}-${c.norm}-p${c.power}${(c.gain ?? 1) === 1 ? '' : `-g${c.gain}`}`;
const makeCell = (c: Omit<Cell, 'id'>): Cell => ({ ...c, id: cellId(c) });

/**
 * The settings to compare first, in this order, for each network: the candidates at the
 * issue's three checks (F(4x4,3x3) at lr 0.01 and 0.001, F(2x2,3x3) at lr 0.01), the old
 * default there, then the neighbours. Each entry: tile, lr, norm, p.
 */
const FIRST: readonly [number, number, Cell['norm'], number][] = [
  [6, 0.01, 'none', 1.5],
  [6, 0.001, 'none', 1.5],
  [4, 0.01, 'none', 1.5],
  [6, 0.01, 'none', 1.25],
  [6, 0.001, 'none', 1.25],
  [4, 0.01, 'none', 1.25],
  [6, 0.01, 'none', 1],
  [6, 0.001, 'none', 1],
  [4, 0.01, 'none', 1],
  [6, 0.01, 'none', 2],
  [6, 0.001, 'none', 2],
  [4, 0.01, 'none', 2],
  [6, 0.003, 'none', 1.25],
  [6, 0.003, 'none', 1.5],
  [4, 0.001, 'none', 1.5],
  [4, 0.001, 'none', 1.25],
  [6, 0.001, 'min', 1],
  [6, 0.001, 'min', 2],
  [4, 0.01, 'min', 1],
  [4, 0.01, 'min', 2],
];

/**
 * The grid at the target sparsities, in the order it runs: the defaults (p = 2 with the tile's
 * gain) at the issue's checks, FIRST for both networks (the networks alternating), then every
 * other cell, so a study cut short still answers the main question. p = 0 is the same run for
 * both normalisations (nothing scaled): it appears once, as 'none'. p = 2 unscaled runs with
 * gain 1 and with the tile's default gain.
 */
export function targetGrid(): Cell[] {
  const all: Cell[] = [];
  for (const net of NETS) {
    for (const tile of [6, 4]) {
      for (const lr of LRS) {
        for (const power of POWERS) {
          for (const norm of NORMS) {
            if (power === 0 && norm === 'min') continue;
            all.push(makeCell({ net: net.name, tile, sparsity: TARGETS[tile]!, lr, norm, power }));
          }
          const gain = gainAt(tile, power);
          if (gain) all.push(makeCell({ net: net.name, tile, sparsity: TARGETS[tile]!, lr, norm: 'none', power, gain }));
        }
      }
    }
  }
  const isCheck = (c: Cell) => (c.tile === 6 && c.lr !== 0.003) || (c.tile === 4 && c.lr === 0.01);
  const rank = (c: Cell) => {
    if (c.gain !== undefined) return isCheck(c) ? -1 : FIRST.length;
    const i = FIRST.findIndex(([tile, lr, norm, p]) => c.tile === tile && c.lr === lr && c.norm === norm && c.power === p);
    return (i < 0 ? FIRST.length : i) * NETS.length + NETS.findIndex((n) => n.name === c.net);
  };
  return all
    .map((c, i) => ({ c, i }))
    .sort((a, b) => rank(a.c) - rank(b.c) || a.i - b.i)
    .map(({ c }) => c);
}

/** Further sparsities (F(4x4,3x3) 80/85%, F(2x2,3x3) 75/85%) at chosen settings `norm:p:lr` (p = 2: the tile's default gain). */
export function sparsityGrid(settings: readonly string[]): Cell[] {
  const more: Record<number, number[]> = { 6: [0.8, 0.85], 4: [0.75, 0.85] };
  const out: Cell[] = [];
  for (const s of settings) {
    const [norm, p, lr] = s.split(':');
    for (const net of NETS) {
      for (const tile of [6, 4]) {
        const gain = gainAt(tile, Number(p));
        for (const sparsity of more[tile]!)
          out.push(
            makeCell({
              net: net.name,
              tile,
              sparsity,
              lr: Number(lr),
              norm: norm as Cell['norm'],
              power: Number(p),
              ...(gain ? { gain } : {}),
            }),
          );
      }
    }
  }
  return out;
}

const spatialPath = (work: string, net: string, tile: number, ext: string) => join(work, `spatial-${net}-t${tile}.${ext}`);

function run(cli: string, args: string[], logFile: string): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], {
      env: { ...process.env, SWPRUNE_THREADS: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => chunks.push(d));
    child.stderr.on('data', (d: Buffer) => chunks.push(d));
    child.on('close', (code) => {
      writeFileSync(logFile, Buffer.concat(chunks));
      resolve(code ?? 1);
    });
  });
}

/** Runs `jobs` tasks at a time. */
async function pool<T>(items: readonly T[], jobs: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: jobs }, async () => {
      while (next < items.length) await task(items[next++]!);
    }),
  );
}

/**
 * Like pool, but an item runs only once `ready` says so (its input model is being made by
 * another process): a free worker takes the first ready item in order, or waits a minute.
 */
async function waitingPool<T>(
  items: readonly T[],
  jobs: number,
  ready: (item: T) => boolean,
  task: (item: T) => Promise<void>,
): Promise<void> {
  const left = [...items];
  await Promise.all(
    Array.from({ length: jobs }, async () => {
      while (left.length > 0) {
        const i = left.findIndex(ready);
        if (i < 0) {
          await new Promise((r) => setTimeout(r, 60_000));
          continue;
        }
        await task(left.splice(i, 1)[0]!);
      }
    }),
  );
}

interface Acc {
  top1: number;
  top5: number;
}
interface WinogradLog {
  conversion: { input: Acc; converted: Acc };
  stages: { accuracyPruned: Acc; accuracy: Acc; loss: number; trainLoss: number; seconds: number; winogradSparsity: number }[];
}
interface SpatialLog {
  baseline: Acc;
  stages: { target: number; accuracy: Acc; winogradSparsity: number }[];
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      data: { type: 'string' },
      work: { type: 'string' },
      jobs: { type: 'string', default: '2' },
      phase: { type: 'string', default: 'all' },
      cli: { type: 'string', default: root('bin/swprune.js') },
      out: { type: 'string', default: root('docs/runs/importance-study.json') },
      settings: { type: 'string' },
      only: { type: 'string' },
    },
  });
  if (!values.data || !values.work)
    throw new Error('usage: importance-study --data kind:PATH --work DIR [--jobs N] [--phase models|cells|sparsity|collect]');
  const work = values.work;
  const jobs = Number(values.jobs);
  const cli = values.cli!;
  mkdirSync(join(work, 'cells'), { recursive: true });
  const phase = values.phase!;

  if (phase === 'all' || phase === 'models') {
    const todo = NETS.flatMap((net) => [4, 6].map((tile) => ({ net, tile }))).filter(
      ({ net, tile }) => !existsSync(spatialPath(work, net.name, tile, 'json')),
    );
    await pool(todo, jobs, async ({ net, tile }) => {
      const args = [
        'spatial',
        root(net.model),
        '--data',
        values.data!,
        '--tile',
        String(tile),
        '--schedule',
        net.spatial.schedule,
        '--lr',
        net.spatial.lr,
        '--epochs',
        net.spatial.epochs,
        '--skip-first',
        '-o',
        spatialPath(work, net.name, tile, 'onnx'),
        '--json',
        spatialPath(work, net.name, tile, 'json'),
      ];
      const code = await run(cli, args, spatialPath(work, net.name, tile, 'log'));
      process.stdout.write(`spatial ${net.name} tile ${tile}: exit ${code}\n`);
    });
  }

  const cellsToRun = phase === 'sparsity' ? sparsityGrid((values.settings ?? '').split(',').filter(Boolean)) : targetGrid();
  if (phase === 'all' || phase === 'cells' || phase === 'sparsity') {
    const only = values.only ? new RegExp(values.only) : undefined;
    const todo = cellsToRun.filter((c) => !existsSync(join(work, 'cells', `${c.id}.json`)) && (!only || only.test(c.id)));
    process.stdout.write(`${todo.length} cells to run\n`);
    let done = 0;
    await waitingPool(
      todo,
      jobs,
      (c) => existsSync(spatialPath(work, c.net, c.tile, 'json')),
      async (c) => {
        const input = spatialPath(work, c.net, c.tile, 'onnx');
        const args = [
          'winograd',
          input,
          '--data',
          values.data!,
          '--tile',
          String(c.tile),
          '--sparsity',
          String(c.sparsity),
          '--epochs',
          String(CELL.epochs),
          '--limit',
          String(CELL.limit),
          '--skip-first',
          '--lr',
          String(c.lr),
          '--importance-norm',
          c.norm,
          '--importance-power',
          String(c.power),
          ...((c.gain ?? 1) === 1 ? [] : ['--importance-gain', String(c.gain)]),
          '-o',
          join(work, 'cells', `${c.id}.onnx`),
          '--json',
          join(work, 'cells', `${c.id}.json`),
        ];
        const code = await run(cli, args, join(work, 'cells', `${c.id}.log`));
        done++;
        process.stdout.write(`[${done}/${todo.length}] ${c.id}: exit ${code}\n`);
      },
    );
  }

  if (phase === 'all' || phase === 'collect') collect(work, values.out!, values.data!);
}

/** Every finished cell (any phase) and the spatial models into one JSON for docs/results.md. */
function collect(work: string, out: string, data: string): void {
  const read = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;
  const parse = (id: string): Omit<Cell, 'id'> | undefined => {
    const m = /^(.+)-t(\d)-s(\d+)-lr([\d.e-]+)-(none|min)-p([\d.]+)(?:-g([\d.]+))?$/.exec(id);
    return m
      ? {
          net: m[1]!,
          tile: Number(m[2]),
          sparsity: Number(m[3]) / 100,
          lr: Number(m[4]),
          norm: m[5] as Cell['norm'],
          power: Number(m[6]),
          ...(m[7] ? { gain: Number(m[7]) } : {}),
        }
      : undefined;
  };
  const cells = readdirSync(join(work, 'cells'))
    .filter((f) => f.endsWith('.json'))
    .sort()
    .flatMap((f) => {
      const id = f.slice(0, -'.json'.length);
      const cell = parse(id);
      if (!cell) return [];
      const log = read<WinogradLog>(join(work, 'cells', f));
      const s = log.stages[0]!;
      return [
        {
          ...cell,
          input: log.conversion.input.top1,
          converted: log.conversion.converted.top1,
          pruned: s.accuracyPruned.top1,
          retrained: s.accuracy.top1,
          loss: s.loss,
          trainLoss: s.trainLoss,
          winogradSparsity: s.winogradSparsity,
          seconds: s.seconds,
        },
      ];
    });
  const models = NETS.flatMap((net) =>
    [4, 6].flatMap((tile) => {
      const file = spatialPath(work, net.name, tile, 'json');
      if (!existsSync(file)) return [];
      const log = read<SpatialLog>(file);
      const last = log.stages.at(-1)!;
      return [
        {
          net: net.name,
          model: net.model,
          tile,
          ...net.spatial,
          dense: log.baseline.top1,
          top1: last.accuracy.top1,
          winogradSparsity: last.winogradSparsity,
        },
      ];
    }),
  );
  const study = {
    study: 'importance',
    data: data.split(':')[0],
    spatial: { ...SPATIAL, skipFirst: true },
    cell: { ...CELL, skipFirst: true, stages: 1 },
    models,
    cells,
  };
  writeFileSync(`${out}.tmp`, `${JSON.stringify(study, null, 2)}\n`);
  renameSync(`${out}.tmp`, out);
  process.stdout.write(`wrote ${out}: ${cells.length} cells, ${models.length} spatial models\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}
