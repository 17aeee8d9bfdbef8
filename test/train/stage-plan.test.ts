import { describe, expect, it } from 'vitest';
import { SwpruneError } from '../../src/errors.js';
import { stagePlan } from '../../src/train/config.js';

describe('stagePlan: per-stage epochs and learning rates', () => {
  it('one value applies to every stage; a list gives each stage its own', () => {
    expect(stagePlan([0.75, 0.8, 0.8], 2, [0.01, 0.01, 0.003])).toEqual([
      { target: 0.75, epochs: 2, lr: 0.01 },
      { target: 0.8, epochs: 2, lr: 0.01 },
      { target: 0.8, epochs: 2, lr: 0.003 },
    ]);
    expect(stagePlan([0.5, 0.6], [1, 3], [0.02])).toEqual([
      { target: 0.5, epochs: 1, lr: 0.02 },
      { target: 0.6, epochs: 3, lr: 0.02 },
    ]);
  });

  it('a list of another length, non-integer epochs or a non-positive rate is a usage error naming the option', () => {
    const fails = (f: () => unknown, option: string, text: RegExp) => {
      const err = (() => {
        try {
          f();
        } catch (e) {
          return e;
        }
        return undefined;
      })() as SwpruneError;
      expect(err).toBeInstanceOf(SwpruneError);
      expect(err.code).toBe('E_USAGE');
      expect(err.parts).toContainEqual({ option });
      expect(err.message).toMatch(text);
    };
    fails(() => stagePlan([0.5, 0.6, 0.7], [1, 2], 0.01), 'epochs', /one value for all stages or one per stage \(3\), got 2: 1,2/);
    fails(() => stagePlan([0.5], 1.5, 0.01), 'epochs', /positive integers, got 1.5/);
    fails(() => stagePlan([0.5, 0.6], 1, [0.01, 0]), 'lr', /must be positive, got 0.01,0/);
  });
});
