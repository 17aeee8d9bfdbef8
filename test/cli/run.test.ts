import { describe, expect, it } from 'vitest';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { bufferStreams } from '../../src/cli/streams.js';
import { EXIT, runCli } from '../../src/cli/run.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

describe('runCli', () => {
  it('prints the version from package.json', async () => {
    const io = bufferStreams();
    expect(await runCli(['--version'], io)).toBe(EXIT.ok);
    expect(io.stdout.text.trim()).toBe(pkg.version);
  });

  it('prints help with exit code 0', async () => {
    const io = bufferStreams();
    expect(await runCli(['--help'], io)).toBe(EXIT.ok);
    expect(io.stdout.text).toMatch(/^Usage: swprune/);
  });

  it('rejects an unknown option with a usage exit code and no stack trace', async () => {
    const io = bufferStreams();
    expect(await runCli(['--no-such-option'], io)).toBe(EXIT.usage);
    expect(io.stderr.text).toMatch(/unknown option '--no-such-option'/);
    expect(io.stderr.text).not.toMatch(/\n\s+at /);
  });
});

describe('bin/swprune.js', () => {
  it('runs the compiled CLI as a process', () => {
    const out = execFileSync(process.execPath, ['bin/swprune.js', '--version'], { encoding: 'utf8' });
    expect(out.trim()).toBe(pkg.version);
  });

  it('exits quietly when its reader has gone (`swprune run --help | head`): no E_INTERNAL for EPIPE', async () => {
    // The read end is closed before the process writes, so every write it makes fails with EPIPE.
    const child = spawn(process.execPath, ['bin/swprune.js', 'run', '--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const status = await new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    expect(stderr).toBe('');
    expect(status).toBe(EXIT.ok);
  });

  it('exits non-zero on bad usage', () => {
    const r = spawnSync(process.execPath, ['bin/swprune.js', '--bogus'], { encoding: 'utf8' });
    expect(r.status).toBe(EXIT.usage);
    expect(r.stderr).toMatch(/unknown option '--bogus'/);
  });
});
