/**
 * `npm run bench:decode`: how fast an image folder streams — decoded, resized, cropped and
 * normalised images per second through the data pipeline (`imagefolder:`), for evaluation
 * (Resize 256 + CenterCrop 224) and training (RandomResizedCrop 224 + flip), on the main
 * thread and on 1..N worker threads.
 *
 *   node build/bench/decode.js [--out FILE] [--images N] [--reps N] [--batch N]
 *
 * The folder is written first: N ImageNet-like JPEGs (500x375 and 375x500, quality 90, smooth
 * content with noise; ImageNet's median image is about 500x375) in two classes, with sharp.
 * Every batch is consumed at once (no training between), so the figures are the pipeline's
 * ceiling; the training that consumes them runs on the main thread while workers decode.
 *
 * Beside it, the tool users would otherwise pick: torchvision's transforms on PIL images
 * (ImageFolder + DataLoader, the same transforms, 0 and 1 worker processes), timed on the same
 * folder when a Python with torchvision is found ($SWPRUNE_PYTHON, default /usr/bin/python3;
 * skipped otherwise — the product never needs Python).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { loadDataset, parseDataSpec } from '#src/data/index.js';
import { mulberry32 } from '#src/data/rng.js';

interface Options {
  out: string;
  images: number;
  reps: number;
  batch: number;
}

function parseArgs(argv: readonly string[]): Options {
  const o: Options = { out: 'bench/decode.json', images: 256, reps: 2, batch: 32 };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i + 1];
    if (argv[i] === '--out' && v) {
      o.out = v;
      i++;
    } else if (argv[i] === '--images' && v) {
      o.images = Number(v);
      i++;
    } else if (argv[i] === '--reps' && v) {
      o.reps = Number(v);
      i++;
    } else if (argv[i] === '--batch' && v) {
      o.batch = Number(v);
      i++;
    } else throw new Error(`unknown option ${argv[i]}; expected --out FILE, --images N, --reps N, --batch N`);
  }
  return o;
}

/** Writes `count` JPEGs into dir/train/{a,b} (and one val image a class) and returns their bytes. */
async function writeFolder(dir: string, count: number): Promise<number> {
  const random = mulberry32(11);
  let bytes = 0;
  for (const [split, n] of [
    ['train', count],
    ['val', 2],
  ] as const) {
    for (let i = 0; i < n; i++) {
      const cls = i % 2 === 0 ? 'a' : 'b';
      const [w, h] = i % 3 === 0 ? [375, 500] : [500, 375];
      const px = new Uint8Array(w * h * 3);
      const [r0, g0, b0] = [random() * 255, random() * 255, random() * 255];
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const k = (y * w + x) * 3;
          const n = (random() - 0.5) * 40;
          px[k] = (r0 + x * 0.3 + n) & 255;
          px[k + 1] = (g0 + y * 0.3 + n) & 255;
          px[k + 2] = (b0 + (x + y) * 0.2 + n) & 255;
        }
      }
      const d = path.join(dir, split, cls);
      fs.mkdirSync(d, { recursive: true });
      const file = path.join(d, `${i}.JPEG`);
      await sharp(px, { raw: { width: w, height: h, channels: 3 } })
        .jpeg({ quality: 90 })
        .toFile(file);
      bytes += fs.statSync(file).size;
    }
  }
  return bytes;
}

interface Row {
  transform: 'eval' | 'train';
  workers: number;
  imagesPerSecond: number;
  seconds: number;
}

