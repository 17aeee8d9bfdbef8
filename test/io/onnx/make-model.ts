/**
 * Builds small ONNX models in tests with onnx-proto, for cases the PyTorch fixtures do not
 * cover (float_data, float16/float64 initializers, external data, unknown fields).
 */
import { onnx } from '../../../src/io/onnx/proto.js';

export type TensorInit = Parameters<typeof onnx.TensorProto.create>[0];

/** Conv(1->2, 3x3) with the given weight tensor proto and a float32 bias, opset 13. */
export function convModel(weight: TensorInit): Uint8Array {
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'test',
    opsetImport: [{ domain: '', version: 13 }],
    metadataProps: [{ key: 'author', value: 'swprune tests' }],
    graph: {
      name: 'g',
      node: [
        { opType: 'Conv', name: 'conv', input: ['x', 'w', 'b'], output: ['y'], attribute: [{ name: 'pads', type: 7, ints: [1, 1, 1, 1] }] },
      ],
      initializer: [
        { name: 'w', ...weight },
        { name: 'b', dims: [2], dataType: 1, floatData: [0.5, -0.5] },
      ],
      input: [
        {
          name: 'x',
          type: { tensorType: { elemType: 1, shape: { dim: [{ dimParam: 'N' }, { dimValue: 1 }, { dimValue: 5 }, { dimValue: 5 }] } } },
        },
      ],
      output: [{ name: 'y', type: { tensorType: { elemType: 1 } } }],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

export const WEIGHT_VALUES = Array.from({ length: 18 }, (_, i) => (i - 9) / 8);
