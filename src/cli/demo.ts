/**
 * `npm run demo`: the whole pipeline on the bundled model and the committed Fashion-MNIST
 * slice, into a fresh folder out/demo-<time>/:
 *
 *   spatial (2 stages) -> winograd (2 stages) -> report (bundle, JSON, HTML)
 *
 * A few minutes on 2 CPU cores. Each step is the CLI command a user would type (printed first).
 */
import { mkdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from './run.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const rel = (p: string) => relative(process.cwd(), join(root, p)) || '.';

async function main(): Promise<number> {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const dir = rel(`out/demo-${stamp}`);
  mkdirSync(dir, { recursive: true });
  const data = `fashion-mnist:${rel('models/data/fashion-mnist')}`;
  const model = rel('models/fashion-vgg.onnx');
  const steps = [
    ['spatial', model, '--data', data, '-o', join(dir, 'spatial.onnx'), '--schedule', '0.3,0.5', '--epochs', '1', '--json', join(dir, 'spatial.json')],
    ['winograd', join(dir, 'spatial.onnx'), '--data', data, '-o', join(dir, 'winograd.onnx'), '--schedule', '0.6,0.7', '--epochs', '1',
      '--expand', join(dir, 'winograd-standard.onnx'), '--json', join(dir, 'winograd.json')],
    ['report', join(dir, 'winograd.onnx'), '--data', data, '-o', join(dir, 'model.swb'), '--json', join(dir, 'report.json'), '--html', join(dir, 'report.html')],
  ];
  const streams = { stdout: process.stdout, stderr: process.stderr };
  for (const [i, argv] of steps.entries()) {
    process.stdout.write(`\n== demo step ${i + 1}/${steps.length}: swprune ${argv.join(' ')}\n\n`);
    const code = await runCli(argv, streams);
    if (code !== 0) return code;
  }
  process.stdout.write(`\nDone. Everything is in ${dir}/: open ${join(dir, 'report.html')} in a browser.\n`);
  return 0;
}

process.exitCode = await main();
