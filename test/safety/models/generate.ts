/**
 * Writes the bad models and datasets of test/safety/models.test.ts into a folder: each one is
 * the bundled models/fashion-vgg.onnx (or the bundled Fashion-MNIST slice) with one thing
 * broken, decoded and re-encoded with swprune's own ONNX schema (src/io/onnx/proto.ts). Small
 * (the model is 150 KB) and fast: the test runs it into a temp folder every time.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { onnx } from '../../../src/io/onnx/proto.js';
import { repoPath } from '../../helpers/fixtures.js';

type ModelProto = InstanceType<typeof onnx.ModelProto>;
type NodeProto = InstanceType<typeof onnx.NodeProto>;
type TensorProto = InstanceType<typeof onnx.TensorProto>;

const AT = onnx.AttributeProto.AttributeType;
const SOURCE = repoPath('models/fashion-vgg.onnx');

/** The second convolution (16 -> 16 channels, 3x3) of fashion-vgg: the one most cases break. */
const CONV = '/features/features.3/Conv';
const BN = '/features/features.4/BatchNormalization';

const node = (m: ModelProto, name: string): NodeProto => m.graph!.node!.find((n) => n.name === name) as NodeProto;
const init = (m: ModelProto, name: string): TensorProto => m.graph!.initializer!.find((t) => t.name === name) as TensorProto;

/** Replaces (or adds) an INTS attribute. */
function setInts(n: NodeProto, name: string, values: number[]): void {
  n.attribute = n.attribute.filter((a) => a.name !== name);
  n.attribute.push(onnx.AttributeProto.create({ name, type: AT.INTS, ints: values }));
}
function setInt(n: NodeProto, name: string, value: number): void {
  n.attribute = n.attribute.filter((a) => a.name !== name);
  n.attribute.push(onnx.AttributeProto.create({ name, type: AT.INT, i: value }));
}

/** A float32 tensor's values (raw_data), edited by `edit` in place and written back. */
function editFloats(t: TensorProto, edit: (v: Float32Array) => void): void {
  const v = new Float32Array(Uint8Array.prototype.slice.call(t.rawData).buffer);
  edit(v);
  t.rawData = new Uint8Array(v.buffer);
}

/** Gives tensor `t` new dims and `count` zero values. */
function reshapeTensor(t: TensorProto, dims: number[]): void {
  const count = Math.max(
    0,
    dims.reduce((a, b) => a * b, 1),
  );
  t.dims = dims;
  t.rawData = new Uint8Array(4 * count);
}

/** Sets dimension `axis` of the graph input. */
function setInputDim(m: ModelProto, axis: number, value: number): void {
  m.graph!.input![0]!.type!.tensorType!.shape!.dim![axis] = onnx.TensorShapeProto.Dimension.create({ dimValue: value });
}

