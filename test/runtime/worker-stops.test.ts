import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../src/data/rng.js';
import { readOnnx } from '../../src/io/onnx/index.js';
import { Engine } from '../../src/runtime/engine.js';
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
