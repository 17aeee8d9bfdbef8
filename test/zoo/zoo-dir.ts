/** Where the zoo's exports and results live, and which families a run covers. */
import { repoPath } from '../helpers/fixtures.js';

export const ZOO_DIR = process.env.SWPRUNE_ZOO_DIR ?? repoPath('test/zoo/.models');
/** Families of this run (SWPRUNE_ZOO_FAMILIES, comma-separated), or undefined for all. */
export const ZOO_FAMILIES = process.env.SWPRUNE_ZOO_FAMILIES?.split(',').filter(Boolean);
export const GENERATOR = repoPath('test/fixtures/torchvision/make_torchvision.py');
/** Debian's python3 with python3-torch, -torchvision and -onnx (not a pyenv python on PATH). */
export const PYTHON = process.env.SWPRUNE_PYTHON ?? '/usr/bin/python3';
