import * as tf from '@tensorflow/tfjs';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/backend/select.js';
import { bufferStreams } from '../../src/cli/streams.js';
import { EXIT, runCli } from '../../src/cli/run.js';
import { compileGraph, type CompiledModel } from '../../src/exec/compile.js';
import type { Graph } from '../../src/graph/ir.js';
import { loadModel } from '../../src/io/load.js';
import { winogradCandidate } from '../../src/prune/candidates.js';
import { repoPath } from '../helpers/fixtures.js';
import { bundleLogits, type BundlePath } from '../helpers/bundle-logits.js';
import { runOnnxRuntime } from '../helpers/onnxruntime.js';
import { writeCifarLike } from '../io/models/cifar-like.js';
import { describeExport, exportFiles, exportReference, relDiff } from '../io/models/sample.js';
import { ZOO_DIR, ZOO_FAMILIES } from './zoo-dir.js';

/**
 * The zoo: every export of make_torchvision.py --zoo (torchvision families at full width and
 * CIFAR nets, eval and training mode, opsets 11/13/17). Per file, in order, each step
 * recorded in results.json (docs/models.md's support table is generated from it):
 *   load      loadModel; an eval-mode export loads without warnings, a training-mode one with
 *             at most one, saying it is evaluated as model.eval() would (none when nothing in
 *             the file differs between training and inference, as SqueezeNet at opset 11);
 *   evaluate  logits for the 16 reference images equal PyTorch's model.eval() (both modes) and
 *             onnxruntime's on the file (eval mode), TOL of max |logit|; top-1 agreement;
 *   spatial   `swprune spatial` (one stage, 30%, 1 epoch on 8 images of a CIFAR-like slice whose
 *             normalised pixels are ~N(0, 1), lr 1e-4: at the default 0.01 random-weight models
 *             without batch norm diverge) of
 *             one candidate layer (`--layers`: the smallest grouped/depthwise one where the
 *             model has one, else the smallest), the whole network retrained; onnxruntime
 *             runs the written file to swprune's logits (TOL). One layer because step 1's
 *             threshold search recomputes G g G^T of every kernel per bisection step: minutes
 *             per full-width model (src/prune/spatial-mask.ts);
 *   winograd  `swprune winograd` (one stage, 50%, --expand); onnxruntime runs the expanded
 *             file to swprune's logits of the Winograd model (TOL);
 *   report    `swprune report`; the bundle's sparse path gives the Winograd model's logits (TOL).
 */
/**
 * max |swprune - reference| / max |reference|. 1e-3: swprune's kernels compute 3x3 convolutions
 * with 16+ channels through Winograd F(4x4,3x3) (src/kernels/conv-winograd.ts), about 5e-6 of
 * float32 error a layer (docs/winograd.md); over ResNet-50's 53 convolutions that adds up to
 * 1.3e-4 against PyTorch, and an expanded Winograd graph in onnxruntime sums in another order
 * again. Top-1 agreement on the 16 reference images is recorded beside it.
 */
const TOL = 1e-3;
const STEPS = ['load', 'evaluate', 'spatial', 'winograd', 'report'] as const;
type Step = (typeof STEPS)[number];

interface FileResult {
  /** When this file was checked (a run of some families updates only theirs). */
  date: string;
  family: string;
  mode: 'eval' | 'train';
  opset: number;
  steps: Partial<Record<Step, 'ok' | string>>;
  seconds: Partial<Record<Step, number>>;
  /** max |swprune - reference| / max |reference| per comparison. */
  diffs: Record<string, number>;
  /** Share of the 16 reference images whose top-1 class swprune and the reference agree on. */
  top1Agreement?: { torch: number; onnxruntime?: number };
  /** Where the .swb ran: the runtime, or the executor on its graph where the runtime lacks an op. */
  bundleRunsOn?: BundlePath;
  params?: number;
  nodes?: number;
  /** Whether loading warned that a training-mode export is evaluated as model.eval(). */
  warned?: boolean;
  /** Winograd candidates of the model, and the one pruned. */
  candidates?: number;
  pruned?: { name: string; group: number; weights: number };
  winogradLayers?: number;
}

