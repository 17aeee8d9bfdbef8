import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Graph, Param } from '../../../src/graph/ir.js';
import { encodeOnnx, readOnnx, writeOnnx } from '../../../src/io/onnx/index.js';
import { ONNX_FIXTURES, referenceIO } from '../../helpers/fixtures.js';
import { runOnnxRuntime } from '../../helpers/onnxruntime.js';
import { convModel, WEIGHT_VALUES } from './make-model.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'swprune-onnx-'));

function withParam(graph: Graph, name: string, f: (p: Param) => Param): Graph {
  const params = new Map(graph.params);
  params.set(name, f(graph.params.get(name)!));
  return { ...graph, params };
}

describe('readOnnx + encodeOnnx on PyTorch fixtures', () => {
  for (const [key, path] of Object.entries(ONNX_FIXTURES)) {
    it(`${key}: an unchanged graph encodes to the original bytes exactly`, () => {
      const model = readOnnx(path);
      expect(model.graph.nodes.length).toBeGreaterThan(0);
      expect(Buffer.from(encodeOnnx(model, model.graph)).equals(readFileSync(path))).toBe(true);
    });
  }

  it('round trip read-write-read keeps every param bit-identical and changes exactly the edited one', () => {
    const model = readOnnx(ONNX_FIXTURES.resnetSmall);
    const name = 'block1.conv1.weight';
    const edited = withParam(model.graph, name, (p) => {
      const data = Float32Array.from(p.data as Float32Array);
      data[0] = 0;
      data[5] = 123.25;
      return { ...p, data };
    });
    const out = join(tmp(), 'm.onnx');
    writeOnnx(model, edited, out);
    const back = readOnnx(out);
    expect(back.graph.nodes.map((n) => [n.op, n.inputs, n.outputs, n.attrs])).toEqual(
      model.graph.nodes.map((n) => [n.op, n.inputs, n.outputs, n.attrs]),
    );
    for (const [pname, p] of model.graph.params) {
      const q = back.graph.params.get(pname)!;
      expect(q.dims).toEqual(p.dims);
      if (pname === name) {
        expect(q.data[0]).toBe(0);
        expect(q.data[5]).toBe(123.25);
        expect(Array.from((q.data as Float32Array).slice(6))).toEqual(Array.from((p.data as Float32Array).slice(6)));
      } else {
        expect(
          Buffer.from(q.data.buffer, q.data.byteOffset, q.data.byteLength).equals(
            Buffer.from(p.data.buffer, p.data.byteOffset, p.data.byteLength),
          ),
        ).toBe(true);
      }
    }
  });

  it('a written model runs in onnxruntime and the edit takes effect there (1e-5)', async () => {
    const model = readOnnx(ONNX_FIXTURES.fashionVgg);
    const io = referenceIO(ONNX_FIXTURES.fashionVgg);
    const bias = model.graph.params.get('fc.bias')!.data as Float32Array;
    const zeroBias = withParam(model.graph, 'fc.bias', (p) => ({ ...p, data: new Float32Array(p.data.length) }));
    const input = { data: io.input.data, dims: io.input.shape };
    const orig = await runOnnxRuntime(ONNX_FIXTURES.fashionVgg, input);
    const edited = await runOnnxRuntime(encodeOnnx(model, zeroBias), input);
    // PyTorch's logits reproduce in onnxruntime; zeroing the bias subtracts it from every row.
    orig.data.forEach((v, i) => {
      expect(Math.abs(v - io.output.data[i]!)).toBeLessThan(1e-4);
    });
    edited.data.forEach((v, i) => {
      expect(Math.abs(v - (orig.data[i]! - bias[i % 10]!))).toBeLessThan(1e-5);
    });
  });
});

