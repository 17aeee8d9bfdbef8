import { WINOGRAD_CONV } from '../graph/ir.js';
import type { OpCompiler } from './op-types.js';
import { conv, winogradConv } from './ops/conv.js';
import { gemm, matMul } from './ops/dense.js';
import * as E from './ops/elementwise.js';
import { batchNormalization } from './ops/norm.js';
import { averagePool, globalAveragePool, maxPool } from './ops/pool.js';
import * as S from './ops/shape.js';

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
  '/Gemm': gemm,
  '/MatMul': matMul,
  '/Relu': E.relu,
  '/LeakyRelu': E.leakyRelu,
  '/Clip': E.clip,
  '/Sigmoid': E.sigmoid,
  '/Tanh': E.tanh,
  '/Add': E.add,
  '/Sub': E.sub,
  '/Mul': E.mul,
  '/Div': E.div,
  '/Softmax': E.softmax,
  '/Dropout': E.dropout,
  '/Identity': E.identity,
  '/Constant': S.constant,
  '/Shape': S.shape,
  '/Gather': S.gather,
  '/Unsqueeze': S.unsqueeze,
  '/Squeeze': S.squeeze,
  '/Concat': S.concat,
  '/Reshape': S.reshape,
  '/Flatten': S.flatten,
  '/Transpose': S.transpose,
  '/Slice': S.slice,
  '/Cast': S.cast,
  '/ConstantOfShape': S.constantOfShape,
  '/Pad': S.pad,
};

export const SUPPORTED_OPS: readonly string[] = Object.keys(OP_TABLE).map((k) => k.replace(/^\//, ''));