/** The candidate the zoo prunes: the smallest grouped one, else the smallest. */
function chooseLayer(graph: Graph): FileResult['pruned'] {
  const candidates = graph.nodes
    .filter((n) => n.op === 'Conv' && winogradCandidate(n, graph).candidate)
    .map((n) => ({
      name: n.name,
      group: (n.attrs.group as number | undefined) ?? 1,
      weights: graph.params.get(n.inputs[1]!)!.data.length,
    }));
  const grouped = candidates.filter((c) => c.group > 1);
  return (grouped.length ? grouped : candidates).sort((a, b) => a.weights - b.weights)[0];
}

/** A `--layers` glob matching `name` (its glob characters become '?', which matches them). */
const exactly = (name: string) => name.replace(/[*?[\]]/g, '?');

const files = exportFiles(ZOO_DIR).filter((f) => !ZOO_FAMILIES || ZOO_FAMILIES.includes(describeExport(f).family));
const ref = exportReference(ZOO_DIR);
const results: Record<string, FileResult> = {};
let data = '';
let work = '';

beforeAll(async () => {
  await selectBackend('wasm');
  work = mkdtempSync(join(tmpdir(), 'swprune-zoo-'));
  data = `cifar10:${writeCifarLike(join(work, 'cifar'), 8)}`;
});

/**
 * This run's results go to ZOO_DIR/results.json, and into test/zoo/results.json (committed; what
 * docs/models.md is generated from) in place of the same files' earlier results.
 */
afterAll(() => {
  const run = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model, loadavg: loadavg(), backend: 'wasm' },
    tolerance: TOL,
  };
  writeFileSync(join(ZOO_DIR, 'results.json'), `${JSON.stringify({ ...run, families: ZOO_FAMILIES ?? 'all', files: results }, null, 1)}\n`);
  const committed = repoPath('test/zoo/results.json');
  const earlier = existsSync(committed) ? (JSON.parse(readFileSync(committed, 'utf8')) as { files: Record<string, FileResult> }).files : {};
  const files = Object.fromEntries(Object.entries({ ...earlier, ...results }).sort(([a], [b]) => a.localeCompare(b)));
  writeFileSync(committed, `${JSON.stringify({ ...run, files }, null, 1)}\n`);
  rmSync(work, { recursive: true, force: true });
});

const nhwc = (n: number) => {
  const [, c, h, w] = ref.input.shape as [number, number, number, number];
  const data = ref.input.data.subarray(0, n * c * h * w);
  return { nchw: { data, dims: [n, c, h, w] }, nhwc: tf.transpose(tf.tensor4d(data, [n, c, h, w]), [0, 2, 3, 1]) as tf.Tensor4D };
};

function logitsOf(model: CompiledModel, n: number): Float32Array {
  const { nhwc: x } = nhwc(n);
  const y = model.forward(x);
  const out = y.dataSync() as Float32Array;
  tf.dispose([x, y]);
  return out;
}

function ours(path: string, n: number): Float32Array {
  const model = compileGraph(loadModel(path).graph);
  try {
    return logitsOf(model, n);
  } finally {
    model.dispose();
  }
}

function argmaxes(logits: ArrayLike<number>, classes: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < logits.length / classes; i++) {
    let best = 0;
    for (let k = 1; k < classes; k++) if (logits[i * classes + k]! > logits[i * classes + best]!) best = k;
    out.push(best);
  }
  return out;
}
const agreement = (a: number[], b: number[]) => a.filter((x, i) => x === b[i]).length / a.length;

async function cli(args: string[]): Promise<void> {
  const io = bufferStreams();
  const training = args[0] === 'report' ? [] : ['--epochs', '1', '--limit', '8', '--batch-size', '8', '--lr', '0.0001'];
  const code = await runCli([...args, '--data', data, ...training, '--backend', 'wasm'], io);
  if (code !== EXIT.ok) throw new Error(io.stderr.text.trim().split('\n').at(-1) ?? `exit ${code}`);
}

