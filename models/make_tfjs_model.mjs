// Writes models/fashion-vgg-tfjs/ (model.json + weights.bin): the bundled ONNX model as a
// TensorFlow.js layers model, built with tf.layers and saved by tfjs itself.
//
//   npm run build && node models/make_tfjs_model.mjs
//
// Same architecture and weights as fashion-vgg.onnx (see README.md); the input is NHWC
// [N, 28, 28, 1], normalised the same way. Weights are copied from the ONNX file: conv kernels
// OIHW -> HWIO, the Gemm weight [10, 64] -> dense kernel [64, 10]; batch norm keeps PyTorch's
// epsilon (1e-5). The dropout layer is kept (inactive at inference). At the end the script
// checks tfjs's own predict against PyTorch's logits in fashion-vgg.io.json (max |diff| printed).
import * as tf from '@tensorflow/tfjs';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadModel } from '../dist/io/load.js';

const here = dirname(fileURLToPath(import.meta.url));
await tf.setBackend('cpu');
tf.env().set('PROD', true);

const onnx = loadModel(join(here, 'fashion-vgg.onnx')).graph;
const param = (name) => onnx.params.get(name);
const tensorOf = (p, perm) => {
  const t = tf.tensor(p.data, p.dims);
  return perm ? tf.transpose(t, perm) : t;
};

const model = tf.sequential({ name: 'fashion_vgg' });
let first = true;
let block = 0;
for (const node of onnx.nodes) {
  const name = (kind) => `${kind}${block}`;
  if (node.op === 'Conv') {
    const w = param(node.inputs[1]);
    const layer = tf.layers.conv2d({
      ...(first ? { inputShape: [28, 28, 1] } : {}),
      filters: w.dims[0],
      kernelSize: 3,
      padding: 'same',
      useBias: false,
      name: name('conv'),
    });
    model.add(layer);
    layer.setWeights([tensorOf(w, [2, 3, 1, 0])]);
    first = false;
  } else if (node.op === 'BatchNormalization') {
    const layer = tf.layers.batchNormalization({ epsilon: Number(node.attrs.epsilon ?? 1e-5), momentum: 0.9, name: name('bn') });
    model.add(layer);
    layer.setWeights(node.inputs.slice(1).map((n) => tensorOf(param(n))));
  } else if (node.op === 'Relu') {
    model.add(tf.layers.reLU({ name: name('relu') }));
    block++;
  } else if (node.op === 'MaxPool') {
    model.add(tf.layers.maxPooling2d({ poolSize: 2, name: `pool${block}` }));
  } else if (node.op === 'GlobalAveragePool') {
    model.add(tf.layers.globalAveragePooling2d({ name: 'gap' }));
    model.add(tf.layers.dropout({ rate: 0.2, name: 'dropout' }));
  } else if (node.op === 'Gemm') {
    const w = param(node.inputs[1]);
    const layer = tf.layers.dense({ units: w.dims[0], name: 'fc' });
    model.add(layer);
    layer.setWeights([tensorOf(w, [1, 0]), tensorOf(param(node.inputs[2]))]);
  } else if (node.op !== 'Flatten') {
    throw new Error(`make_tfjs_model: unexpected op ${node.op} in fashion-vgg.onnx`);
  }
}

const dir = join(here, 'fashion-vgg-tfjs');
mkdirSync(dir, { recursive: true });
await model.save(
  tf.io.withSaveHandler(async (artifacts) => {
    const json = {
      format: 'layers-model',
      generatedBy: `TensorFlow.js tfjs-layers v${tf.version.layers}`,
      convertedBy: 'models/make_tfjs_model.mjs from fashion-vgg.onnx',
      modelTopology: artifacts.modelTopology,
      weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
    };
    writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
    writeFileSync(join(dir, 'weights.bin'), Buffer.from(artifacts.weightData));
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }),
);

// Check: tfjs's predict on the two reference images against PyTorch's logits.
const io = JSON.parse(readFileSync(join(here, 'fashion-vgg.io.json'), 'utf8'));
const [n, , h, w] = io.input.shape;
const y = model.predict(tf.tensor4d(io.input.data, [n, h, w, 1])).dataSync();
const maxDiff = io.output.data.reduce((m, v, i) => Math.max(m, Math.abs(v - y[i])), 0);
console.log(`wrote ${dir}: ${model.countParams()} parameters; max |tfjs - PyTorch| logit = ${maxDiff.toExponential(2)}`);
if (!(maxDiff < 1e-4)) process.exit(1);
