import { describe, expect, it } from 'vitest';
import { BufferSink } from '../../src/cli/streams.js';
import { createProgress, formatDuration } from '../../src/cli/progress.js';

describe('formatDuration', () => {
  it('formats minutes and hours', () => {
    expect(formatDuration(5)).toBe('0:05');
    expect(formatDuration(125)).toBe('2:05');
    expect(formatDuration(3725)).toBe('1:02:05');
    expect(formatDuration(Number.NaN)).toBe('--:--');
  });
});

describe('createProgress', () => {
  it('prints a few plain lines when not a terminal', () => {
    const sink = new BufferSink();
    let t = 0;
    const p = createProgress(sink, { label: 'eval', total: 100, logEvery: 0.25, now: () => t });
    for (let i = 1; i <= 100; i++) {
      t = i;
      p.update(i, `loss ${i}`);
    }
    p.finish('done');
    const lines = sink.text.trim().split('\n');
    // 25%, 50%, 75% and the final line.
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^eval \[#{6}\.{18}\] 25\/100 0:25 eta 1:15 {2}loss 25$/);
    expect(lines[3]).toMatch(/100\/100 .*done$/);
  });

  it('rewrites one line on a terminal', () => {
    const chunks: string[] = [];
    const sink = { isTTY: true, write: (s: string) => chunks.push(s) };
    const p = createProgress(sink, { label: 'x', total: 2, now: () => 1 });
    p.update(1);
    p.finish();
    expect(chunks[0]!.startsWith('\r\x1b[2K')).toBe(true);
    expect(chunks.at(-1)!.endsWith('\n')).toBe(true);
  });
});