/** Each bad model: its file name and what is broken. */
export const MODEL_MUTATIONS: Readonly<Record<string, (m: ModelProto) => void>> = {
  'weight-dim-zero': (m) => reshapeTensor(init(m, 'features.3.weight'), [16, 0, 3, 3]),
  'weight-dim-negative': (m) => reshapeTensor(init(m, 'features.3.weight'), [16, -16, 3, 3]),
  'input-dim-zero': (m) => setInputDim(m, 2, 0),
  'no-outputs': (m) => {
    m.graph!.output = [];
  },
  'strides-zero': (m) => setInts(node(m, CONV), 'strides', [0, 0]),
  'dilations-zero': (m) => setInts(node(m, CONV), 'dilations', [0, 0]),
  'group-zero': (m) => setInt(node(m, CONV), 'group', 0),
  'group-not-dividing': (m) => setInt(node(m, CONV), 'group', 3),
  'strides-float': (m) => {
    const n = node(m, CONV);
    n.attribute = n.attribute.filter((a) => a.name !== 'strides');
    n.attribute.push(onnx.AttributeProto.create({ name: 'strides', type: AT.FLOATS, floats: [1.5, 1.5] }));
  },
  'pads-negative': (m) => setInts(node(m, CONV), 'pads', [-1, -1, -1, -1]),
  'pads-huge': (m) => setInts(node(m, CONV), 'pads', [100000, 100000, 100000, 100000]),
  'kernel-shape-mismatch': (m) => setInts(node(m, CONV), 'kernel_shape', [5, 5]),
  'channels-mismatch': (m) => reshapeTensor(init(m, 'features.7.weight'), [32, 8, 3, 3]),
  'gemm-mismatch': (m) => reshapeTensor(init(m, 'fc.weight'), [10, 48]),
  'opset-1': (m) => {
    m.opsetImport = [onnx.OperatorSetIdProto.create({ domain: '', version: 1 })];
  },
  'opset-8': (m) => {
    m.opsetImport = [onnx.OperatorSetIdProto.create({ domain: '', version: 8 })];
  },
  'opset-99': (m) => {
    m.opsetImport = [onnx.OperatorSetIdProto.create({ domain: '', version: 99 })];
  },
  'input-huge': (m) => {
    setInputDim(m, 2, 100000);
    setInputDim(m, 3, 100000);
  },
  'weights-nan': (m) => editFloats(init(m, 'features.3.weight'), (v) => v.fill(Number.NaN, 0, 7)),
  'weights-inf': (m) =>
    editFloats(init(m, 'features.7.weight'), (v) => {
      v[0] = Infinity;
      v[1] = -Infinity;
    }),
  'bn-variance-negative': (m) =>
    editFloats(init(m, 'features.4.running_var'), (v) => {
      v[3] = -0.5;
    }),
};
export { BN, CONV };

/** The bundled Fashion-MNIST slice with `train` and `test` examples kept (0 for none). */
function writeIdxSlice(dir: string, train: number, test: number): void {
  mkdirSync(dir, { recursive: true });
  const src = repoPath('models/data/fashion-mnist');
  const keep = (name: string, count: number, perExample: number) => {
    const bytes = gunzipSync(readFileSync(join(src, `${name}.gz`)));
    const rank = bytes[3]!;
    const header = Buffer.from(bytes.subarray(0, 4 + 4 * rank));
    header.writeUInt32BE(count, 4);
    const body = bytes.subarray(4 + 4 * rank, 4 + 4 * rank + count * perExample);
    writeFileSync(join(dir, `${name}.gz`), gzipSync(Buffer.concat([header, body])));
  };
  keep('train-images-idx3-ubyte', train, 784);
  keep('train-labels-idx1-ubyte', train, 1);
  keep('t10k-images-idx3-ubyte', test, 784);
  keep('t10k-labels-idx1-ubyte', test, 1);
}

/** Bad datasets: Fashion-MNIST folders. */
export const DATA_SLICES: Readonly<Record<string, { train: number; test: number }>> = {
  'data-empty': { train: 0, test: 0 },
  'data-small': { train: 64, test: 64 },
  'data-no-train': { train: 0, test: 64 },
};

/**
 * Writes every bad model as `<dir>/<name>.onnx` and every dataset as `<dir>/<name>/`; returns
 * the paths by name (`source` is the unchanged bundled model).
 */
export function generate(dir: string): Record<string, string> {
  mkdirSync(dir, { recursive: true });
  const bytes = readFileSync(SOURCE);
  const paths: Record<string, string> = { source: SOURCE };
  for (const [name, mutate] of Object.entries(MODEL_MUTATIONS)) {
    const m = onnx.ModelProto.decode(bytes);
    mutate(m);
    const path = join(dir, `${name}.onnx`);
    writeFileSync(path, onnx.ModelProto.encode(m).finish());
    paths[name] = path;
  }
  for (const [name, { train, test }] of Object.entries(DATA_SLICES)) {
    writeIdxSlice(join(dir, name), train, test);
    paths[name] = join(dir, name);
  }
  return paths;
}
