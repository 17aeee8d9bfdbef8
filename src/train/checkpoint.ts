import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
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

interface Header {
  readonly meta: Record<string, unknown>;
  readonly arrays: readonly { name: string; offset: number; length: number }[];
}

const broken = (path: string, what: string) =>
  new SwpruneError('E_IO', msg`${opt('resume')}: the checkpoint ${path} ${what}; delete it or run without ${opt('resume')}`);

/**
 * The header of the checkpoint at `path` and where its arrays start, reading only the header's
 * bytes (a quick check before a run starts its backend). A missing file, a folder, a file cut
 * inside its header or a damaged header are one-line errors.
 */
export function readCheckpointHeader(path: string): { header: Header; base: number; size: number } {
  if (!existsSync(path)) {
    throw usageError(
      msg`${opt('resume')}: no checkpoint at ${path}; a run writes its first checkpoint at the end of its first epoch, so a run stopped before then (or one that finished) has nothing to resume: run without ${opt('resume')} to start`,
    );
  }
  const st = statSync(path);
  if (!st.isFile()) throw broken(path, st.isDirectory() ? 'is a folder, not a file' : 'is not a regular file');
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(MAGIC.length + 4);
    const got = readSync(fd, head, 0, head.length, 0);
    const n = Math.min(got, MAGIC.length);
    if (n === 0 || head.subarray(0, n).toString('ascii') !== MAGIC.slice(0, n)) throw broken(path, 'is not a swprune checkpoint');
    if (got < head.length) throw broken(path, 'is truncated (cut inside its header)');
    const len = head.readUInt32LE(MAGIC.length);
    if (head.length + len > st.size) throw broken(path, 'is truncated (cut inside its header)');
    const text = Buffer.alloc(len);
    if (readSync(fd, text, 0, len, head.length) !== len) throw broken(path, 'is truncated (cut inside its header)');
    let header: Header;
    try {
      header = JSON.parse(text.toString('utf8')) as Header;
    } catch {
      throw broken(path, 'has a damaged header');
    }
    if (!header || typeof header.meta !== 'object' || header.meta === null || !Array.isArray(header.arrays))
      throw broken(path, 'has a damaged header');
    return { header, base: head.length + len, size: st.size };
  } finally {
    closeSync(fd);
  }
}

export function loadCheckpoint(path: string): CheckpointData {
  const { header, base } = readCheckpointHeader(path);
  const buf = readFileSync(path);
  const arrays = new Map<string, Float32Array>();
  for (const e of header.arrays) {
    if (typeof e?.name !== 'string' || !(e.offset >= 0) || !(e.length >= 0)) throw broken(path, 'has a damaged header');
    const bytes = buf.subarray(base + e.offset, base + e.offset + 4 * e.length);
    if (!Number.isInteger(e.offset) || !Number.isInteger(e.length) || bytes.length !== 4 * e.length) throw broken(path, 'is truncated');
    arrays.set(e.name, new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length)));
  }
  return { meta: header.meta, arrays };
}
