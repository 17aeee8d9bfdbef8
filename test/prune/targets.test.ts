import { describe, expect, it } from 'vitest';
import { readOnnx } from '../../src/io/onnx/index.js';
import { globToRegExp, selectTargets } from '../../src/prune/targets.js';
import { ONNX_FIXTURES } from '../helpers/fixtures.js';

describe('--layers globs', () => {
  it('*, ?, [set], [a-z] and [!set] match whole names; other characters match themselves', () => {
    const yes = (glob: string, name: string) => expect(globToRegExp(glob).test(name), `${glob} ~ ${name}`).toBe(true);
    const no = (glob: string, name: string) => expect(globToRegExp(glob).test(name), `${glob} !~ ${name}`).toBe(false);
    yes('*conv*', 'layer1.conv2');
    no('conv', 'layer1.conv2');
    yes('f.?', 'f.3');
    no('f.?', 'fx3');
    yes('*.[37]/*', '/features/features.3/Conv');
    no('*.[37]/*', '/features/features.10/Conv');
    yes('l[1-3]', 'l2');
    no('l[1-3]', 'l4');
    yes('l[!1-3]', 'l4');
    no('l[!1-3]', 'l2');
    yes('a[b', 'a[b'); // no closing ]: a literal [
    yes('(x)+$', '(x)+$');
  });

  it('selects convolutions of the bundled model by a character class', () => {
    const graph = readOnnx(ONNX_FIXTURES.fashionVgg).graph;
    const names = selectTargets(graph, { tile: 6, layers: '*features.[37]/*' }).map((t) => t.node.name);
    expect(names).toEqual(['/features/features.3/Conv', '/features/features.7/Conv']);
  });
});
