import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { repoPath } from '../helpers/fixtures.js';
import { runNodeCase } from './conformance/node-case.js';

/**
 * ONNX's own backend node tests (test/fixtures/onnx-node, copied from ONNX 1.12's test data):
 * each one-node model, through the clean-up pass and the executor, gives ONNX's expected
 * outputs. Float outputs: max abs difference <= 1e-4 * max(1, max |expected|); integer
 * outputs exactly; shapes exactly.
 */
const TOL = 1e-4;
const DIR = repoPath('test/fixtures/onnx-node');
const CASES = readFileSync(`${DIR}/cases.txt`, 'utf8')
  .split('\n')
  .filter((l) => l && !l.startsWith('#'));

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('ONNX backend node tests (cpu)', () => {
  it('cover the executor ops the model families use', () => {
    expect(CASES.length).toBeGreaterThan(120);
  });
  for (const name of CASES) {
    it(name, () => {
      const { outputs, expected } = runNodeCase(`${DIR}/${name}`);
      expect(outputs.length).toBeGreaterThanOrEqual(expected.length);
      expected.forEach((e, i) => {
        const o = outputs[i]!;
        const shape = o instanceof tf.Tensor ? o.shape : o.dims;
        const got = o instanceof tf.Tensor ? Array.from(o.dataSync()) : [...o.data];
        expect(shape).toEqual([...e.dims]);
        const want = Array.from(e.data, Number);
        if (e.data instanceof Float32Array) {
          const scale = Math.max(1, ...want.map(Math.abs));
          const err = Math.max(0, ...want.map((w, k) => Math.abs(got[k]! - w)));
          expect(err / scale).toBeLessThanOrEqual(TOL);
        } else {
          expect(got).toEqual(want);
        }
      });
      for (const o of outputs) if (o instanceof tf.Tensor) o.dispose();
    });
  }
});
