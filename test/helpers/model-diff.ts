import { loadModel } from '../../src/io/load.js';

/** Largest |a - b| over the float parameters two model files share, the parameters whose zero sets differ, and how many were compared. */
export function compareModels(a: string, b: string, skip: (name: string) => boolean = () => false) {
  const pa = loadModel(a).graph.params;
  const pb = loadModel(b).graph.params;
  let maxDiff = 0;
  const zeroSetsDiffer: string[] = [];
  let params = 0;
  for (const [name, p] of pa) {
    const q = pb.get(name)?.data;
    if (!(p.data instanceof Float32Array) || !(q instanceof Float32Array) || skip(name)) continue;
    params++;
    for (let i = 0; i < p.data.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(p.data[i]! - q[i]!));
      if ((p.data[i] === 0) !== (q[i] === 0) && !zeroSetsDiffer.includes(name)) zeroSetsDiffer.push(name);
    }
  }
  return { maxDiff, zeroSetsDiffer, params };
}
