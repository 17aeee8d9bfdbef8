import { describe, expect, it } from 'vitest';
import { readOnnx } from '../../src/io/onnx/index.js';
import { layout } from '../../src/runtime/plan/layout.js';
import { lower } from '../../src/runtime/plan/lower.js';
import { ONNX_FIXTURES } from '../helpers/fixtures.js';

describe("a team's plan", () => {
  it('gives each dense convolution (and fully connected layer) one work counter of its own cache line, shared by every thread; one thread has none', () => {
    const lowered = lower(readOnnx(ONNX_FIXTURES.resnetSmall).graph);
    const convs = lowered.steps.filter((s) => s.op === 'conv' || s.op === 'fc').length;
    expect(convs).toBeGreaterThan(0);
    for (const threads of [2, 3]) {
      const plan = layout(lowered, { batch: threads - 1, threads });
      expect(plan.counters).toHaveLength(convs);
      expect(new Set(plan.counters).size).toBe(convs);
      for (const at of plan.counters) expect(at % 64).toBe(0);
    }
    expect(layout(lowered, { batch: 4 }).counters).toHaveLength(0);
  });
});
