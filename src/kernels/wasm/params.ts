/**
 * The parameter blocks the training kernels read from memory (kernels.wat): each block's int32
 * fields in order, the one declaration both sides use. TypeScript writes a block through
 * `paramBlock` by field name; kernels.wat reads `offset={winograd.tilesH}`, which
 * `npm run build:wasm` replaces by the same byte offset (4 * the field's index; src/wasm/build.ts).
 */
export const PARAM_BLOCKS = {
  /** A convolution's geometry (conv2d, conv2d_filter_grad): sizes, kernel, strides, dilations, top and left padding. */
  conv: ['H', 'W', 'cin', 'OH', 'OW', 'cout', 'KH', 'KW', 'sh', 'sw', 'dh', 'dw', 'pt', 'pl'],
  /** Max pooling's geometry (maxpool_grad). */
  maxpool: ['H', 'W', 'C', 'OH', 'OW', 'KH', 'KW', 'sh', 'sw', 'pt', 'pl', 'N'],
  /**
   * A Winograd layer (winograd_forward, winograd_backward): shapes, tile, padding, tile grid, the
   * sparse transforms B^T, A^T and their transposes B, A (heap offsets), and f4x4 = 1 when they are
   * F4X4's (src/winograd/tiles.ts), for the hand-written transforms.
   */
  winograd: ['N', 'H', 'W', 'cin', 'cout', 'm', 'T', 'padTop', 'padLeft', 'outH', 'outW', 'tilesH', 'tilesW', 'BT', 'AT', 'B', 'A', 'f4x4'],
} as const;

export type ParamBlock = keyof typeof PARAM_BLOCKS;

/** Byte offset of each field of each block. */
export const PARAM_OFFSET: { readonly [K in ParamBlock]: { readonly [F in (typeof PARAM_BLOCKS)[K][number]]: number } } =
  Object.fromEntries(Object.entries(PARAM_BLOCKS).map(([k, fields]) => [k, Object.fromEntries(fields.map((f, i) => [f, 4 * i]))])) as never;

/** Block `kind` with every field given by name, as the int32 words kernels.wat reads. */
export function paramBlock<K extends ParamBlock>(
  kind: K,
  values: { readonly [F in (typeof PARAM_BLOCKS)[K][number]]: number },
): Int32Array {
  return Int32Array.from(PARAM_BLOCKS[kind], (f: string) => (values as Record<string, number>)[f]!);
}
