/** The graph executor: the IR run with tfjs ops, for evaluation and training. */
export { compileGraph, imageInputShape, type CompiledModel } from './compile.js';
export { OP_TABLE, SUPPORTED_OPS } from './op-table.js';
