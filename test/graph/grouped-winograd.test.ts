import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import protobuf from 'protobufjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/backend/select.js';
import { readBundle } from '../../src/bundle/read.js';
import { BUNDLE_PROTO_PATH } from '../../src/bundle/schema.js';
import { encodeBundle } from '../../src/bundle/write.js';
import { mulberry32 } from '../../src/data/rng.js';
import { compileGraph } from '../../src/exec/compile.js';
import { expandWinogradGraph } from '../../src/graph/expand-winograd.js';
import type { Graph } from '../../src/graph/ir.js';
import { encodeOnnx } from '../../src/io/onnx/index.js';
import { loadModel } from '../../src/io/load.js';
import { selectTargets } from '../../src/prune/targets.js';
import { toWinogradGraph } from '../../src/prune/to-winograd.js';
import { bundleLogits } from '../helpers/bundle-logits.js';
import { runOnnxRuntime } from '../helpers/onnxruntime.js';
import { exportReference, relDiff, SAMPLE_DIR } from '../io/models/sample.js';

/**
 * Grouped and depthwise 3x3 convolutions in Winograd form (one Winograd kernel per output
 * channel and input channel of its group): unpruned, the Winograd form computes the spatial
 * model's logits; pruned (half of every W zeroed), its --expand graph in onnxruntime and its
 * bundle in the runtime compute the executor's. Tolerance: 1e-4 of max |logit|.
 */
const TOL = 1e-4;
const ref = exportReference(SAMPLE_DIR);
let previous = 'cpu';

beforeAll(async () => {
  previous = tf.getBackend() ?? 'cpu';
  await selectBackend('wasm');
});
afterAll(async () => {
  await tf.setBackend(previous);
});

function logits(graph: Graph, compile = compileGraph): Float32Array {
  const model = compile(graph);
  const x = tf.transpose(tf.tensor4d(ref.input.data, ref.input.shape as [number, number, number, number]), [0, 2, 3, 1]) as tf.Tensor4D;
  const y = model.forward(x);
  const out = y.dataSync() as Float32Array;
  tf.dispose([x, y]);
  model.dispose();
  return out;
}

const CASES = {
  'regnet_x_400mf-eval-op13.onnx': 'grouped (group width 8)',
  'mobilenet_v2-eval-op13.onnx': 'depthwise',
  'se_net-train-op11.onnx': 'depthwise and 4 groups',
};

describe('grouped and depthwise layers in Winograd form', () => {
  for (const [file, kind] of Object.entries(CASES)) {
    for (const tile of [4, 6]) {
      it(`${file} (${kind}), T=${tile}: conversion, --expand in onnxruntime, sparse bundle`, async () => {
        const loaded = loadModel(`${SAMPLE_DIR}/${file}`);
        const targets = selectTargets(loaded.graph, { tile });
        const grouped = targets.filter((t) => ((t.node.attrs.group as number | undefined) ?? 1) > 1);
        expect(grouped.length, 'grouped targets').toBeGreaterThan(0);
        const winograd = toWinogradGraph(loaded.graph, targets);
        expect(winograd.nodes.filter((n) => n.op === 'WinogradConv' && n.attrs.group !== undefined)).toHaveLength(grouped.length);
        expect(relDiff(logits(winograd), logits(loaded.graph)), 'unpruned Winograd form').toBeLessThanOrEqual(TOL);

        const rand = mulberry32(tile);
        for (const n of winograd.nodes.filter((x) => x.op === 'WinogradConv')) {
          const w = winograd.params.get(n.inputs[1]!)!.data as Float32Array;
          for (let i = 0; i < w.length; i++) if (rand() < 0.5) w[i] = 0;
        }
        const dense = logits(winograd);
        const model = compileGraph(winograd);
        const shapes = model.valueShapes();
        model.dispose();
        const expanded = expandWinogradGraph(winograd, (n) => shapes.get(n.inputs[0]!)!.slice(1));
        const ort = await runOnnxRuntime(encodeOnnx(loaded, expanded), { data: ref.input.data, dims: ref.input.shape });
        expect(relDiff(ort.data, dense), 'expanded in onnxruntime').toBeLessThanOrEqual(TOL);

        const path = join(mkdtempSync(join(tmpdir(), 'swprune-group-')), 'm.swb');
        const bytes = encodeBundle(winograd, new Uint8Array(8));
        writeFileSync(path, bytes);
        const bundle = readBundle(path);
        expect(bundle.formatVersion).toBe(2);
        expect(bundle.layers.filter((l) => l.group > 1)).toHaveLength(grouped.length);
        const viaBundle = await bundleLogits(path, ref.input.data, ref.input.shape[0]!);
        expect(viaBundle.via).toBe('runtime');
        expect(relDiff(viaBundle.data, dense), 'bundle').toBeLessThanOrEqual(TOL);
      });
    }
  }

  it('a bundle without grouped layers is format version 1 and decodes with the .proto alone', async () => {
    const loaded = loadModel(`${SAMPLE_DIR}/resnet18-eval-op11.onnx`);
    const winograd = toWinogradGraph(loaded.graph, selectTargets(loaded.graph, { tile: 6 }));
    const bytes = encodeBundle(winograd, new Uint8Array(8));
    const type = (await protobuf.load(BUNDLE_PROTO_PATH)).lookupType('swprune.bundle.Bundle');
    const message = type.toObject(type.decode(bytes), { defaults: true }) as { formatVersion: number; layers: { group: number }[] };
    expect(message.formatVersion).toBe(1);
    expect(message.layers.every((l) => l.group === 0)).toBe(true);
  });
});
