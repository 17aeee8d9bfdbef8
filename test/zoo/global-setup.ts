/**
 * Before the zoo's tests are collected: export the full-width models with PyTorch unless the
 * folder already holds this run's families (SWPRUNE_ZOO_REGENERATE=1 exports again).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { GENERATOR, PYTHON, ZOO_DIR, ZOO_FAMILIES } from './zoo-dir.js';

export default function setup(): void {
  const have = existsSync(join(ZOO_DIR, 'io.json')) ? readdirSync(ZOO_DIR) : [];
  const missing = !ZOO_FAMILIES ? have.length === 0 : ZOO_FAMILIES.some((f) => !have.some((n) => n.startsWith(`${f}-`)));
  if (!missing && process.env.SWPRUNE_ZOO_REGENERATE !== '1') return;
  const args = [GENERATOR, '--zoo', ZOO_DIR, ...(ZOO_FAMILIES ? ['--only', ZOO_FAMILIES.join(',')] : [])];
  process.stderr.write(`exporting the zoo: ${PYTHON} ${args.join(' ')}\n`);
  const r = spawnSync(PYTHON, args, { stdio: ['ignore', 'inherit', 'pipe'], encoding: 'utf8' });
  if (r.status !== 0) {
    throw new Error(
      `the zoo export failed (${PYTHON} needs Debian's python3-torch, python3-torchvision and python3-onnx):\n${(r.stderr ?? '').split('\n').slice(-15).join('\n')}`,
    );
  }
}
