/**
 * The one declared interface between the planner and runtime.wat: every kernel's descriptor
 * (its op code, its 32-bit fields in order, each an i32 or an f32) and the shared epilogue
 * words. A field's byte offset is 4 * (1 + its index): word 0 is the op code. The planner
 * writes descriptors through this table by field name (plan/layout.ts's `Desc`); runtime.wat
 * reads them as `offset={kind.field}`, which `npm run build:wasm` replaces by the same offsets
 * (src/wasm/expand.ts, run by src/wasm/build.ts with source.ts's templates), and `run`'s dispatch on the op code is generated from the same
 * order. Addresses and strides are in bytes, counts in floats or elements (runtime.wat,
 * Conventions). Imports nothing: it ships with the runtime.
 */

/** A field's word: an i32, an f32, or either (a union the kernel reads by another field). */
export type FieldType = 'i32' | 'f32' | 'i32|f32';
interface Field {
  readonly type: FieldType;
  readonly doc: string;
}
const i32 = (doc = '') => ({ type: 'i32', doc }) as const;
const f32 = (doc = '') => ({ type: 'f32', doc }) as const;
const either = (doc = '') => ({ type: 'i32|f32', doc }) as const;

/**
 * The epilogue of every kernel that writes an activation (runtime.wat, Conventions): the clamp
 * activation v = min(max(v, max(lo, alpha * v)), hi), and the residual added before it.
 * Kernels that call `$epi` hold all four words in this order; `$epi` reads them as
 * `{epilogue.lo}` .. `{epilogue.resDelta}` from the first.
 */
const CLAMP = { lo: f32(), hi: f32(), alpha: f32() } as const;
const EPILOGUE_FIELDS = { ...CLAMP, resDelta: i32('bytes from an output value to its residual; 0: none') } as const;

/** The image geometry of an activation argument: base address (image 0) and byte strides. */
const box = <P extends string>(p: P) =>
  ({
    [`${p}Base`]: i32(),
    [`${p}Img`]: i32(),
    [`${p}Row`]: i32(),
    [`${p}Pix`]: i32(),
  }) as { readonly [K in `${P}Base` | `${P}Img` | `${P}Row` | `${P}Pix`]: ReturnType<typeof i32> };

/** Where a convolution's windows start: output pixel (0, 0)'s of image 0, and the steps between images, output rows and output pixels. */
const WINDOWS = { inBase: i32(), inImg: i32(), inRowStep: i32(), inPixStep: i32() } as const;

/**
 * The kernels in op-code order (a kind's op code is its index): the WAT function `run` calls
 * for it, whether it takes (d, n, first) or only d, and its fields.
 */
