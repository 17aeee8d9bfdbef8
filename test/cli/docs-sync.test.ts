import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bufferStreams } from '../../src/cli/streams.js';
import { buildProgram } from '../../src/cli/program.js';
import { runCli } from '../../src/cli/run.js';
import { repoPath } from '../helpers/fixtures.js';

/** docs/cli.md split into its `## ...` sections. */
function sections(): Map<string, string> {
  const text = readFileSync(repoPath('docs/cli.md'), 'utf8');
  const out = new Map<string, string>();
  for (const part of text.split(/^## /m).slice(1)) out.set(part.slice(0, part.indexOf('\n')), part);
  return out;
}

describe('docs/cli.md is in sync with --help', () => {
  const program = buildProgram(bufferStreams());
  const docs = sections();
  const shared = docs.get('Shared options') ?? '';

  it('every command has a section', () => {
    for (const cmd of program.commands) {
      expect(
        [...docs.keys()].some((h) => h.startsWith(`\`swprune ${cmd.name()} `) || h === `\`swprune ${cmd.name()}\``),
        cmd.name(),
      ).toBe(true);
    }
  });

  for (const cmd of program.commands) {
    it(`every option of ${cmd.name()} is documented in its section or under shared options`, () => {
      const [, section = ''] = [...docs].find(([h]) => h.startsWith(`\`swprune ${cmd.name()}`)) ?? [];
      const spatial = docs.get([...docs.keys()].find((h) => h.startsWith('`swprune spatial'))!)!;
      for (const option of cmd.options) {
        const flag = option.long!;
        // `winograd` documents the options it shares with `spatial` there ("as in spatial").
        const has = (text: string) => new RegExp(`${flag}(?![\\w-])`).test(text);
        const found = has(section) || has(shared) || (section.includes('as in `spatial`') && has(spatial));
        expect(found, `${cmd.name()} ${flag} is not in docs/cli.md`).toBe(true);
      }
    });
  }
});

describe('--help examples', () => {
  const program = buildProgram(bufferStreams());
  for (const cmd of program.commands) {
    it(`${cmd.name()} --help ends with examples that use only its own options`, async () => {
      const streams = bufferStreams();
      await runCli([cmd.name(), '--help'], streams);
      const [, examples = ''] = streams.stdout.text.split('\nExamples:\n');
      const lines = examples.split('\n').filter((l) => l.trim() !== '');
      expect(lines.length, cmd.name()).toBeGreaterThan(0);
      for (const line of lines) {
        const [dollar, swprune, name, ...args] = line.trim().split(/\s+/);
        expect([dollar, swprune]).toEqual(['$', 'swprune']);
        const target = program.commands.find((c) => c.name() === name)!;
        expect(target, line).toBeDefined();
        for (const flag of args.filter((a) => a.startsWith('-'))) {
          expect(
            target.options.some((o) => o.long === flag || o.short === flag),
            `${line}: ${flag}`,
          ).toBe(true);
        }
      }
    });
  }
});
