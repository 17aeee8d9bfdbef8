import { defineConfig } from 'vitest/config';

// `npm run test:zoo`: every torchvision family at full width and the CIFAR nets, eval and
// training mode, opsets 11/13/17 (exported by test/fixtures/torchvision/make_torchvision.py
// into test/zoo/.models, git-ignored), loaded, checked against PyTorch and onnxruntime, and run
// through spatial, winograd and report. Not part of `npm test`: it takes about an hour on two
// cores. SWPRUNE_ZOO_FAMILIES=resnet18,vgg11_bn restricts it; SWPRUNE_ZOO_DIR moves the folder.
export default defineConfig({
  test: {
    include: ['test/zoo/**/*.zoo.ts'],
    globalSetup: ['test/zoo/global-setup.ts'],
    testTimeout: 3_600_000,
    hookTimeout: 3_600_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
