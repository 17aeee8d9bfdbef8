import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeBundle } from '../../src/bundle/write.js';
import { mulberry32 } from '../../src/data/rng.js';
import { readOnnx } from '../../src/io/onnx/index.js';
import { selectTargets } from '../../src/prune/targets.js';
import { toWinogradGraph } from '../../src/prune/to-winograd.js';
import { relaxedSimd } from '../../src/runtime/engine.js';
import { loadBundle } from '../../src/runtime/index.js';
import { browserAvailable, browserRequired, CHROMIUM } from '../helpers/browser.js';
import { ONNX_FIXTURES, repoPath } from '../helpers/fixtures.js';

/**
 * The runtime in headless Chromium: test/runtime/browser/index.html imports dist/runtime/ (run
 * `npm run build` first; `npm test` does), runs a bundle on 1 and 2 threads and posts the
 * outputs back to this test's HTTP server. They must be the bits Node computes.
 */
const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript' };

function serve(files: Record<string, Uint8Array>, onReport: (body: string) => void): Promise<{ server: Server; port: number }> {
  const root = repoPath('');
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method === 'POST') {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        res.end('ok');
        onReport(body);
      });
      return;
    }
    const mem = files[url.pathname];
    const path = normalize(join(root, decodeURIComponent(url.pathname)));
    const allowed = path.startsWith(join(root, 'dist')) || path.startsWith(join(root, 'test/runtime/browser'));
    if (!mem && !allowed) {
      res.writeHead(404).end();
      return;
    }
    try {
      const data = mem ?? readFileSync(path);
      res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream' }).end(data);
    } catch {
      res.writeHead(404).end();
    }
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as { port: number }).port })),
  );
}

describe.runIf(browserAvailable || browserRequired)('the runtime in a browser', () => {
  it('headless Chromium runs a bundle on 1 and 2 threads and gets the same bits as Node (the same SIMD build; with relaxed SIMD where Node runs plain, within 1e-5 of max |y|)', async () => {
    const graph = readOnnx(ONNX_FIXTURES.fashionVgg).graph;
    const wg = toWinogradGraph(graph, selectTargets(graph, { tile: 6 }));
    const rand = mulberry32(21);
    for (const n of wg.nodes.filter((x) => x.op === 'WinogradConv')) {
      const w = wg.params.get(n.inputs[1]!)!.data as Float32Array;
      for (let i = 0; i < w.length; i++) if (rand() < 0.75) w[i] = 0;
    }
    const bundle = encodeBundle(wg, new Uint8Array([1]));
    const n = 3;
    const input = Float32Array.from({ length: n * 784 }, () => rand() * 2 - 1);
    const node = await loadBundle(bundle, { kernels: 'rules' });
    const expected = Array.from(node.runSync(input, n));

    let report!: (body: string) => void;
    const reported = new Promise<string>((resolve) => (report = resolve));
    const { server, port } = await serve({ '/m.swb': bundle, '/x.bin': new Uint8Array(input.buffer) }, report);
    const url = `http://127.0.0.1:${port}/test/runtime/browser/index.html?bundle=/m.swb&input=/x.bin&n=${n}&report=/report`;
    const chromium = spawn(
      CHROMIUM,
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        `--user-data-dir=${mkdtempSync(join(tmpdir(), 'chromium-'))}`,
        url,
      ],
      { stdio: 'ignore' },
    );
    try {
      const timeout = new Promise<string>((_, reject) =>
        setTimeout(() => reject(new Error('no report from Chromium within 60 s')), 60_000),
      );
      const result = JSON.parse(await Promise.race([reported, timeout])) as Record<
        'threads1' | 'threads2',
        { output: number[]; inputShape: number[]; outputShape: number[] }
      > & { error?: string; relaxed: boolean };
      expect(result.error).toBeUndefined();
      const m = Math.max(...expected.map(Math.abs));
      for (const threads of ['threads1', 'threads2'] as const) {
        expect(result[threads].inputShape).toEqual([1, 28, 28]);
        expect(result[threads].outputShape).toEqual([10]);
        if (result.relaxed === relaxedSimd()) expect(result[threads].output).toEqual(expected);
        else expect(Math.max(...result[threads].output.map((v, i) => Math.abs(v - expected[i]!)))).toBeLessThan(1e-5 * m);
      }
      expect(result.threads2.output).toEqual(result.threads1.output);
    } finally {
      chromium.kill();
      server.close();
    }
  }, 90_000);
});
