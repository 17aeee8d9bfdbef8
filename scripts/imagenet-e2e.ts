/**
 * `npm run e2e:imagenet`: the paper's ImageNet pipeline end to end on an ImageNet-layout folder
 * and the torchvision ResNet-18 as PyTorch exports it (224x224), each step the command a user
 * would type (printed first):
 *
 *   eval -> spatial (one stage, one epoch) -> winograd (one stage, one epoch) -> report
 *
 *   node build/scripts/imagenet-e2e.js [--dir DIR] [--sparsity S1,S2] [--batch-size N]
 *
 * DIR (default out/imagenet-like) holds what test/fixtures/images/make_imagenet_like.py writes:
 * folder/ (train/<wnid>/, val/<wnid>/), resnet18.onnx and expected.json (PyTorch's top-1 on
 * folder/val with torchvision's ImageNet evaluation transforms). The run checks that swprune's
 * top-1 equals PyTorch's, and writes DIR/e2e.json with each step's time, the training
 * throughput, and the time an ImageNet epoch (1,281,167 images) and the ImageNet validation set
 * (50,000 images) would take at that throughput on this machine.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import { join, relative } from 'node:path';
import { runCli } from '#src/cli/run.js';

const IMAGENET_TRAIN = 1_281_167;
const IMAGENET_VAL = 50_000;

interface Options {
  dir: string;
  sparsity: [number, number];
  batchSize: number;
}

function parseArgs(argv: readonly string[]): Options {
  const o: Options = { dir: 'out/imagenet-like', sparsity: [0.5, 0.6], batchSize: 16 };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i + 1];
    if (argv[i] === '--dir' && v) {
      o.dir = v;
      i++;
    } else if (argv[i] === '--sparsity' && v) {
      o.sparsity = v.split(',').map(Number) as [number, number];
      i++;
    } else if (argv[i] === '--batch-size' && v) {
      o.batchSize = Number(v);
      i++;
    } else throw new Error(`unknown option ${argv[i]}; expected --dir DIR, --sparsity S1,S2, --batch-size N`);
  }
  return o;
}

async function main(): Promise<number> {
  const o = parseArgs(process.argv.slice(2));
  const d = (f: string) => relative(process.cwd(), join(o.dir, f)) || '.';
  if (!existsSync(d('resnet18.onnx')) || !existsSync(d('folder'))) {
    process.stderr.write(
      `${o.dir}: resnet18.onnx or folder/ missing; write them with /usr/bin/python3 test/fixtures/images/make_imagenet_like.py ${o.dir}\n`,
    );
    return 1;
  }
  const expected = JSON.parse(readFileSync(d('expected.json'), 'utf8')) as { top1: number; val: unknown[] };
  const data = `imagefolder:${d('folder')}`;
  const bs = String(o.batchSize);
  const steps: [string, string[]][] = [
    ['eval', ['eval', d('resnet18.onnx'), '--data', data, '--batch-size', bs, '--json', d('eval.json')]],
    [
      'spatial',
      [
        'spatial',
        d('resnet18.onnx'),
        '--data',
        data,
        '-o',
        d('spatial.onnx'),
        '--sparsity',
        String(o.sparsity[0]),
        '--epochs',
        '1',
        '--batch-size',
        bs,
        '--lr',
        '0.001',
        '--json',
        d('spatial.json'),
      ],
    ],
    [
      'winograd',
      [
        'winograd',
        d('spatial.onnx'),
        '--data',
        data,
        '-o',
        d('winograd.onnx'),
        '--sparsity',
        String(o.sparsity[1]),
        '--epochs',
        '1',
        '--batch-size',
        bs,
        '--lr',
        '0.001',
        '--json',
        d('winograd.json'),
      ],
    ],
    ['report', ['report', d('winograd.onnx'), '--data', data, '-o', d('model.swb'), '--batch-size', bs, '--json', d('report.json')]],
  ];
  const io = { stdout: process.stdout, stderr: process.stderr };
  const seconds: Record<string, number> = {};
  for (const [name, argv] of steps) {
    process.stdout.write(`\n$ npx swprune ${argv.join(' ')}\n`);
    const t0 = performance.now();
    const code = await runCli(argv, io);
    seconds[name] = (performance.now() - t0) / 1000;
    if (code !== 0) return code;
  }
  const evalJson = JSON.parse(readFileSync(d('eval.json'), 'utf8')) as { accuracy: { top1: number }; examples: number; seconds: number };
  const throughput = (f: string) =>
    (JSON.parse(readFileSync(d(f), 'utf8')) as { stages: { examplesPerSecond: number }[] }).stages[0]!.examplesPerSecond;
  const spatialEx = throughput('spatial.json');
  const winogradEx = throughput('winograd.json');
  const evalEx = evalJson.examples / evalJson.seconds;
  const hours = (n: number, perSecond: number) => n / perSecond / 3600;
  const summary = {
    machine: { cpu: os.cpus()[0]?.model ?? '', cores: os.cpus().length, node: process.version, loadAverage: os.loadavg() },
    top1: {
      swprune: evalJson.accuracy.top1,
      pytorch: expected.top1,
      equal: evalJson.accuracy.top1 === expected.top1,
      images: evalJson.examples,
    },
    seconds,
    examplesPerSecond: { eval: evalEx, spatialTraining: spatialEx, winogradTraining: winogradEx },
    imagenetHours: {
      spatialEpoch: hours(IMAGENET_TRAIN, spatialEx),
      winogradEpoch: hours(IMAGENET_TRAIN, winogradEx),
      validation: hours(IMAGENET_VAL, evalEx),
    },
  };
  writeFileSync(d('e2e.json'), `${JSON.stringify(summary, null, 2)}\n`);
  process.stdout.write(
    `\ntop-1 on ${evalJson.examples} val images: swprune ${(100 * evalJson.accuracy.top1).toFixed(2)}%, PyTorch ${(100 * expected.top1).toFixed(2)}% (${summary.top1.equal ? 'equal' : 'DIFFERENT'})\n` +
      `examples/s: eval ${evalEx.toFixed(2)}, spatial training ${spatialEx.toFixed(2)}, winograd training ${winogradEx.toFixed(2)}\n` +
      `an ImageNet epoch at these rates: spatial ${summary.imagenetHours.spatialEpoch.toFixed(0)} h, winograd ${summary.imagenetHours.winogradEpoch.toFixed(0)} h; validation ${summary.imagenetHours.validation.toFixed(1)} h\n` +
      `wrote ${d('e2e.json')}\n`,
  );
  return summary.top1.equal ? 0 : 1;
}

main().then(
  (code) => (process.exitCode = code),
  (e: unknown) => {
    process.stderr.write(`e2e:imagenet: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  },
);
