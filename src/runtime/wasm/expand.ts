/**
 * runtime.wat's templates: descriptor fields read by name and `run`'s dispatch, expanded from
 * descriptors.ts when the module is built (src/wasm/build.ts). Build-time only; imports no package.
 */
import { EPILOGUE_OFFSET, KERNEL_KINDS, KERNELS, OFFSET } from './descriptors.js';

/** `run`'s dispatch: a block per op code (KERNELS' order), br_table on the descriptor's word 0. */
function dispatch(): string {
  const n = KERNEL_KINDS.length;
  const labels = KERNEL_KINDS.map((_, i) => `$op${i}`);
  const lines = [
    `(block $next ${[...labels].reverse().map((l) => `(block ${l}`).join(' ')}`,
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
  // Code only: a line's `;;` comment is left as written.
  return text.split('\n').map((line) => {
    const c = line.indexOf(';;');
    return c < 0 ? expandCode(line, file) : expandCode(line.slice(0, c), file) + line.slice(c);
  }).join('\n');
}

function expandCode(text: string, file: string): string {
  return text.replace(/\{([A-Za-z][A-Za-z0-9]*)(?:\.([A-Za-z][A-Za-z0-9]*))?\}/g, (all, kind: string, field?: string) => {
    if (kind === 'dispatch' && !field) return dispatch();
    const table = kind === 'epilogue' ? EPILOGUE_OFFSET : (OFFSET as Record<string, Record<string, number>>)[kind];
    const offset = field ? (table as Record<string, number> | undefined)?.[field] : undefined;
    if (offset === undefined) throw new Error(`${file}: ${all} is no descriptor field (src/runtime/wasm/descriptors.ts)`);
    return String(offset);
  });
}
