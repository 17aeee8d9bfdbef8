import { WINOGRAD_CONV } from '../graph/ir.js';
import type { OpCompiler } from './op-types.js';
import { activation, ACTIVATIONS } from './ops/activations.js';
import { conv, winogradConv } from './ops/conv.js';
import { gemm, matMul } from './ops/dense.js';
import * as E from './ops/elementwise.js';
import { batchNormalization } from './ops/norm.js';
import { pad } from './ops/pad.js';
import { averagePool, globalAveragePool, globalMaxPool, maxPool } from './ops/pooling.js';
import { reduce, REDUCE_OPS } from './ops/reduce.js';
import * as S from './ops/shape.js';
import { slice, split, tile } from './ops/slice.js';

/**
 * Which ONNX op runs how: the one table of supported operators (keyed "domain/op"; the
 * default domain is ''). An op not in it is an E_UNSUPPORTED_OP error at compile time.
 */
export const OP_TABLE: Readonly<Record<string, OpCompiler>> = {
  '/Conv': conv,
  [`${WINOGRAD_CONV.domain}/${WINOGRAD_CONV.op}`]: winogradConv,
  '/BatchNormalization': batchNormalization,
  '/MaxPool': maxPool,
  '/AveragePool': averagePool,
  '/GlobalAveragePool': globalAveragePool,
  '/GlobalMaxPool': globalMaxPool,
  '/Gemm': gemm,
  '/MatMul': matMul,
  ...Object.fromEntries(Object.keys(ACTIVATIONS).map((op) => [`/${op}`, activation(op)])),
  '/PRelu': E.prelu,
  '/Clip': E.clip,
  '/Add': E.add,
  '/Sub': E.sub,
  '/Mul': E.mul,
  '/Div': E.div,
  '/Pow': E.pow,
  '/Max': E.max,
  '/Min': E.min,
  '/Sum': E.sum,
  '/Softmax': E.softmax,
  '/LogSoftmax': E.logSoftmax,
  '/Dropout': E.dropout,
  '/Identity': E.identity,
  ...Object.fromEntries(REDUCE_OPS.map((op) => [`/${op}`, reduce(op)])),
  '/Constant': S.constant,
  '/Shape': S.shape,
  '/Gather': S.gather,
  '/Unsqueeze': S.unsqueeze,
  '/Squeeze': S.squeeze,
  '/Concat': S.concat,
  '/Reshape': S.reshape,
  '/Flatten': S.flatten,
  '/Transpose': S.transpose,
  '/Expand': S.expand,
  '/Slice': slice,
  '/Split': split,
  '/Tile': tile,
  '/Cast': S.cast,
  '/ConstantOfShape': S.constantOfShape,
  '/Pad': pad,
};

export const SUPPORTED_OPS: readonly string[] = Object.keys(OP_TABLE).map((k) => k.replace(/^\//, ''));
