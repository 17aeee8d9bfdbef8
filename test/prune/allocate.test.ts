import { describe, expect, it } from 'vitest';
import { allocateTargets } from '../../src/prune/allocate.js';

const curves = [
  // robust and large: drops little
  {
    name: 'big',
    size: 300,
    levels: [
      { sparsity: 0.4, drop: 0.001 },
      { sparsity: 0.8, drop: 0.004 },
      { sparsity: 0.9, drop: 0.03 },
    ],
  },
  // sensitive and small
  {
    name: 'small',
    size: 100,
    levels: [
      { sparsity: 0.4, drop: 0.002 },
      { sparsity: 0.8, drop: 0.05 },
      { sparsity: 0.9, drop: 0.2 },
    ],
  },
];

describe('allocateTargets (greedy over sensitivity curves)', () => {
  it('raises the cheapest layer first and cuts the last raise back to hit the overall target exactly', () => {
    // Moves: big->0.4 (drop .001), small->0.4 (.002), big->0.8 (.004): overall after the first two
    // is (0.4*300 + 0.4*100)/400 = 0.4; big->0.8 would give 0.7 > 0.5, so big stops at
    // 0.4 + (0.5-0.4)*400/300 = 0.5333.
    const a = allocateTargets(curves, 0.5, 0.01);
    expect(a.targets.get('small')).toBeCloseTo(0.4, 12);
    expect(a.targets.get('big')).toBeCloseTo(0.4 + (0.1 * 400) / 300, 12);
    expect((a.targets.get('big')! * 300 + a.targets.get('small')! * 100) / 400).toBeCloseTo(0.5, 12);
    expect(a.withinLimit).toBe(true);
    expect(a.predictedDrop.get('big')).toBe(0.004);
  });

  it('goes past the limit only when the target needs it, and says so', () => {
    const within = allocateTargets(curves, 0.7, 0.01);
    expect(within.withinLimit).toBe(true);
    expect(within.targets.get('small')).toBeCloseTo(0.4, 12);
    const past = allocateTargets(curves, 0.85, 0.01);
    expect(past.withinLimit).toBe(false);
    const overall = (past.targets.get('big')! * 300 + past.targets.get('small')! * 100) / 400;
    expect(overall).toBeCloseTo(0.85, 12);
  });
});
