/**
 * Issue 17, files: nothing a user passes can overwrite their files, read outside the model's
 * folder, exhaust memory, hang or end in a stack trace. The generator (files/generate.ts)
 * writes the bad inputs into a temp folder; each row of the table runs the CLI on one of them
 * and asserts: exit code non-zero, stderr one line with the expected error code and no stack
 * trace, every file in the folder byte-identical afterwards and no file added (nothing was
 * written, not even the refused outputs). Device cases run as a subprocess under a 1 GiB heap
 * with their peak RSS measured.
 */
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSpatial, type SpatialOptions } from '../../src/api/spatial.js';
import { debugRequested, EXIT, internalErrorText, runCli } from '../../src/cli/run.js';
import { bufferStreams } from '../../src/cli/streams.js';
import { Killed, killAfterCheckpoints } from '../helpers/events.js';
import { repoPath } from '../helpers/fixtures.js';
import { generateSafetyFixtures, type SafetyFixtures } from './files/generate.js';

/** Every file and link under `dir` -> its content hash (links: their target), recursively. */
function snapshot(dir: string, into = new Map<string, string>()): Map<string, string> {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = lstatSync(p);
    if (st.isSymbolicLink()) into.set(p, `link:${readlinkSync(p)}`);
    else if (st.isDirectory()) {
      into.set(p, 'dir');
      snapshot(p, into);
    } else into.set(p, createHash('sha256').update(readFileSync(p)).digest('hex'));
  }
  return into;
}

/** What changed between two snapshots: added, removed or changed paths. */
function changes(before: Map<string, string>, after: Map<string, string>): string[] {
  const out: string[] = [];
  for (const [p, h] of after) if (before.get(p) !== h) out.push(before.has(p) ? `changed ${p}` : `added ${p}`);
  for (const p of before.keys()) if (!after.has(p)) out.push(`removed ${p}`);
  return out;
}

const ONE_ERROR_LINE = (code: string) => new RegExp(`^swprune: error\\[${code}\\]: [^\\n]+\\n$`);
const STACK = /\n\s+at |\.ts:\d+|\.js:\d+/;

interface Case {
  readonly name: string;
  readonly code: string;
  /** The part of the message that matters, when the case checks it. */
  readonly message?: RegExp;
  readonly argv: (f: SafetyFixtures) => string[];
}

/** Options that make a training command quick if it ever started (it must not). */
const QUICK = ['--limit', '64', '--batch-size', '32', '--epochs', '1', '--sparsity', '0.3', '--backend', 'wasm'];

