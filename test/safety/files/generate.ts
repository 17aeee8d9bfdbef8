/**
 * Writes the bad inputs of issue 17's file cases into a fresh folder, from the bundled model
 * (models/fashion-vgg.onnx), the committed data slice (models/data/fashion-mnist) and the tfjs
 * fixture test/fixtures/tfjs/seq-cnn: hostile external-data locations and tfjs manifests,
 * devices through symlinks, folders where files belong, broken checkpoints. Small: a few MB.
 * test/safety/files.test.ts runs the CLI on each and checks the refusal.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onnx } from '../../../src/io/onnx/proto.js';
import { repoPath } from '../../helpers/fixtures.js';

/** Where the generated inputs are, by case. */
export interface SafetyFixtures {
  readonly root: string;
  /** A copy of the bundled ONNX model and of the data slice (`--data` spec). */
  readonly model: string;
  readonly data: string;
  readonly dataDir: string;
  /** A tfjs layers model folder (model.json + weights.bin). */
  readonly tfjs: string;
  /** tfjs model whose manifest names `../weights.bin` (the file exists, outside its folder). */
  readonly tfjsEscape: string;
  /** tfjs model whose manifest names a deep `../` path to /etc/passwd. */
  readonly tfjsPasswd: string;
  /** model.json holding `null`; a manifest whose `paths` is a string; a shard that is a folder. */
  readonly tfjsNull: string;
  readonly tfjsPathsString: string;
  readonly tfjsShardDir: string;
  /** ONNX models whose first weight lives in external data: /etc/passwd, ../outside.bin, a symlink to /dev/zero, a huge length, a folder. */
  readonly extPasswd: string;
  readonly extOutside: string;
  readonly extDevZero: string;
  readonly extLongLength: string;
  readonly extFolder: string;
  /** A valid one: external data in w.bin beside the model. */
  readonly extInside: string;
  /** External data named by an absolute path, pointing inside the model's folder. */
  readonly extAbsolute: string;
  /** A data folder whose train-images-idx3-ubyte is a folder. */
  readonly idxFolder: string;
  /** A regular file (for `-o a-file/out.onnx`), a sensitivity-like JSON and a run log. */
  readonly aFile: string;
  readonly json: string;
  /** Output paths whose checkpoint (`<out>.ckpt`) is cut inside its header / is a folder / is missing. */
  readonly ckptCut: string;
  readonly ckptFolder: string;
  readonly ckptMissing: string;
  /** A folder for outputs, empty. */
  readonly outDir: string;
}

const FASHION = repoPath('models/fashion-vgg.onnx');
const SLICE = repoPath('models/data/fashion-mnist');
const SEQ_CNN = repoPath('test/fixtures/tfjs/seq-cnn');

type ModelProto = InstanceType<typeof onnx.ModelProto>;

/** The bundled model with its first float initializer moved to external data at `location` (offset 0, `length` if given). */
function withExternal(location: string, length?: string): { bytes: Uint8Array; data: Uint8Array } {
  const model = onnx.ModelProto.decode(readFileSync(FASHION)) as ModelProto;
  const t = model.graph!.initializer!.find((i) => i.dataType === onnx.TensorProto.DataType.FLOAT && (i.rawData?.length ?? 0) > 0)!;
  const data = Uint8Array.from(t.rawData!);
  t.rawData = new Uint8Array(0);
  t.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
  t.externalData = [
    onnx.StringStringEntryProto.create({ key: 'location', value: location }),
    onnx.StringStringEntryProto.create({ key: 'offset', value: '0' }),
  ];
  if (length !== undefined) t.externalData.push(onnx.StringStringEntryProto.create({ key: 'length', value: length }));
  return { bytes: onnx.ModelProto.encode(model).finish(), data };
}