/** torchvision's pipeline on the same folder: images/s per (transform, DataLoader workers), or null. */
function torchvisionRows(dir: string, o: Options): Row[] | null {
  const script = `
import json, sys, time, torch, torchvision
from torchvision import transforms as T
torch.set_num_threads(1)
norm = T.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])
tfs = {"eval": T.Compose([T.Resize(256), T.CenterCrop(224), T.ToTensor(), norm]),
       "train": T.Compose([T.RandomResizedCrop(224), T.RandomHorizontalFlip(), T.ToTensor(), norm])}
rows = []
for name, tf in tfs.items():
    for workers in [0, 1]:
        ds = torchvision.datasets.ImageFolder(sys.argv[1] + "/train", tf)
        best = 1e9
        for r in range(int(sys.argv[2])):
            t0 = time.perf_counter()
            n = sum(x.shape[0] for x, _ in torch.utils.data.DataLoader(ds, batch_size=int(sys.argv[3]), shuffle=True, num_workers=workers))
            best = min(best, time.perf_counter() - t0)
        rows.append({"transform": name, "workers": workers, "imagesPerSecond": n / best, "seconds": best})
print(json.dumps(rows))
`;
  const python = process.env.SWPRUNE_PYTHON ?? '/usr/bin/python3';
  const r = spawnSync(python, ['-c', script, dir, String(o.reps), String(o.batch)], { encoding: 'utf8' });
  if (r.status !== 0) return null;
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Row[];
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'swprune-bench-decode-'));
  const started = Date.now();
  const loadBefore = os.loadavg();
  try {
    process.stderr.write(`decode: writing ${o.images} JPEGs ...\n`);
    const bytes = await writeFolder(dir, o.images);
    const maxWorkers = Math.max(1, Math.min(4, os.availableParallelism()));
    const rows: Row[] = [];
    for (const transform of ['eval', 'train'] as const) {
      for (let workers = 0; workers <= maxWorkers; workers++) {
        const ds = loadDataset(parseDataSpec(`imagefolder:${dir}`), {
          model: { height: 224, width: 224, channels: 3, classes: 2 },
          workers,
        });
        let best = Infinity;
        for (let r = 0; r < o.reps; r++) {
          const t0 = performance.now();
          let n = 0;
          for await (const b of ds.train.batches({ batchSize: o.batch, shuffle: true, seed: 1, epoch: r, augment: transform === 'train' }))
            n += b.size;
          best = Math.min(best, (performance.now() - t0) / 1000);
          if (n !== o.images) throw new Error(`decoded ${n} of ${o.images} images`);
        }
        rows.push({ transform, workers, imagesPerSecond: o.images / best, seconds: best });
        process.stderr.write(`  ${transform} ${workers} worker(s): ${(o.images / best).toFixed(1)} images/s\n`);
      }
    }
    process.stderr.write('  torchvision (PIL) on the same folder ...\n');
    const torchvision = torchvisionRows(dir, o);
    const json = {
      machine: {
        cpu: os.cpus()[0]?.model ?? '',
        cores: os.cpus().length,
        node: process.version,
        loadAverageBefore: loadBefore,
        loadAverageAfter: os.loadavg(),
      },
      images: { count: o.images, sizes: '500x375 and 375x500 JPEG q90', megabytes: bytes / 2 ** 20 },
      crop: 224,
      resize: 256,
      batch: o.batch,
      reps: o.reps,
      seconds: (Date.now() - started) / 1000,
      rows,
      torchvision,
      /** swprune's images/s over torchvision's, same transform and worker count (0 and 1). */
      ratios: torchvision
        ? Object.fromEntries(
            torchvision.map((t) => [
              `${t.transform}/${t.workers}w`,
              (rows.find((r) => r.transform === t.transform && r.workers === t.workers)?.imagesPerSecond ?? NaN) / t.imagesPerSecond,
            ]),
          )
        : null,
    };
    const out = path.resolve(o.out);
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(`${out}.tmp`, `${JSON.stringify(json, null, 2)}\n`);
    fs.renameSync(`${out}.tmp`, out);
    const fmt = (rs: Row[]) => rs.map((r) => `${r.transform}/${r.workers}w ${r.imagesPerSecond.toFixed(0)}/s`).join(', ');
    process.stdout.write(
      `decode (${o.images} JPEGs 500x375 -> 224x224): ${fmt(rows)}\n${torchvision ? `torchvision (PIL, DataLoader): ${fmt(torchvision)}\n` : ''}wrote ${o.out}\n`,
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench:decode: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