const CASES: readonly Case[] = [
  // Outputs onto inputs or onto each other.
  {
    name: 'eval --json onto the input model',
    code: 'E_OUTPUT',
    argv: (f) => ['eval', f.model, '--data', f.data, '--json', f.model, '--backend', 'wasm'],
  },
  {
    name: 'inspect --json onto the input model through a ./ path',
    code: 'E_OUTPUT',
    argv: (f) => ['inspect', f.model, '--json', `${f.root}/./data/../m.onnx`],
  },
  {
    name: 'spatial --json onto the input model',
    code: 'E_OUTPUT',
    argv: (f) => ['spatial', f.model, '--data', f.data, '-o', join(f.outDir, 's.onnx'), '--json', f.model, ...QUICK],
  },
  {
    name: 'spatial --json equal to -o',
    code: 'E_OUTPUT',
    argv: (f) => ['spatial', f.model, '--data', f.data, '-o', join(f.outDir, 's.onnx'), '--json', join(f.outDir, 's.onnx'), ...QUICK],
  },
  {
    name: 'spatial -o onto a dataset file',
    code: 'E_OUTPUT',
    argv: (f) => ['spatial', f.model, '--data', f.data, '-o', join(f.dataDir, 't10k-labels-idx1-ubyte.gz'), ...QUICK],
  },
  {
    name: 'spatial -o a new file inside the dataset folder',
    code: 'E_OUTPUT',
    argv: (f) => ['spatial', f.model, '--data', f.data, '-o', join(f.dataDir, 't10k-labels-idx1-ubyte'), ...QUICK],
  },
  {
    name: 'spatial -o a symlink to the input model',
    code: 'E_OUTPUT',
    argv: (f) => ['spatial', f.model, '--data', f.data, '-o', join(f.root, 'link-to-m.onnx'), ...QUICK],
  },
  {
    name: 'spatial --targets-from also given as --json',
    code: 'E_OUTPUT',
    argv: (f) => [
      'spatial',
      f.model,
      '--data',
      f.data,
      '-o',
      join(f.outDir, 's.onnx'),
      '--targets-from',
      f.json,
      '--json',
      f.json,
      ...QUICK,
    ],
  },
  {
    name: 'winograd --expand onto the input model',
    code: 'E_OUTPUT',
    argv: (f) => ['winograd', f.model, '--data', f.data, '-o', join(f.outDir, 'w.onnx'), '--expand', f.model, ...QUICK],
  },
  {
    name: 'report --html onto the input model',
    code: 'E_OUTPUT',
    argv: (f) => ['report', f.model, '--data', f.data, '-o', join(f.outDir, 'r.swb'), '--html', f.model, '--backend', 'wasm'],
  },
  {
    name: 'report --json onto a --history input',
    code: 'E_OUTPUT',
    argv: (f) => [
      'report',
      f.model,
      '--data',
      f.data,
      '-o',
      join(f.outDir, 'r.swb'),
      '--history',
      f.json,
      '--json',
      f.json,
      '--backend',
      'wasm',
    ],
  },
  {
    name: 'sensitivity --json onto the input model',
    code: 'E_OUTPUT',
    argv: (f) => ['sensitivity', f.model, '--data', f.data, '--json', f.model, '--backend', 'wasm'],
  },
  {
    name: 'sensitivity --html onto the input model',
    code: 'E_OUTPUT',
    argv: (f) => ['sensitivity', f.model, '--data', f.data, '--html', f.model, '--backend', 'wasm'],
  },
  { name: 'run --json onto the bundle it runs', code: 'E_OUTPUT', argv: (f) => ['run', f.aFile, '--data', f.data, '--json', f.aFile] },
  {
    name: 'tfjs input given as its folder, -o its model.json',
    code: 'E_OUTPUT',
    argv: (f) => ['spatial', f.tfjs, '--data', f.data, '-o', join(f.tfjs, 'model.json'), ...QUICK],
  },
  {
    name: 'tfjs input given as its folder, -o the same folder',
    code: 'E_OUTPUT',
    argv: (f) => ['spatial', f.tfjs, '--data', f.data, '-o', f.tfjs, ...QUICK],
  },
  {
    name: 'an output onto a weight file of the input (ONNX external data)',
    code: 'E_OUTPUT',
    argv: (f) => ['eval', f.extInside, '--data', f.data, '--json', join(f.extInside, '..', 'w.bin')],
  },
  // Output paths that cannot be written.
  {
    name: '-o below a regular file',
    code: 'E_OUTPUT',
    argv: (f) => ['spatial', f.model, '--data', f.data, '-o', join(f.aFile, 'out.onnx'), ...QUICK],
  },
  {
    name: '--json under /proc (used to loop in mkdir)',
    code: 'E_OUTPUT',
    argv: (f) => ['eval', f.model, '--data', f.data, '--json', '/proc/swprune-test/x/r.json'],
  },
  {
    name: '-o under /proc',
    code: 'E_OUTPUT',
    argv: (f) => ['spatial', f.model, '--data', f.data, '-o', '/proc/self/swprune/out.onnx', ...QUICK],
  },
  { name: '--json an existing folder', code: 'E_OUTPUT', argv: (f) => ['eval', f.model, '--data', f.data, '--json', f.outDir] },
  // Reads outside the model's folder, and files that are not files.
  {
    name: 'tfjs manifest path ../weights.bin',
    code: 'E_MODEL',
    argv: (f) => ['spatial', f.tfjsEscape, '--data', f.data, '-o', join(f.outDir, 'esc', 'model.json'), ...QUICK],
  },
  { name: 'tfjs manifest path to /etc/passwd', code: 'E_MODEL', argv: (f) => ['inspect', f.tfjsPasswd] },
  { name: 'tfjs model.json holding null', code: 'E_MODEL', argv: (f) => ['inspect', f.tfjsNull] },
  { name: 'tfjs manifest paths as a string', code: 'E_MODEL', argv: (f) => ['inspect', f.tfjsPathsString] },
  { name: 'tfjs shard that is a folder', code: 'E_MODEL', argv: (f) => ['inspect', f.tfjsShardDir] },
  { name: 'ONNX external data at ../../etc/passwd', code: 'E_MODEL', argv: (f) => ['eval', f.extPasswd, '--data', f.data] },
  { name: 'ONNX external data at ../outside.bin', code: 'E_MODEL', argv: (f) => ['inspect', f.extOutside] },
  { name: 'ONNX external data in a folder', code: 'E_MODEL', argv: (f) => ['inspect', f.extFolder] },
  {
    name: "ONNX external data at an absolute path inside the model's folder",
    code: 'E_MODEL',
    message: /an absolute path; a model names its weight files relative to its own folder/,
    argv: (f) => ['inspect', f.extAbsolute],
  },
  {
    name: "run (the runtime's own ONNX decoder): external data at ../outside.bin",
    code: 'E_MODEL',
    message: /"\.\.\/outside\.bin", which resolves to .*, outside the model's folder/,
    argv: (f) => ['run', f.extOutside, '--data', f.data],
  },
  {
    name: "run (the runtime's own ONNX decoder): external data at an absolute path",
    code: 'E_MODEL',
    message: /an absolute path; a model names its weight files relative to its own folder/,
    argv: (f) => ['run', f.extAbsolute, '--data', f.data],
  },
  {
    name: "run (the runtime's own ONNX decoder): external data through a symlink to /dev/zero",
    code: 'E_MODEL',
    message: /which resolves to \/dev\/zero, outside the model's folder/,
    argv: (f) => ['run', f.extDevZero, '--data', f.data],
  },
  {
    name: "run (the runtime's own ONNX decoder): external data with a 1 TiB length",
    code: 'E_MODEL',
    message: /shorter/,
    argv: (f) => ['run', f.extLongLength, '--data', f.data],
  },
  { name: 'run with /dev/zero as the bundle', code: 'E_MODEL', argv: (f) => ['run', '/dev/zero', '--data', f.data] },
  { name: 'IDX file that is a folder', code: 'E_DATA', argv: (f) => ['eval', f.model, '--data', `fashion-mnist:${f.idxFolder}`] },
  // Checkpoints.
  {
    name: '--resume with a checkpoint cut inside its header',
    code: 'E_IO',
    argv: (f) => ['spatial', f.model, '--data', f.data, '-o', f.ckptCut, '--resume', ...QUICK],
  },
  {
    name: '--resume with a checkpoint that is a folder',
    code: 'E_OUTPUT',
    argv: (f) => ['spatial', f.model, '--data', f.data, '-o', f.ckptFolder, '--resume', ...QUICK],
  },
  {
    name: '--resume after a run killed before its first checkpoint',
    code: 'E_USAGE',
    argv: (f) => ['spatial', f.model, '--data', f.data, '-o', f.ckptMissing, '--resume', ...QUICK],
  },
];

