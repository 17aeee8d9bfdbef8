import type { LayerMapper } from './layer-types.js';
import { irAxis } from './layer-types.js';

/** Element-wise merge of all inputs with one binary op, left to right. */
function chain(op: string): LayerMapper {
  return (_layer, b) => {
    let acc = b.inputs[0]!;
    b.inputs.slice(1).forEach((x, i) => {
      acc = b.node(op, [acc, x], {}, i === b.inputs.length - 2 ? undefined : `${op.toLowerCase()}${i}`);
    });
    return { output: acc, rank: b.ranks[0]! };
  };
}

/** Average: the sum, divided by the number of inputs. */
const average: LayerMapper = (_layer, b) => {
  let acc = b.inputs[0]!;
  b.inputs.slice(1).forEach((x, i) => {
    acc = b.node('Add', [acc, x], {}, `sum${i}`);
  });
  const n = b.constant('count', [], Float32Array.of(b.inputs.length));
  return { output: b.node('Div', [acc, n]), rank: b.ranks[0]! };
};

const concatenate: LayerMapper = (layer, b) => {
  const rank = b.ranks[0]!;
  return { output: b.node('Concat', [...b.inputs], { axis: irAxis((layer.config.axis as number | undefined) ?? -1, rank) }), rank };
};

/** Keras merge layers: Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate. */
export const MERGE_LAYERS: Readonly<Record<string, LayerMapper>> = {
  Add: chain('Add'),
  Subtract: chain('Sub'),
  Multiply: chain('Mul'),
  Maximum: chain('Max'),
  Minimum: chain('Min'),
  Average: average,
  Concatenate: concatenate,
};
