"""swprune's checkpoint file format (src/train/checkpoint.ts), the one format of the files the
TypeScript driver and this package hand each other: `SWPCKPT1`, a little-endian uint32 header
length, a JSON header {meta, arrays: [{name, offset, length}]}, then the float32 arrays."""
import json
import os
import struct

import numpy as np

MAGIC = b'SWPCKPT1'


def read(path):
    """(meta, {name: float32 ndarray}) of a checkpoint file."""
    with open(path, 'rb') as f:
        buf = f.read()
    if buf[:8] != MAGIC:
        raise ValueError(f'{path} is not a swprune checkpoint')
    (length,) = struct.unpack_from('<I', buf, 8)
    header = json.loads(buf[12:12 + length].decode('utf-8'))
    base = 12 + length
    arrays = {}
    for e in header['arrays']:
        start = base + e['offset']
        arrays[e['name']] = np.frombuffer(buf, dtype='<f4', count=e['length'], offset=start).copy()
    return header['meta'], arrays


def write(path, meta, arrays):
    """Writes a checkpoint file atomically (a temporary name, then a rename)."""
    entries, blobs, offset = [], [], 0
    for name, a in arrays.items():
        b = np.ascontiguousarray(a, dtype='<f4').tobytes()
        entries.append({'name': name, 'offset': offset, 'length': len(b) // 4})
        blobs.append(b)
        offset += len(b)
    header = json.dumps({'meta': meta, 'arrays': entries}).encode('utf-8')
    tmp = f'{path}.tmp-{os.getpid()}'
    with open(tmp, 'wb') as f:
        f.write(MAGIC + struct.pack('<I', len(header)) + header)
        for b in blobs:
            f.write(b)
    os.replace(tmp, path)
