/**
 * A small dataset in the CIFAR-10 binary layout (data_batch_1..5.bin, test_batch.bin; a label
 * byte and 3072 channel-planar pixels per record) with seeded random pixels: what `--data
 * cifar10:DIR` reads, for running the pruning commands on 32x32 RGB models in tests. Pixels
 * are drawn so that, normalised with CIFAR-10's mean and std (as swprune does), they are about
 * N(0, 1): the distribution the random-weight test models were calibrated and checked on.
 */
const MEAN = [0.4914, 0.4822, 0.4465];
const STD = [0.247, 0.2435, 0.2616];
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mulberry32 } from '../../../src/data/rng.js';

export function writeCifarLike(dir: string, perFile = 8, seed = 5): string {
  mkdirSync(dir, { recursive: true });
  const random = mulberry32(seed);
  const file = (records: number) => {
    const b = Buffer.alloc(records * 3073);
    for (let r = 0; r < records; r++) {
      b[r * 3073] = r % 10;
      for (let i = 0; i < 3072; i++) {
        const c = Math.floor(i / 1024);
        // Box-Muller: one standard normal from two uniforms.
        const z = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
        b[r * 3073 + 1 + i] = Math.min(255, Math.max(0, Math.round(255 * (MEAN[c]! + STD[c]! * z))));
      }
    }
    return b;
  };
  for (let i = 1; i <= 5; i++) writeFileSync(join(dir, `data_batch_${i}.bin`), file(perFile));
  writeFileSync(join(dir, 'test_batch.bin'), file(2 * perFile));
  return dir;
}
