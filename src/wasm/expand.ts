/**
 * The one expansion step every .wat source goes through before it is compiled (build.ts):
 * `{include name}` (a line of its own) by the shared function library's `lib/name.wat`, each
 * file at most once per module; `{block.field}` by the field's byte offset in the module's
 * declared table; `{name}` by a snippet the module generates. Outside `;;` comments. Build-time
 * only: the .wat files are read from the source tree, never from dist/.
 */
import * as fs from 'node:fs';
import { fileURLToPath } from 'node:url';

/** A module's declared offsets (`{block.field}`) and generated snippets (`{name}`). */
export interface Templates {
  readonly offsets: { readonly [block: string]: { readonly [field: string]: number } };
  readonly snippets?: { readonly [name: string]: () => string };
}

/** The shared function library's folder (src/wasm/lib/, from src/ or dist/). */
export const LIB_DIR = fileURLToPath(new URL('../../src/wasm/lib/', import.meta.url));

const INCLUDE = /^\s*\{include ([a-z0-9-]+)\}\s*$/;

/**
 * A .wat source's text, ready for wabt: includes spliced in (a library file may include
 * another), then every template replaced. An unknown `{...}` or library file is an error
 * naming the source.
 */
export function expandWat(text: string, file: string, templates: Templates, libDir = LIB_DIR): string {
  const seen = new Set<string>();
  const splice = (src: string, from: string): string =>
    src
      .split('\n')
      .map((line) => {
        const name = INCLUDE.exec(line)?.[1];
        if (name === undefined) return line;
        if (seen.has(name)) return `  ;; (lib/${name}.wat: included above)`;
        seen.add(name);
        const path = `${libDir}${name}.wat`;
        if (!fs.existsSync(path)) throw new Error(`${from}: {include ${name}}: no ${path}`);
        return splice(fs.readFileSync(path, 'utf8').trimEnd(), `lib/${name}.wat`);
      })
      .join('\n');
  return expandTemplates(splice(text, file), file, templates);
}

/**
 * Templates replaced, outside `;;` comments: `{block.field}` by the field's byte offset,
 * `{name}` by `snippets[name]()`. Any other `{...}` is an error.
 */
export function expandTemplates(text: string, file: string, { offsets, snippets = {} }: Templates): string {
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