describe('bad files end in one line, inputs untouched, nothing written', () => {
  let f: SafetyFixtures;
  beforeAll(() => {
    f = generateSafetyFixtures();
    symlinkSync(f.model, join(f.root, 'link-to-m.onnx'));
  });
  afterAll(() => rmSync(f.root, { recursive: true, force: true }));

  it.each(CASES)('$name: $code', async (c) => {
    const before = snapshot(f.root);
    const io = bufferStreams();
    const code = await runCli(c.argv(f), io);
    expect(code, io.stderr.text).not.toBe(EXIT.ok);
    expect(io.stderr.text).toMatch(ONE_ERROR_LINE(c.code));
    if (c.message) expect(io.stderr.text).toMatch(c.message);
    expect(io.stderr.text).not.toMatch(STACK);
    expect(changes(before, snapshot(f.root))).toEqual([]);
  });

  it("the runtime reads a dense model's external data through the input jail: the same outputs as the model with its weights inline", async () => {
    const { loadOnnxFile, loadOnnx } = await import('../../src/runtime/index.js');
    const x = Float32Array.from({ length: 2 * 784 }, (_, i) => Math.sin(i));
    const inline = await loadOnnxFile(f.model);
    const external = await loadOnnxFile(f.extInside);
    expect(Buffer.from(external.runSync(x, 2).buffer).equals(Buffer.from(inline.runSync(x, 2).buffer))).toBe(true);
    await inline.close();
    await external.close();
    // Bytes alone (a browser, or a bundle's network) have no folder to read from: refused.
    await expect(loadOnnx(new Uint8Array(readFileSync(f.extInside)), {}, 'm.onnx')).rejects.toMatchObject({
      code: 'E_MODEL',
      message: expect.stringMatching(
        /^m\.onnx: tensor "[^"]+" keeps its data in an external file \("w\.bin"\); load the model from its file \(loadOnnxFile\), beside its data$/,
      ),
    });
  });

  it.skipIf(process.getuid?.() === 0)('-o into a read-only folder fails before any training (E_OUTPUT)', async () => {
    const ro = join(f.root, 'read-only');
    mkdirSync(ro);
    chmodSync(ro, 0o555);
    const before = snapshot(f.root);
    const io = bufferStreams();
    expect(await runCli(['spatial', f.model, '--data', f.data, '-o', join(ro, 'out.onnx'), ...QUICK], io)).toBe(EXIT.failure);
    expect(io.stderr.text).toMatch(ONE_ERROR_LINE('E_OUTPUT'));
    expect(io.stderr.text).toMatch(/not writable/);
    expect(io.stdout.text).not.toMatch(/baseline/);
    expect(changes(before, snapshot(f.root))).toEqual([]);
    chmodSync(ro, 0o755);
  });

  // A device where weights belong: refused before anything is read; the process stays small.
  for (const [name, pick] of [
    ['external data through a symlink to /dev/zero', (x: SafetyFixtures) => x.extDevZero],
    ['external data with a 1 TiB length', (x: SafetyFixtures) => x.extLongLength],
  ] as const) {
    it(`${name}: E_MODEL, peak RSS under 1 GiB (subprocess, --max-old-space-size=1024)`, () => {
      const before = snapshot(f.root);
      const rssFile = join(f.outDir, '..', 'rss.txt');
      const r = spawnSync(
        process.execPath,
        [
          '--max-old-space-size=1024',
          '--require',
          repoPath('test/safety/files/rss-probe.cjs'),
          repoPath('bin/swprune.js'),
          'inspect',
          pick(f),
        ],
        {
          encoding: 'utf8',
          timeout: 30_000,
          env: { ...process.env, SWPRUNE_RSS_FILE: rssFile },
        },
      );
      expect(r.status, r.stderr).toBe(EXIT.failure);
      expect(r.stderr).toMatch(ONE_ERROR_LINE('E_MODEL'));
      expect(r.stderr).not.toMatch(STACK);
      const peakKiB = Number(readFileSync(rssFile, 'utf8'));
      rmSync(rssFile);
      expect(peakKiB).toBeGreaterThan(0);
      expect(peakKiB * 1024).toBeLessThan(2 ** 30);
      expect(changes(before, snapshot(f.root))).toEqual([]);
    });
  }
});