export const KERNELS = {
  /** Sparse (or dense) Winograd convolution F(m x m, r x r), stride 1 (runtime.wat, op 0). */
  winograd: {
    func: '$winograd',
    images: true,
    fields: {
      ...box('in'),
      cinp: i32(),
      cin: i32('channels present (the rest of cinp are padding, which no product reads)'),
      ...box('out'),
      coutp: i32(),
      outH: i32(),
      outW: i32(),
      tilesY: i32(),
      tilesX: i32(),
      T: i32('tile side m + r - 1'),
      m: i32(),
      kind: i32('0 generic transforms, 1 the hand-written F(4x4,3x3)'),
      bt: i32('generic B^T (sparse matrix)'),
      at: i32('generic A^T (sparse matrix)'),
      wTable: i32('T*T addresses of position matrices'),
      bias: i32(),
      ...EPILOGUE_FIELDS,
      CH: i32('tiles per chunk'),
      V: i32(),
      M: i32(),
      S: i32('scratch'),
      tab: i32('CH x (in, out) addresses'),
      psV: i32('bytes between positions of V'),
      psM: i32('bytes between positions of M'),
      pool: i32('1, or 2: 2x2 max pooling fused'),
      dense: i32('1: dense position matrices, $productDense'),
      coLo: i32('first output channel of this thread'),
      coHi: i32('end of them'),
      chunkPart: i32("this thread's tiles: part chunkPart of chunkParts, in groups of 4 tiles"),
      chunkParts: i32(),
      ciLo: i32('first input channel this thread transforms (a multiple of 4)'),
      ciHi: i32('end of them: 0 and cinp but in a team sharing the transforms'),
      sync: i32('0, or in a team sharing the transforms: the barrier descriptor the threads meet at between transforms and products'),
    },
  },
  /** Dense implicit-GEMM convolution, also fully connected layers (op 1). */
  conv: {
    func: '$conv',
    images: true,
    fields: {
      ...WINDOWS,
      koff: i32(),
      K: i32(),
      groups: i32(),
      inGroupStep: i32(),
      w: i32(),
      coutg: i32(),
      ...box('out'),
      outH: i32(),
      outW: i32(),
      bias: i32(),
      ...EPILOGUE_FIELDS,
      imagesAsPixels: i32('1: the n images are one row of n pixels (fully connected)'),
      blocks: i32('blocks of 8 output channels per group (the last may be 4 wide)'),
      counter: i32('0, or in a team: the i32 the threads take units (a band x a pair of blocks) from, zeroed before each call'),
      rowTab: i32('row runs (L > 0): kh byte offsets of the window rows'),
      kh: i32('row runs: window rows'),
      L: i32('0: koff table; else floats per window row, contiguous (kw * C, no padding channels)'),
      band: i32('output rows per band: blocks of output channels inside bands, pixels inside blocks'),
    },
  },
  /** Depthwise convolution (op 2). */
  depthwise: {
    func: '$depthwise',
    images: true,
    fields: {
      ...WINDOWS,
      taps: i32(),
      ntaps: i32(),
      cp: i32(),
      w: i32(),
      ...box('out'),
      outH: i32(),
      outW: i32(),
      bias: i32(),
      ...EPILOGUE_FIELDS,
    },
  },
  /** Max / average pooling (op 3). */
  pool: {
    func: '$pool',
    images: true,
    fields: {
      ...box('in'),
      H: i32(),
      W: i32(),
      cp: i32(),
      ...box('out'),
      outH: i32(),
      outW: i32(),
      kh: i32(),
      kw: i32(),
      sh: i32(),
      sw: i32(),
      padTop: i32(),
      padLeft: i32(),
      mode: i32('0 max, 1 average of the pixels inside, 2 average over kh * kw'),
      rowLo: i32('output rows this thread computes: rowLo..rowHi - 1'),
      rowHi: i32(),
      ...CLAMP,
    },
  },
  /** Elementwise a (op) b (op 4). */
  binary: {
    func: '$binary',
    images: true,
    fields: {
      ...box('a'),
      ...box('b'),
      bVec: i32('16, or 0: one value splatted'),
      ...box('o'),
      H: i32(),
      W: i32(),
      cp: i32(),
      op: i32('0 add, 1 sub, 2 mul, 3 div, 4 max, 5 min'),
      ...CLAMP,
    },
  },
  /** Elementwise functions (op 5). */
  unary: {
    func: '$unary',
    images: true,
    fields: {
      ...box('a'),
      ...box('o'),
      H: i32(),
      W: i32(),
      cp: i32(),
      fn: i32('runtime.wat, op 5'),
      p1: either('a parameter, or (fn 6) the address of scale'),
      p2: either('a parameter, or (fn 6) the address of shift'),
      ...CLAMP,
    },
  },
  /** Copy through a table of (srcOff, dstOff) pairs (op 6). */
  copy: {
    func: '$copy',
    images: true,
    fields: { src: i32(), srcImg: i32(), dst: i32(), dstImg: i32(), table: i32(), count: i32(), unit: i32('4 or 16 bytes per entry') },
  },
  /** Softmax over F contiguous values per image (op 7). */
  softmax: { func: '$softmax', images: true, fields: { src: i32(), srcImg: i32(), dst: i32(), dstImg: i32(), F: i32() } },
  /** Clears byte ranges of each image (op 8). */
  zero: { func: '$zero', images: true, fields: { base: i32(), imgStride: i32(), table: i32('(offset, length) pairs'), count: i32() } },
  /** A barrier between the threads sharing the memory (op 9). */
  barrier: {
    func: '$barrier',
    images: false,
    fields: { state: i32(), threads: i32(), timeout: i32('ms'), spinMax: i32('most rounds spun before sleeping') },
  },
  /** Sparse direct convolution: window entries gathered into rows, the sparse product, the epilogue (op 10). */
  sparseConv: {
    func: '$sparseConv',
    images: true,
    fields: {
      ...WINDOWS,
      koff: i32('byte offsets (from the window origin) of each group of 4 window entries: 4 channels of one window pixel'),
      K: i32('window entries, a multiple of 4 (kh * kw * the padded input channels)'),
      ...box('out'),
      outH: i32(),
      outW: i32(),
      coutp: i32(),
      mat: i32('the sparse weights: a row per output channel, entries (byte offset of the window entry row in V, weight)'),
      bias: i32(),
      ...EPILOGUE_FIELDS,
      CH: i32('output pixels per chunk, a multiple of 4'),
      row: i32('bytes between rows of V and of M'),
      V: i32(),
      M: i32(),
      tab: i32("CH x (window origin, output address) of the chunk's pixels"),
      counter: i32('0, or in a team: the i32 the threads take chunks from, zeroed before each call'),
    },
  },
} as const satisfies Record<string, { func: string; images: boolean; fields: Record<string, Field> }>;

