import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { NETS, targetGrid } from '../../scripts/importance-study.js';
import { CHECKS, isDefault, meetsTarget, studySection, type Study, type StudyCell } from '../../scripts/results-study.js';
import { repoPath } from '../helpers/fixtures.js';

describe("step 2's defaults study", () => {
  it('the grid: every setting once per network and tile, p = 0 only unnormalised, the defaults at the issue checks first', () => {
    const grid = targetGrid();
    expect(new Set(grid.map((c) => c.id)).size).toBe(grid.length);
    // 2 networks x 2 tiles x 3 lr x (5 powers x 2 norms + p = 0 once + p = 2 with the tile's gain).
    expect(grid).toHaveLength(NETS.length * 2 * 3 * 12);
    expect(grid.filter((c) => c.power === 0).every((c) => c.norm === 'none')).toBe(true);
    const first = grid.slice(0, 3 * NETS.length);
    for (const k of CHECKS) {
      for (const net of NETS)
        expect(
          first.some(
            (c) =>
              c.net === net.name &&
              c.tile === k.tile &&
              c.sparsity === k.sparsity &&
              c.lr === k.lr &&
              c.power === 2 &&
              c.gain === (k.tile === 4 ? 8 : 64),
          ),
        ).toBe(true);
    }
  });

  it('the check: at or above the pruned accuracy and within 0.5 points of the input', () => {
    const cell = (pruned: number, retrained: number): StudyCell => ({
      net: 'n',
      tile: 6,
      sparsity: 0.75,
      lr: 0.01,
      norm: 'none',
      power: 1.5,
      input: 0.9,
      converted: 0.9,
      pruned,
      retrained,
      seconds: 1,
    });
    expect(meetsTarget(cell(0.89, 0.895))).toBe(true);
    expect(meetsTarget(cell(0.89, 0.8949))).toBe(false);
    expect(meetsTarget(cell(0.9, 0.899))).toBe(false);
    expect(meetsTarget(cell(0.85, 0.9))).toBe(true);
  });

  it("the committed study's summary row counts what its cells show", () => {
    const study = JSON.parse(readFileSync(repoPath('docs/runs/importance-study.json'), 'utf8')) as Study;
    const text = studySection(study).join('\n');
    const checked = study.cells.filter(
      (c) => isDefault(c) && CHECKS.some((k) => k.tile === c.tile && k.sparsity === c.sparsity && k.lr === c.lr),
    );
    expect(checked.length).toBeGreaterThan(0);
    const row = text.split('\n').find((l) => l.startsWith('| **the defaults**') && l.endsWith(`/${checked.length} |`));
    expect(row).toBeDefined();
    expect(row!.endsWith(`| ${checked.filter(meetsTarget).length}/${checked.length} |`)).toBe(true);
  });
});
