import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SUPPORTED_OPS } from '../../../src/exec/op-table.js';
import { ACTIVATION_NAMES } from '../../../src/io/tfjs/activations.js';
import { LAYER_TABLE } from '../../../src/io/tfjs/layers.js';
import { repoPath } from '../../helpers/fixtures.js';

/** docs/models.md's generated lists (npm run docs:models) name exactly what the tables hold. */
describe('docs/models.md is in sync with the op and layer tables', () => {
  const doc = readFileSync(repoPath('docs/models.md'), 'utf8');
  const section = doc.slice(doc.indexOf('<!-- ops:start'), doc.indexOf('<!-- ops:end -->'));
  const paragraphs = section.split('\n\n');
  const names = (startsWith: string) => [...(paragraphs.find((p) => p.includes(startsWith)) ?? '').matchAll(/`([^`]+)`/g)].map((m) => m[1]!);

  it('ONNX operators', () => {
    const listed = paragraphs.find((p) => p.startsWith('`'))!;
    expect([...listed.matchAll(/`([^`]+)`/g)].map((m) => m[1]).sort()).toEqual(SUPPORTED_OPS.filter((o) => !o.includes('/')).sort());
  });

  it('TensorFlow.js layers and activations', () => {
    expect(names('TensorFlow.js layers').sort()).toEqual(['InputLayer', ...Object.keys(LAYER_TABLE)].sort());
    expect(names('Activations').filter((n) => n !== 'activation:')).toEqual([...ACTIVATION_NAMES]);
  });

  it('the support table lists every family', () => {
    const table = doc.slice(doc.indexOf('<!-- support-table:start'), doc.indexOf('<!-- support-table:end -->'));
    for (const family of ['resnet18', 'resnet50', 'vgg11_bn', 'mobilenet_v2', 'squeezenet1_1', 'densenet121', 'googlenet', 'shufflenet_v2', 'efficientnet_b0', 'regnet_x_400mf', 'cifar_resnet20', 'wide_resnet', 'se_net']) {
      expect(table).toMatch(new RegExp(`^\\| ${family} \\|`, 'm'));
    }
  });
});
