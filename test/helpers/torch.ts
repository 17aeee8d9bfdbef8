/**
 * A Python that imports torch, for the torch engine's tests. CI installs Debian's python3-torch
 * (.ci/run) and sets SWPRUNE_TORCH_TESTS=required, so there a missing torch fails the tests;
 * elsewhere they are skipped, saying why.
 */
import { findTorch, type TorchInstall } from '../../src/torch/python.js';

export const torchRequired = process.env.SWPRUNE_TORCH_TESTS === 'required';

function find(): { install?: TorchInstall; why?: string } {
  try {
    return { install: findTorch() };
  } catch (e) {
    return { why: (e as Error).message };
  }
}

const found = find();
export const torchInstall = found.install;
/** Why the torch tests are skipped here (the engine's own error). */
export const torchMissing = found.why;
