/**
 * What the planner works on between the graph and the memory image: activations, views of
 * them, constants, and the steps (one WebAssembly kernel call each) with their fused epilogues.
 */
import type { LayerData, TileData } from '../../bundle/decode.js';

/**
 * An activation: logically [batch, C, H, W] (rank 4) or [batch, C] (rank 2, H = W = 1), stored
 * NHWC with channels padded to a multiple of 4 and a zero border (fixed by the layout).
 */
export interface Act {
  readonly kind: 'act';
  readonly id: number;
  readonly name: string;
  readonly rank: 2 | 4;
  readonly C: number;
  readonly H: number;
  readonly W: number;
}

/**
 * A view: an activation seen with other logical dims (Flatten, Reshape, Transpose) without
 * moving data. `index[e]` is the activation's logical NCHW flat index of the view's element e
 * (row-major over `dims`, batch excluded).
 */
export interface View {
  readonly kind: 'view';
  readonly base: Act;
  readonly dims: readonly number[];
  readonly index: Int32Array;
}

/**
 * A constant tensor (initializer, Constant, or folded shape arithmetic). `batch` marks entries
 * that stand for the dynamic batch size (from Shape of an activation).
 */
export interface Const {
  readonly kind: 'const';
  readonly dims: readonly number[];
  readonly data: readonly number[] | Float32Array;
  readonly int: boolean;
  readonly batch?: readonly boolean[];
}

export type Value = Act | View | Const;

/** Bias, residual and the clamp activation applied as an output is written (see runtime.wat). */
export interface Epilogue {
  /** One value per output channel (length C), or none. */
  bias?: Float32Array;
  lo: number;
  hi: number;
  alpha: number;
  /** An activation of the output's shape added before the activation. */
  residual?: Act;
  /** An activation is set (a second one cannot be fused). */
  activated: boolean;
}

export const noEpilogue = (): Epilogue => ({ lo: -Infinity, hi: Infinity, alpha: 1, activated: false });

export type UnaryFn = 'none' | 'sigmoid' | 'tanh' | 'hardSigmoid' | 'hardSwish' | 'exp' | 'affine' | 'abs' | 'sqrt' | 'neg' | 'silu';
export type BinaryFn = 'add' | 'sub' | 'mul' | 'div' | 'max' | 'min';

export type Step =
  | {
      op: 'winograd';
      node: string;
      in: Act;
      out: Act;
      layer: LayerData;
      tile: TileData;
      pads: readonly number[];
      /** Products by the dense kernel (few zeros: faster than visiting nonzeros); fromConv: a dense 3x3 convolution run as an F(4x4,3x3) layer (plan/dense-winograd.ts), not one of the bundle's. */
      dense?: boolean;
      fromConv?: boolean;
      /** fromConv: the convolution's OIHW weights [cout, cin, 3, 3], so it can run as a direct convolution instead (kernels.ts). */
      spatial?: Float32Array;
      /** Per output channel factors folded in (BatchNormalization, Mul): W_p[ci][co] * scale[co]. */
      scale?: Float32Array;
      epi: Epilogue;
      /** A 2x2 stride-2 max pooling fused in: out is the pooled activation, these the convolution's output dims. */
      pool?: { H: number; W: number };
    }
  | {
      op: 'conv';
      node: string;
      in: Act;
      out: Act;
      weight: Float32Array;
      kh: number;
      kw: number;
      strides: readonly number[];
      dilations: readonly number[];
      pads: readonly number[];
      groups: number;
      epi: Epilogue;
      /** Run by the sparse direct kernel (groups 1, mostly zero weights: kernels.ts): visits only the nonzero weights. */
      sparse?: boolean;
    }
  | { op: 'fc'; node: string; in: Act | View; out: Act /** [K][O], K in the input's logical order */; weight: Float32Array; epi: Epilogue }
  | {
      op: 'pool';
      node: string;
      in: Act;
      out: Act;
      mode: 'max' | 'avg' | 'avgIncludePad';
      kernel: readonly number[];
      strides: readonly number[];
      pads: readonly number[];
      epi: Epilogue;
    }
  | { op: 'binary'; node: string; a: Act; b: Act | Const; out: Act; fn: BinaryFn; epi: Epilogue }
  | {
      op: 'unary';
      node: string;
      a: Act;
      out: Act;
      fn: UnaryFn;
      p1: number;
      p2: number;
      scale?: Float32Array;
      shift?: Float32Array;
      epi: Epilogue;
    }
  /**
   * out's logical element dst[e] (NCHW order) = from's logical element src[e], or 0 where
   * src[e] < 0; without pairs, every element in the same order.
   */
  | { op: 'copy'; node: string; from: Act | View; out: Act; pairs?: { src: Int32Array; dst: Int32Array } }
  | { op: 'softmax'; node: string; in: Act; out: Act };

export type StepOf<K extends Step['op']> = Extract<Step, { op: K }>;

/** Steps that end in an epilogue. */
export type EpilogueStep = Extract<Step, { epi: Epilogue }>;
export const hasEpilogue = (s: Step): s is EpilogueStep => 'epi' in s;

export const logicalDims = (a: Act): number[] => (a.rank === 4 ? [a.C, a.H, a.W] : [a.C]);
