/**
 * `npm run bench:demo`: runs `npm run demo` as a user would (a fresh process, a fresh folder)
 * and records what it ended with — dense against pruned top-1, Winograd-domain sparsity, the
 * speed of both through the runtime — and whether it met its target (within 1.5 points of the
 * dense model at >= 70% Winograd-domain sparsity on the slice), with the machine and the
 * minutes it took, for docs/results.md (docs/runs/demo.json). test/cli/demo.test.ts asserts the
 * same target in the test suite.
 *
 *   node build/bench/demo.js [--out FILE]      (default bench/demo.json)
 *
 * Exit code 1 when the demo fails or misses its target. The summary is the demo's own demo.json
 * (src/cli/demo.ts, DemoSummary), copied as it is.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

function main(argv: readonly string[]): number {
  const at = argv.indexOf('--out');
  const out = path.resolve(at >= 0 && argv[at + 1] ? argv[at + 1]! : 'bench/demo.json');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'swprune-demo-'));
  const loadAverageBefore = os.loadavg();
  const started = Date.now();
  const run = spawnSync(process.execPath, [path.join(root, 'dist/cli/demo.js'), '--out', dir], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const seconds = (Date.now() - started) / 1000;
  const summaryPath = path.join(dir, 'demo.json');
  const summary =
    run.status === 0 && fs.existsSync(summaryPath) ? (JSON.parse(fs.readFileSync(summaryPath, 'utf8')) as { met: boolean }) : null;
  const json = {
    machine: {
      cpu: os.cpus()[0]?.model ?? '',
      cores: os.cpus().length,
      node: process.version,
      loadAverageBefore,
      loadAverageAfter: os.loadavg(),
    },
    date: new Date().toISOString(),
    seconds,
    exitCode: run.status,
    met: summary?.met ?? false,
    summary,
  };
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, `${JSON.stringify(json, null, 1)}\n`);
  fs.rmSync(dir, { recursive: true, force: true });
  process.stdout.write(
    `\ndemo ${summary ? (summary.met ? 'met' : 'did NOT meet') : 'FAILED before'} its target in ${(seconds / 60).toFixed(1)} minutes; wrote ${path.relative(process.cwd(), out)}\n`,
  );
  return summary?.met ? 0 : 1;
}

process.exitCode = main(process.argv.slice(2));
