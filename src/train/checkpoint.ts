import { existsSync, readFileSync, statSync } from 'node:fs';
import { msg, opt, SwpruneError, usageError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic.js';

/**
 * Checkpoint files: `SWPCKPT1`, a little-endian uint32 header length, a JSON header, then the
 * float32 arrays it names. One file written atomically, so a run killed mid-write leaves the
 * previous checkpoint intact.
 */
const MAGIC = 'SWPCKPT1';

export interface CheckpointData {
  /** Anything JSON: stage/epoch position, options, logs. */
  readonly meta: Record<string, unknown>;
  /** Named float32 arrays: parameters, masks, optimizer slots. */
  readonly arrays: ReadonlyMap<string, Float32Array>;
}

export function saveCheckpoint(path: string, data: CheckpointData): void {
  const entries: { name: string; offset: number; length: number }[] = [];
  let offset = 0;
  for (const [name, a] of data.arrays) {
    entries.push({ name, offset, length: a.length });
    offset += a.byteLength;
  }
  const header = Buffer.from(JSON.stringify({ meta: data.meta, arrays: entries }), 'utf8');
  const head = Buffer.alloc(MAGIC.length + 4);
  head.write(MAGIC, 0, 'ascii');
  head.writeUInt32LE(header.length, MAGIC.length);
  const blobs = [...data.arrays.values()].map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength));
  writeFileAtomic(path, Buffer.concat([head, header, ...blobs]));
}

export function loadCheckpoint(path: string): CheckpointData {
  if (!existsSync(path)) {
    throw usageError(msg`${opt('resume')}: no checkpoint at ${path}; a run writes its first checkpoint at the end of its first epoch, so a run stopped before then (or one that finished) has nothing to resume: run without ${opt('resume')} to start`);
  }
  const broken = (what: string) => new SwpruneError('E_IO', msg`${opt('resume')}: the checkpoint ${path} ${what}; delete it or run without ${opt('resume')}`);
  const st = statSync(path);
  if (!st.isFile()) throw broken(st.isDirectory() ? 'is a folder, not a file' : 'is not a regular file');
  const buf = readFileSync(path);
  const head = Math.min(buf.length, MAGIC.length);
  if (head === 0 || buf.subarray(0, head).toString('ascii') !== MAGIC.slice(0, head)) throw broken('is not a swprune checkpoint');
  if (buf.length < MAGIC.length + 4) throw broken('is truncated (cut inside its header)');
  const len = buf.readUInt32LE(MAGIC.length);
  const start = MAGIC.length + 4;
  if (start + len > buf.length) throw broken('is truncated (cut inside its header)');
  let header: { meta: Record<string, unknown>; arrays: { name: string; offset: number; length: number }[] };
  try {
    header = JSON.parse(buf.subarray(start, start + len).toString('utf8'));
  } catch {
    throw broken('has a damaged header');
  }
  if (!header || typeof header.meta !== 'object' || !Array.isArray(header.arrays)) throw broken('has a damaged header');
  const base = start + len;
  const arrays = new Map<string, Float32Array>();
  for (const e of header.arrays) {
    if (typeof e?.name !== 'string' || !(e.offset >= 0) || !(e.length >= 0)) throw broken('has a damaged header');
    const bytes = buf.subarray(base + e.offset, base + e.offset + 4 * e.length);
    if (!Number.isInteger(e.offset) || !Number.isInteger(e.length) || bytes.length !== 4 * e.length) throw broken('is truncated');
    arrays.set(e.name, new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length)));
  }
  return { meta: header.meta, arrays };
}
