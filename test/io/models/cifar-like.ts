/**
 * A small dataset in the CIFAR-10 binary layout (data_batch_1..5.bin, test_batch.bin; a label
 * byte and 3072 channel-planar pixels per record) with seeded random pixels: what `--data
 * cifar10:DIR` reads, for running the pruning commands on 32x32 RGB models in tests.
 */
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
      for (let i = 1; i < 3073; i++) b[r * 3073 + i] = Math.floor(random() * 256);
    }
    return b;
  };
  for (let i = 1; i <= 5; i++) writeFileSync(join(dir, `data_batch_${i}.bin`), file(perFile));
  writeFileSync(join(dir, 'test_batch.bin'), file(2 * perFile));
  return dir;
}