describe('readOnnx on hand-built models', () => {
  const dir = tmp();
  const save = (name: string, bytes: Uint8Array) => {
    const p = join(dir, name);
    writeFileSync(p, bytes);
    return p;
  };

  it('reads float_data and raw_data alike', () => {
    const a = readOnnx(save('fd.onnx', convModel({ dims: [2, 1, 3, 3], dataType: 1, floatData: WEIGHT_VALUES })));
    const b = readOnnx(
      save('rd.onnx', convModel({ dims: [2, 1, 3, 3], dataType: 1, rawData: new Uint8Array(Float32Array.from(WEIGHT_VALUES).buffer) })),
    );
    expect(Array.from(a.graph.params.get('w')!.data as Float32Array)).toEqual(WEIGHT_VALUES);
    expect(Array.from(b.graph.params.get('w')!.data as Float32Array)).toEqual(WEIGHT_VALUES);
    expect(a.graph.inputs[0]).toEqual({ name: 'x', dims: [null, 1, 5, 5], layout: 'NCHW' });
    expect(a.warnings).toEqual([]);
  });

  it('converts float64 and float16 initializers to float32 with a warning', () => {
    const f64 = readOnnx(save('f64.onnx', convModel({ dims: [2, 1, 3, 3], dataType: 11, doubleData: WEIGHT_VALUES })));
    expect(Array.from(f64.graph.params.get('w')!.data as Float32Array)).toEqual(WEIGHT_VALUES);
    expect(f64.warnings).toEqual(['tensor "w" is float64; converted to float32']);
    // float16 bits of 1.0, -2.0, 0.5 and 65504 (max half).
    const halves = [0x3c00, 0xc000, 0x3800, 0x7bff];
    const f16 = readOnnx(
      save('f16.onnx', convModel({ dims: [2, 2], dataType: 10, rawData: new Uint8Array(Uint16Array.from(halves).buffer) })),
    );
    expect(Array.from(f16.graph.params.get('w')!.data as Float32Array)).toEqual([1, -2, 0.5, 65504]);
    expect(f16.warnings[0]).toMatch(/float16; converted to float32/);
  });

  it('reads external data beside the model, and names the missing file otherwise', () => {
    const ext = {
      dims: [2, 1, 3, 3],
      dataType: 1,
      dataLocation: 1,
      externalData: [
        { key: 'location', value: 'w.bin' },
        { key: 'offset', value: '4' },
      ],
    };
    const sub = join(dir, 'ext');
    mkdirSync(sub);
    const values = Float32Array.from([99, ...WEIGHT_VALUES]);
    writeFileSync(join(sub, 'w.bin'), new Uint8Array(values.buffer));
    const path = join(sub, 'model.onnx');
    writeFileSync(path, convModel(ext));
    expect(Array.from(readOnnx(path).graph.params.get('w')!.data as Float32Array)).toEqual(WEIGHT_VALUES);
    const lonely = save('ext-missing.onnx', convModel(ext));
    expect(() => readOnnx(lonely)).toThrow(/keeps its data in "w.bin", which was not found beside the model/);
  });

  it('keeps fields unknown to its schema and the metadata when writing an edited model', () => {
    const base = convModel({ dims: [2, 1, 3, 3], dataType: 1, floatData: WEIGHT_VALUES });
    // Field 42, varint 7: a field a future ONNX version might add to ModelProto.
    const unknown = Uint8Array.from([42 << 3, 7]);
    const path = save('unknown.onnx', Uint8Array.from([...base, ...unknown]));
    const model = readOnnx(path);
    const edited = withParam(model.graph, 'w', (p) => ({ ...p, data: new Float32Array(p.data.length) }));
    const out = encodeOnnx(model, edited);
    expect(Buffer.from(out).includes(Buffer.from(unknown))).toBe(true);
    expect(Buffer.from(out).includes(Buffer.from('swprune tests'))).toBe(true);
    const back = readOnnx(save('unknown-out.onnx', out));
    expect(Array.from(back.graph.params.get('w')!.data as Float32Array).every((v) => v === 0)).toBe(true);
  });
});

describe('readOnnx rejects bad files with one-line E_MODEL errors', () => {
  const dir = tmp();
  const good = readFileSync(ONNX_FIXTURES.smallCnn);
  const cases: [string, Uint8Array | string | null, RegExp][] = [
    ['missing.onnx', null, /missing\.onnx: file not found; check the path/],
    ['empty.onnx', new Uint8Array(0), /empty\.onnx: file is empty/],
    ['truncated.onnx', good.subarray(0, Math.floor(good.length / 2)), /truncated\.onnx: not a valid ONNX file .*truncated or not ONNX/],
    [
      'random.onnx',
      Uint8Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 251),
      /random\.onnx: (not a valid ONNX file|does not look like an ONNX model)/,
    ],
    [
      'model.json',
      JSON.stringify({ format: 'layers-model', modelTopology: {} }),
      /model\.json: (not a valid ONNX file|does not look like an ONNX model)/,
    ],
    [
      'image.png',
      Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]),
      /image\.png: (not a valid ONNX file|does not look like an ONNX model)/,
    ],
  ];
  for (const [name, content, message] of cases) {
    it(name, () => {
      const path = join(dir, name);
      if (content !== null) writeFileSync(path, content);
      let error: unknown;
      try {
        readOnnx(path);
      } catch (e) {
        error = e;
      }
      expect(error).toMatchObject({ code: 'E_MODEL' });
      const msg = (error as Error).message;
      expect(msg).toMatch(message);
      expect(msg).not.toContain('\n');
    });
  }

  it('an initializer whose byte count does not fit its dims', () => {
    const path = join(dir, 'short.onnx');
    writeFileSync(path, convModel({ dims: [2, 1, 3, 3], dataType: 1, floatData: WEIGHT_VALUES.slice(0, 10) }));
    expect(() => readOnnx(path)).toThrow(/tensor "w" has 10 values but its dims \[2, 1, 3, 3\] need 18/);
  });
});