describe('the zoo', () => {
  it('has exports to check', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  for (const file of files) {
    it(file, async () => {
      const { family, mode, opset } = describeExport(file);
      const r: FileResult = { date: new Date().toISOString(), family, mode, opset, steps: {}, seconds: {}, diffs: {} };
      results[file] = r;
      const dir = join(work, file.replace(/\.onnx$/, ''));
      mkdirSync(dir);
      const [sp, wg, exp, swb] = ['spatial.onnx', 'winograd.onnx', 'expanded.onnx', 'model.swb'].map((f) => join(dir, f)) as [
        string,
        string,
        string,
        string,
      ];
      const few = nhwc(4);
      few.nhwc.dispose();
      const step = async (name: Step, f: () => Promise<void> | void) => {
        if (Object.values(r.steps).some((v) => v !== 'ok')) return;
        const t0 = performance.now();
        try {
          await f();
          r.steps[name] = 'ok';
        } catch (e) {
          r.steps[name] = (e as Error).message.split('\n')[0]!.slice(0, 300);
        }
        r.seconds[name] = Math.round((performance.now() - t0) / 100) / 10;
      };
      const within = (what: string, got: ArrayLike<number>, want: ArrayLike<number>) => {
        const d = relDiff(got, want);
        r.diffs[what] = d;
        if (!(d <= TOL)) throw new Error(`${what}: relative difference ${d.toExponential(2)} > ${TOL}`);
      };

      await step('load', () => {
        const loaded = loadModel(join(ZOO_DIR, file));
        r.nodes = loaded.graph.nodes.length;
        r.candidates = loaded.graph.nodes.filter((n) => n.op === 'Conv' && winogradCandidate(n, loaded.graph).candidate).length;
        r.pruned = chooseLayer(loaded.graph);
        r.params = [...loaded.graph.params.values()].filter((p) => p.data instanceof Float32Array).reduce((s, p) => s + p.data.length, 0);
        const ok =
          mode === 'train'
            ? loaded.warnings.length <= 1 && loaded.warnings.every((w) => /exported in training mode .*model\.eval\(\)/.test(w))
            : loaded.warnings.length === 0;
        if (!ok) throw new Error(`unexpected warnings for a ${mode}-mode export: ${loaded.warnings.join('; ') || 'none'}`);
        r.warned = loaded.warnings.length > 0;
      });
      await step('evaluate', async () => {
        const loaded = loadModel(join(ZOO_DIR, file));
        const model = compileGraph(loaded.graph);
        const n = ref.input.shape[0]!;
        const got = logitsOf(model, n);
        model.dispose();
        const torch = ref.outputs.get(file)!;
        const classes = torch.shape[1]!;
        r.top1Agreement = { torch: agreement(argmaxes(got, classes), argmaxes(torch.data, classes)) };
        within('vs PyTorch', got, torch.data);
        if (mode === 'eval') {
          const ort = await runOnnxRuntime(join(ZOO_DIR, file), { data: ref.input.data, dims: ref.input.shape });
          r.top1Agreement.onnxruntime = agreement(argmaxes(got, classes), argmaxes(ort.data, classes));
          within('vs onnxruntime', got, ort.data);
        }
      });
      await step('spatial', async () => {
        if (!r.pruned) throw new Error('no Winograd candidate');
        await cli(['spatial', join(ZOO_DIR, file), '-o', sp, '--sparsity', '0.3', '--layers', exactly(r.pruned.name)]);
        within('spatial file in onnxruntime', (await runOnnxRuntime(sp, few.nchw)).data, ours(sp, 4));
      });
      await step('winograd', async () => {
        await cli(['winograd', sp, '-o', wg, '--sparsity', '0.5', '--expand', exp, '--layers', exactly(r.pruned!.name)]);
        r.winogradLayers = loadModel(wg).graph.nodes.filter((x) => x.op === 'WinogradConv').length;
        within('expanded file in onnxruntime', (await runOnnxRuntime(exp, few.nchw)).data, ours(wg, 4));
      });
      await step('report', async () => {
        await cli(['report', wg, '-o', swb]);
        const bundle = await bundleLogits(swb, few.nchw.data, 4);
        r.bundleRunsOn = bundle.via;
        within(`bundle (${bundle.via})`, bundle.data, ours(wg, 4));
      });
      rmSync(dir, { recursive: true, force: true });
      expect(r.steps).toEqual(Object.fromEntries(STEPS.map((s) => [s, 'ok'])));
    });
  }
});