/** A tfjs folder: seq-cnn's model.json with its manifest's paths replaced. */
function tfjsWith(dir: string, edit: (json: Record<string, unknown>) => unknown): string {
  mkdirSync(dir, { recursive: true });
  const json = JSON.parse(readFileSync(join(SEQ_CNN, 'model.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(join(dir, 'model.json'), JSON.stringify(edit(json)));
  return dir;
}

const setPaths = (paths: unknown) => (json: Record<string, unknown>) => {
  (json.weightsManifest as { paths: unknown }[])[0]!.paths = paths;
  return json;
};

export function generateSafetyFixtures(): SafetyFixtures {
  const root = mkdtempSync(join(tmpdir(), 'swprune-safety-'));
  const at = (...p: string[]) => join(root, ...p);
  const model = at('m.onnx');
  cpSync(FASHION, model);
  const dataDir = at('data');
  cpSync(SLICE, dataDir, { recursive: true });
  const tfjs = at('tfjs');
  cpSync(SEQ_CNN, tfjs, { recursive: true });

  // tfjs: a manifest reaching out of the model's folder, null, paths as a string, a shard folder.
  cpSync(join(SEQ_CNN, 'weights.bin'), at('escape', 'weights.bin'));
  const tfjsEscape = tfjsWith(at('escape', 'inner'), setPaths(['../weights.bin']));
  const tfjsPasswd = tfjsWith(at('passwd', 'inner'), setPaths([`${'../'.repeat(16)}etc/passwd`]));
  const tfjsNull = tfjsWith(at('tfjs-null'), () => null);
  const tfjsPathsString = tfjsWith(at('tfjs-paths-string'), setPaths('weights.bin'));
  const tfjsShardDir = tfjsWith(at('tfjs-shard-dir'), (j) => j);
  mkdirSync(join(tfjsShardDir, 'weights.bin'));

  // ONNX external data: outside the folder, a device through a symlink, a huge length, a folder.
  const ext = (name: string, location: string, length?: string, setup?: (dir: string, data: Uint8Array) => void) => {
    const dir = at(name);
    mkdirSync(dir, { recursive: true });
    const { bytes, data } = withExternal(location, length);
    writeFileSync(join(dir, 'm.onnx'), bytes);
    setup?.(dir, data);
    return join(dir, 'm.onnx');
  };
  const extPasswd = ext('ext-passwd', `${'../'.repeat(16)}etc/passwd`);
  const extOutside = ext('ext-outside', '../outside.bin', undefined, (_dir, data) => writeFileSync(at('outside.bin'), data));
  const extDevZero = ext('ext-dev-zero', 'w.bin', undefined, (dir) => symlinkSync('/dev/zero', join(dir, 'w.bin')));
  const extLongLength = ext('ext-long-length', 'w.bin', String(2 ** 40), (dir, data) => writeFileSync(join(dir, 'w.bin'), data));
  const extFolder = ext('ext-folder', 'w.bin', undefined, (dir) => mkdirSync(join(dir, 'w.bin')));
  const extInside = ext('ext-inside', 'w.bin', undefined, (dir, data) => writeFileSync(join(dir, 'w.bin'), data));
  const extAbsolute = ext('ext-absolute', at('ext-absolute', 'w.bin'), undefined, (dir, data) => writeFileSync(join(dir, 'w.bin'), data));

  // A data folder with a folder where an IDX file belongs.
  const idxFolder = at('data-idx-folder');
  cpSync(SLICE, idxFolder, { recursive: true });
  mkdirSync(join(idxFolder, 'train-images-idx3-ubyte'));

  const aFile = at('a-file');
  writeFileSync(aFile, 'not a folder\n');
  const json = at('log.json');
  writeFileSync(json, '{"command":"spatial"}\n');

  // Checkpoints: cut inside the header, a folder, none.
  mkdirSync(at('ckpt'));
  const ckptCut = at('ckpt', 'cut.onnx');
  const header = Buffer.alloc(12);
  header.write('SWPCKPT1', 0, 'ascii');
  header.writeUInt32LE(5000, 8);
  writeFileSync(`${ckptCut}.ckpt`, Buffer.concat([header, Buffer.from('{"meta":{"position":')]));
  const ckptFolder = at('ckpt', 'folder.onnx');
  mkdirSync(`${ckptFolder}.ckpt`);
  const ckptMissing = at('ckpt', 'missing.onnx');

  const outDir = at('out');
  mkdirSync(outDir);
  return {
    root,
    model,
    data: `fashion-mnist:${dataDir}`,
    dataDir,
    tfjs,
    tfjsEscape,
    tfjsPasswd,
    tfjsNull,
    tfjsPathsString,
    tfjsShardDir,
    extPasswd,
    extOutside,
    extDevZero,
    extLongLength,
    extFolder,
    extInside,
    extAbsolute,
    idxFolder,
    aFile,
    json,
    ckptCut,
    ckptFolder,
    ckptMissing,
    outDir,
  };
}
