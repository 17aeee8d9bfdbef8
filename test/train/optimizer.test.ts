import * as tf from '@tensorflow/tfjs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCheckpoint, saveCheckpoint } from '../../src/train/checkpoint.js';
import { learningRate } from '../../src/train/lr-schedule.js';
import { Optimizer } from '../../src/train/optimizer.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('Optimizer (SGD, momentum, weight decay, mask hooks)', () => {
  it('matches a hand-computed two-step update and keeps the masked weight at +0 (1e-6)', () => {
    const w = tf.variable(tf.tensor1d([1, -2, 3, 4]));
    const mask = tf.tensor1d([1, 0, 1, 1]);
    const opt = new Optimizer(
      { kind: 'sgd', momentum: 0.9, weightDecay: 0.1 },
      new Map([['w', w]]),
      new Map([['w', { gradScale: mask, mask }]]),
    );
    const grad = tf.tensor1d([0.5, 0.5, 0.5, 0.5]);
    opt.step(new Map([['w', grad]]), 0.1);
    Array.from(w.dataSync()).forEach((v, i) => {
      expect(Math.abs(v - [0.94, 0, 2.92, 3.91][i]!)).toBeLessThan(1e-6);
    });
    opt.step(new Map([['w', grad]]), 0.1);
    const after = w.dataSync();
    Array.from(after).forEach((v, i) => {
      expect(Math.abs(v - [0.8266, 0, 2.7688, 3.7399][i]!)).toBeLessThan(1e-6);
    });
    expect(Object.is(after[1], 0)).toBe(true);
    expect(opt.stepCount).toBe(2);
    // The momentum buffer of the pruned weight stays zero too.
    expect(opt.state().slots.w![0]![1]).toBe(0);
    opt.dispose();
    tf.dispose([w, mask, grad]);
  });

  it('restores its state from a checkpoint and continues identically', () => {
    const make = () => tf.variable(tf.tensor1d([0.3, -0.7]));
    const a = make();
    const optA = new Optimizer({ kind: 'sgd', momentum: 0.9, weightDecay: 0 }, new Map([['w', a]]));
    const g = tf.tensor1d([1, -1]);
    optA.step(new Map([['w', g]]), 0.05);
    const path = join(mkdtempSync(join(tmpdir(), 'swprune-ckpt-')), 'x.ckpt');
    const st = optA.state();
    saveCheckpoint(path, {
      meta: { steps: st.steps },
      arrays: new Map([
        ['w', Float32Array.from(a.dataSync())],
        ['slot', st.slots.w![0]!],
      ]),
    });
    const ck = loadCheckpoint(path);
    const b = tf.variable(tf.tensor1d(ck.arrays.get('w')!));
    const optB = new Optimizer({ kind: 'sgd', momentum: 0.9, weightDecay: 0 }, new Map([['w', b]]));
    optB.loadState({ steps: ck.meta.steps as number, slots: { w: [ck.arrays.get('slot')!] } });
    optA.step(new Map([['w', g]]), 0.05);
    optB.step(new Map([['w', g]]), 0.05);
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    tf.dispose([a, b, g]);
  });
});

describe('learningRate', () => {
  it('constant, step and cosine', () => {
    expect(learningRate(0.1, { kind: 'constant' }, 50, 10, 100)).toBe(0.1);
    expect(learningRate(0.1, { kind: 'step', every: 2, gamma: 0.5 }, 45, 10, 100)).toBeCloseTo(0.025, 12);
    expect(learningRate(0.1, { kind: 'cosine' }, 0, 10, 100)).toBeCloseTo(0.1, 12);
    expect(learningRate(0.1, { kind: 'cosine' }, 50, 10, 100)).toBeCloseTo(0.05, 12);
    expect(learningRate(0.1, { kind: 'cosine' }, 100, 10, 100)).toBeCloseTo(0, 12);
  });
});