export type KernelKind = keyof typeof KERNELS;
export type FieldOf<K extends KernelKind> = keyof (typeof KERNELS)[K]['fields'] & string;
/** The fields of kind K that hold an i32 (or either). */
export type IntField<K extends KernelKind> = {
  [F in FieldOf<K>]: (typeof KERNELS)[K]['fields'][F] extends { type: 'f32' } ? never : F;
}[FieldOf<K>];
/** The fields of kind K that hold an f32 (or either). */
export type FloatField<K extends KernelKind> = {
  [F in FieldOf<K>]: (typeof KERNELS)[K]['fields'][F] extends { type: 'i32' } ? never : F;
}[FieldOf<K>];
/** Kinds whose descriptors hold the whole epilogue (lo, hi, alpha, resDelta). */
export type EpilogueKind = { [K in KernelKind]: 'resDelta' extends FieldOf<K> ? K : never }[KernelKind];

export const KERNEL_KINDS = Object.keys(KERNELS) as KernelKind[];

/** A kind's op code: its index in KERNELS. */
export const OP: { readonly [K in KernelKind]: number } = Object.fromEntries(KERNEL_KINDS.map((k, i) => [k, i])) as {
  [K in KernelKind]: number;
};

/** Byte offset of each field of each kind. */
export const OFFSET: { readonly [K in KernelKind]: { readonly [F in FieldOf<K>]: number } } = Object.fromEntries(
  KERNEL_KINDS.map((k) => [k, Object.fromEntries(Object.keys(KERNELS[k].fields).map((f, i) => [f, 4 * (1 + i)]))]),
) as never;

/** Offsets of the epilogue words from its first (`$epi`'s pointer). */
export const EPILOGUE_OFFSET: { readonly [F in keyof typeof EPILOGUE_FIELDS]: number } = Object.fromEntries(
  Object.keys(EPILOGUE_FIELDS).map((f, i) => [f, 4 * i]),
) as never;

/** Words in a descriptor of kind k (op code included). */
export const words = (k: KernelKind): number => 1 + Object.keys(KERNELS[k].fields).length;

/** The type of field f of kind k. */
export const fieldType = (k: KernelKind, f: string): FieldType | undefined => (KERNELS[k].fields as Record<string, Field>)[f]?.type;
