import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../src/data/rng.js';
import { readOnnx } from '../../src/io/onnx/index.js';
import { Engine, runtimeModule } from '../../src/runtime/engine.js';
import { loadGraph, RuntimeWorkers } from '../../src/runtime/index.js';
import { layout } from '../../src/runtime/plan/layout.js';
import { lower } from '../../src/runtime/plan/lower.js';
import { startWorker, type Port } from '../../src/runtime/platform.js';
import { Team } from '../../src/runtime/team.js';
import { ONNX_FIXTURES } from '../helpers/fixtures.js';

// A runtime's worker thread that stops (killed, out of memory) must not leave its caller
// waiting for ever: the batched path waits on a message that never comes, and a team's
// calling thread is blocked at a barrier, where it cannot even see the worker's exit event.
describe('a runtime whose worker thread stops', () => {
  const graph = readOnnx(ONNX_FIXTURES.smallCnn).graph;
  const rand = mulberry32(3);
  const x = Float32Array.from({ length: 4 * 784 }, () => rand() * 2 - 1);

  it('between calls: the next call, batched or as a team, rejects with a one-line error', async () => {
    const workers = await RuntimeWorkers.start(1);
    const model = await loadGraph(graph, undefined, { threads: 2, batch: 4, workers, team: true, split: 2 });
    try {
      expect(model.team).toBe(true);
      await model.run(x, 4);
      await model.run(x.subarray(0, 784), 1);
      await workers.close();
      // The environment's failure, with its own code: not E_INTERNAL's "this is a bug".
      await expect(model.run(x, 4)).rejects.toMatchObject({
        code: 'E_WORKER',
        message: expect.stringMatching(/^a runtime worker thread stopped \(it exited with code \d+\); .*load the model again$/),
      });
      await expect(model.run(x.subarray(0, 784), 1)).rejects.toMatchObject({
        code: 'E_WORKER',
        message: expect.stringMatching(/^a runtime worker thread stopped/),
      });
    } finally {
      await model.close();
    }
  });

  it('during a team call: the barrier times out, the call rejects, and so do later calls', async () => {
    const real = await startWorker();
    // Delivers everything but the calls: the worker joins the team and then never runs its part.
    const silent: Port = {
      ...real,
      postMessage: (m, t) => ((m as { kind: string }).kind === 'team-run' ? undefined : real.postMessage(m, t)),
    };
    const plan = layout(lower(graph), { batch: 1, threads: 2, barrierTimeoutMs: 30 });
    const team = await Team.create(plan, [silent]);
    try {
      const t0 = performance.now();
      await expect(team.run(x.subarray(0, 784), 1)).rejects.toMatchObject({
        code: 'E_WORKER',
        message: expect.stringMatching(/^a runtime worker thread stopped \(it did not reach a barrier of a call in time\)/),
      });
      // 30 ms of sleeping at the first barrier, after a short spin (bounded generously).
      expect(performance.now() - t0).toBeLessThan(5000);
      await expect(team.run(x.subarray(0, 784), 1)).rejects.toThrow(/^a runtime worker thread stopped/);
      // The calling thread alone still computes (the plan is intact).
      expect((await Engine.create(layout(lower(graph), { batch: 1 }))).run(x.subarray(0, 784), 1).length).toBe(10);
    } finally {
      team.close();
      await real.terminate?.();
    }
  });
});

describe('a team between calls', () => {
  const graph = readOnnx(ONNX_FIXTURES.smallCnn).graph;
  const rand = mulberry32(5);
  const x = Float32Array.from({ length: 3 * 784 }, () => rand() * 2 - 1);

  it('its worker listens for the next call in shared memory, takes it from there, and goes back to its event loop when released', async () => {
    const expected = (await Engine.create(layout(lower(graph), { batch: 3 }))).run(x, 3);
    const port = await startWorker();
    const team = await Team.create(layout(lower(graph), { batch: 1, threads: 2 }), [port]);
    const image = (i: number) => x.subarray(i * 784, (i + 1) * 784);
    const same = (y: Float32Array, i: number) => expect(Buffer.from(y.buffer).equals(Buffer.from(expected.buffer, 40 * i, 40))).toBe(true);
    try {
      expect(team.listening()).toBe(0);
      // The first call starts the worker by a message; after it the worker listens.
      same(await team.run(image(0), 1), 0);
      for (let i = 0; i < 1000 && team.listening() === 0; i++) await new Promise((r) => setTimeout(r, 1));
      expect(team.listening()).toBe(1);
      // This call goes through shared memory.
      same(await team.run(image(1), 1), 1);
      team.release();
      expect(team.listening()).toBe(0);
      // Back in its event loop, the worker answers a message (a plan for a batch split by images).
      const ready = new Promise((resolve) => {
        const off = port.onMessage((m) => {
          if ((m as { kind: string }).kind !== 'ready') return;
          off();
          resolve(true);
        });
      });
      port.postMessage({ kind: 'init', module: await runtimeModule(), plan: layout(lower(graph), { batch: 1 }) });
      expect(await ready).toBe(true);
      // And the next team call starts it by a message again.
      same(await team.run(image(2), 1), 2);
    } finally {
      team.close();
      await port.terminate?.();
    }
  });
});
