import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SUPPORTED_OPS } from '../../../src/exec/op-table.js';
import { LIMITS, OPSET_RANGE } from '../../../src/graph/validate.js';
import { ACTIVATION_NAMES } from '../../../src/io/tfjs/activations.js';
import { LAYER_TABLE } from '../../../src/io/tfjs/layers.js';
import { repoPath } from '../../helpers/fixtures.js';

/** docs/models.md's generated lists (npm run docs:models) name exactly what the tables hold. */
describe('docs/models.md is in sync with the op and layer tables', () => {
  const doc = readFileSync(repoPath('docs/models.md'), 'utf8');
  const section = doc.slice(doc.indexOf('<!-- ops:start'), doc.indexOf('<!-- ops:end -->'));
  const paragraphs = section.split('\n\n');
  const names = (startsWith: string) =>
    [...(paragraphs.find((p) => p.includes(startsWith)) ?? '').matchAll(/`([^`]+)`/g)].map((m) => m[1]!);

  it('ONNX operators', () => {
    const listed = paragraphs.find((p) => p.startsWith('`'))!;
    expect([...listed.matchAll(/`([^`]+)`/g)].map((m) => m[1]).sort()).toEqual(SUPPORTED_OPS.filter((o) => !o.includes('/')).sort());
  });

  it('TensorFlow.js layers and activations', () => {
    expect(names('TensorFlow.js layers').sort()).toEqual(['InputLayer', ...Object.keys(LAYER_TABLE)].sort());
    expect(names('Activations').filter((n) => n !== 'activation:')).toEqual([...ACTIVATION_NAMES]);
  });

  it('the opset range and the validation bounds are the ones the validation pass applies', () => {
    const range = `${OPSET_RANGE.min} to ${OPSET_RANGE.max}`;
    expect(doc.split('\n').slice(0, 5).join(' ')).toContain(`opsets ${range}`);
    expect(section).toContain(`opsets ${OPSET_RANGE.min}–${OPSET_RANGE.max}`);
    const validation = doc.slice(doc.indexOf('## Validation'), doc.indexOf('## TensorFlow.js layers models'));
    expect(validation).toContain(`must be ${range}`);
    expect(validation).toContain(`from 0 to ${LIMITS.pad} per side`);
    expect(validation).toContain(`at most 2^${Math.log2(LIMITS.inputValues)} values per example`);
    expect(validation).toContain(`at most 2^${Math.log2(LIMITS.activationValues)} values per example`);
  });

  it('the support table lists every family', () => {
    const table = doc.slice(doc.indexOf('<!-- support-table:start'), doc.indexOf('<!-- support-table:end -->'));
    for (const family of [
      'resnet18',
      'resnet50',
      'vgg11_bn',
      'mobilenet_v2',
      'squeezenet1_1',
      'densenet121',
      'googlenet',
      'shufflenet_v2',
      'efficientnet_b0',
      'regnet_x_400mf',
      'cifar_resnet20',
      'wide_resnet',
      'se_net',
    ]) {
      expect(table).toMatch(new RegExp(`^\\| ${family} \\|`, 'm'));
    }
  });
});