describe('internal errors', () => {
  it('a bug is one E_INTERNAL line asking for a report; the stack only with --debug or SWPRUNE_DEBUG=1', async () => {
    const bug = new TypeError("Cannot read properties of undefined (reading 'dims')");
    const plain = internalErrorText(bug, false);
    expect(plain).toMatch(
      /^swprune: error\[E_INTERNAL\]: Cannot read properties of undefined \(reading 'dims'\); this is a bug in swprune, please report it[^\n]*--debug[^\n]*\n$/,
    );
    expect(plain).not.toMatch(STACK);
    const debug = internalErrorText(bug, true);
    expect(debug.split('\n')[0]).toMatch(/^swprune: error\[E_INTERNAL\]: /);
    expect(debug).toMatch(STACK);
    expect(debugRequested(['inspect', 'm.onnx', '--debug'], {})).toBe(true);
    expect(debugRequested(['--debug', 'inspect', 'm.onnx'], {})).toBe(true);
    expect(debugRequested(['inspect', '--', '--debug'], {})).toBe(false);
    expect(debugRequested(['inspect', 'm.onnx'], { SWPRUNE_DEBUG: '1' })).toBe(true);
    expect(debugRequested(['inspect', 'm.onnx'], {})).toBe(false);
    // --debug anywhere is accepted and leaves a user error as it is: one line.
    const io = bufferStreams();
    expect(await runCli(['inspect', '/no/such/model.onnx', '--debug'], io)).toBe(EXIT.failure);
    expect(io.stderr.text).toMatch(ONE_ERROR_LINE('E_MODEL'));
  });
});

