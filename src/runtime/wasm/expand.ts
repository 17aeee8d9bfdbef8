/**
 * Template expansion of the .wat sources, when they are built (src/wasm/build.ts): fields of a
 * declared table read by name (`offset={conv.outRow}`) and, in runtime.wat, `run`'s dispatch
 * generated from descriptors.ts. Build-time only; imports no package.
 */
import { EPILOGUE_OFFSET, KERNEL_KINDS, KERNELS, OFFSET } from './descriptors.js';

/** `run`'s dispatch: a block per op code (KERNELS' order), br_table on the descriptor's word 0. */
function dispatch(): string {
  const n = KERNEL_KINDS.length;
  const labels = KERNEL_KINDS.map((_, i) => `$op${i}`);
  const lines = [
    `(block $next ${[...labels]
      .reverse()
      .map((l) => `(block ${l}`)
      .join(' ')}`,
    `  (br_table ${labels.join(' ')} $next (i32.load (local.get $d))))`,
    ...KERNEL_KINDS.map((k, i) => {
      const call = `(call ${KERNELS[k].func} (local.get $d)${KERNELS[k].images ? ' (local.get $n) (local.get $first)' : ''})`;
      return i < n - 1 ? `  ${call} (br $next))` : `  ${call})`;
    }),
  ];
  return lines.join('\n        ');
}

/**
 * The WAT text runtime.wat stands for: `{kind.field}` replaced by the field's byte offset in
 * descriptors.ts, `{epilogue.field}` by its offset in the epilogue words, `{dispatch}` by `run`'s
 * dispatch, outside `;;` comments. Any other `{...}` is an error.
 */
export function expandWat(text: string, file: string): string {
  return expandTemplates(text, file, { ...OFFSET, epilogue: EPILOGUE_OFFSET }, { dispatch });
}

/**
 * A .wat source's templates expanded, outside `;;` comments: `{block.field}` by the field's byte
 * offset in `offsets`, `{name}` by `snippets[name]()`. Any other `{...}` is an error.
 */
export function expandTemplates(
  text: string,
  file: string,
  offsets: { readonly [block: string]: { readonly [field: string]: number } },
  snippets: { readonly [name: string]: () => string },
): string {
  const expand = (code: string) =>
    code.replace(/\{([A-Za-z][A-Za-z0-9]*)(?:\.([A-Za-z][A-Za-z0-9]*))?\}/g, (all, block: string, field?: string) => {
      if (!field && snippets[block]) return snippets[block]();
      const offset = field ? offsets[block]?.[field] : undefined;
      if (offset === undefined) throw new Error(`${file}: ${all} is no descriptor field (the table the source is built from)`);
      return String(offset);
    });
  return text
    .split('\n')
    .map((line) => {
      const c = line.indexOf(';;');
      return c < 0 ? expand(line) : expand(line.slice(0, c)) + line.slice(c);
    })
    .join('\n');
}
