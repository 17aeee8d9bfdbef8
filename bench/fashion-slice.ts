import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findIdx, readIdx } from '#src/data/idx.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

/**
 * A copy of the committed Fashion-MNIST slice cut to `train` training and `test` test images
 * (raw IDX files) in `dir`, as a --data spec: benches time an epoch without long evaluations.
 */
export function fashionSlice(dir: string, train: number, test: number): string {
  const src = path.join(root, 'models/data/fashion-mnist');
  fs.mkdirSync(dir, { recursive: true });
  for (const [name, n] of [
    ['train-images-idx3-ubyte', train],
    ['train-labels-idx1-ubyte', train],
    ['t10k-images-idx3-ubyte', test],
    ['t10k-labels-idx1-ubyte', test],
  ] as const) {
    const idx = readIdx(findIdx(src, name), name.includes('images') ? 3 : 1);
    const dims = [n, ...idx.dims.slice(1)];
    const header = Buffer.alloc(4 + 4 * dims.length);
    header.writeUInt32BE(0x0800 + dims.length, 0);
    dims.forEach((d, i) => {
      header.writeUInt32BE(d, 4 + 4 * i);
    });
    const per = idx.dims.slice(1).reduce((a, b) => a * b, 1);
    fs.writeFileSync(path.join(dir, name), Buffer.concat([header, idx.data.subarray(0, n * per)]));
  }
  return `fashion-mnist:${dir}`;
}