describe('checkpoints: replaced input, stale temporary files', () => {
  it('--resume after the input model was replaced is one line; a resumed run removes stale temporary files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'swprune-safety-ckpt-'));
    const model = join(dir, 'm.onnx');
    cpSync(repoPath('models/fashion-vgg.onnx'), model);
    const out = join(dir, 'out', 'p.onnx');
    const opts: SpatialOptions = {
      model,
      data: `fashion-mnist:${repoPath('models/data/fashion-mnist')}`,
      out,
      schedule: [0.3, 0.5],
      epochs: 1,
      batchSize: 32,
      limit: 64,
      seed: 3,
      augment: false,
      backend: 'wasm',
    };
    await expect(runSpatial(opts, killAfterCheckpoints(1))).rejects.toBeInstanceOf(Killed);
    expect(existsSync(`${out}.ckpt`)).toBe(true);
    const argv = [
      'spatial',
      model,
      '--data',
      opts.data,
      '-o',
      out,
      '--schedule',
      '0.3,0.5',
      '--epochs',
      '1',
      '--batch-size',
      '32',
      '--limit',
      '64',
      '--seed',
      '3',
      '--no-augment',
      '--backend',
      'wasm',
      '--resume',
    ];

    // Replace the model (same size, one weight byte changed): refused, the checkpoint kept.
    const original = readFileSync(model);
    const changed = Buffer.from(original);
    changed[changed.length - 8] ^= 1;
    writeFileSync(model, changed);
    const io = bufferStreams();
    expect(await runCli(argv, io)).toBe(EXIT.usage);
    expect(io.stderr.text).toMatch(ONE_ERROR_LINE('E_USAGE'));
    expect(io.stderr.text).toMatch(/the input model file changed/);
    expect(existsSync(`${out}.ckpt`)).toBe(true);

    // Put it back, leave temporary files of a killed process (pid that cannot exist): resume cleans them.
    writeFileSync(model, original);
    const stale = [join(dir, 'out', '.p.onnx.ckpt.swprune-tmp-999999999-1'), join(dir, 'out', '.p.onnx.swprune-tmp-999999999-2')];
    for (const s of stale) writeFileSync(s, 'partial');
    const ok = bufferStreams();
    expect(await runCli(argv, ok), ok.stderr.text).toBe(EXIT.ok);
    expect(existsSync(out)).toBe(true);
    expect(readdirSync(join(dir, 'out')).sort()).toEqual(['p.onnx']);
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('outputs write only their own files', () => {
  const data = `fashion-mnist:${repoPath('models/data/fashion-mnist')}`;
  const quick = [
    '--data',
    data,
    '--limit',
    '64',
    '--batch-size',
    '32',
    '--epochs',
    '1',
    '--sparsity',
    '0.3',
    '--no-augment',
    '--backend',
    'wasm',
  ];

  it("tfjs: an output in the input's folder gets its own shard names; a shard from a subfolder lands beside the output's model.json", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'swprune-safety-tfjs-'));
    const input = join(dir, 'in');
    cpSync(repoPath('models/fashion-vgg-tfjs'), input, { recursive: true });
    const before = snapshot(input);
    const io = bufferStreams();
    expect(await runCli(['spatial', join(input, 'model.json'), '-o', join(input, 'pruned.json'), ...quick], io), io.stderr.text).toBe(
      EXIT.ok,
    );
    const after = snapshot(input);
    for (const [p, h] of before) expect(after.get(p), p).toBe(h);
    expect([...after.keys()].map((p) => p.slice(input.length + 1)).sort()).toEqual([
      'model.json',
      'pruned.group1-shard1of1.bin',
      'pruned.json',
      'weights.bin',
    ]);
    const written = JSON.parse(readFileSync(join(input, 'pruned.json'), 'utf8')) as { weightsManifest: { paths: string[] }[] };
    expect(written.weightsManifest[0]!.paths).toEqual(['pruned.group1-shard1of1.bin']);

    // A manifest naming shards/weights.bin (inside the folder: allowed); the output's shard is beside its model.json.
    const nested = join(dir, 'nested');
    mkdirSync(join(nested, 'shards'), { recursive: true });
    cpSync(join(input, 'weights.bin'), join(nested, 'shards', 'weights.bin'));
    const json = JSON.parse(readFileSync(join(input, 'model.json'), 'utf8')) as { weightsManifest: { paths: string[] }[] };
    json.weightsManifest[0]!.paths = ['shards/weights.bin'];
    writeFileSync(join(nested, 'model.json'), JSON.stringify(json));
    const out = join(dir, 'out', 'model.json');
    expect(await runCli(['spatial', nested, '-o', out, ...quick], bufferStreams())).toBe(EXIT.ok);
    expect(readdirSync(join(dir, 'out')).sort()).toEqual(['model.json', 'weights.bin']);
    expect((JSON.parse(readFileSync(out, 'utf8')) as typeof json).weightsManifest[0]!.paths).toEqual(['weights.bin']);
    expect(await runCli(['inspect', out], bufferStreams())).toBe(EXIT.ok);
    rmSync(dir, { recursive: true, force: true });
  });

  it("ONNX: weights read from external data are written inline (the output never points at the input's data file)", async () => {
    const f = generateSafetyFixtures();
    const out = join(f.outDir, 'alone', 'p.onnx');
    expect(await runCli(['spatial', f.extInside, '-o', out, ...quick], bufferStreams())).toBe(EXIT.ok);
    expect(readdirSync(join(f.outDir, 'alone'))).toEqual(['p.onnx']);
    expect(await runCli(['inspect', out], bufferStreams())).toBe(EXIT.ok);
    rmSync(f.root, { recursive: true, force: true });
  });
});
