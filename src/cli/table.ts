/**
 * Plain-text tables for the terminal: columns padded to their widest cell, numbers right-
 * aligned. Colour (chalk) is applied by callers to whole cells after layout.
 */
export interface Column {
  readonly header: string;
  readonly align?: 'left' | 'right';
}

/** An ANSI colour sequence (ESC [ ... m), which takes no room on the terminal. */
const ANSI_SGR = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');
const visible = (s: string) => s.replace(ANSI_SGR, '').length;

export function formatTable(columns: readonly Column[], rows: readonly (readonly string[])[]): string {
  const widths = columns.map((c, i) => Math.max(visible(c.header), ...rows.map((r) => visible(r[i] ?? ''))));
  const pad = (s: string, i: number) => {
    const fill = ' '.repeat(widths[i]! - visible(s));
    return columns[i]!.align === 'right' ? fill + s : s + fill;
  };
  const line = (cells: readonly string[]) => cells.map(pad).join('  ').trimEnd();
  return `${[line(columns.map((c) => c.header)), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n')}\n`;
}

/** 1234567 -> "1,234,567". */
export const formatCount = (n: number) => Math.round(n).toLocaleString('en-US');

/** 0.91584 -> "91.58%". */
export const formatPercent = (x: number, digits = 2) => `${(100 * x).toFixed(digits)}%`;
