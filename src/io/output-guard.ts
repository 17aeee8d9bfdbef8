import { accessSync, constants } from 'node:fs';
import { dirname } from 'node:path';
import { msg, opt, SwpruneError, type Message } from '../errors.js';
import { isInside, kernelFolderOf, realPath, sameFile, type RealPath } from './paths.js';

/**
 * The output guard: every command calls `guardOutputs` once, after reading its model and
 * before any slow work, with every file it will read and every file it will write. An output
 * that is an input (after symlinks and hard links), another output, inside a dataset folder,
 * under a kernel file system, below a file, a folder, or in a folder that cannot be written
 * is refused with one E_OUTPUT line — so nothing the user passed is ever overwritten
 * and a bad output path fails before an epoch, not after it.
 */

/** A file a command reads or writes, and the option (API name) it came from. */
export interface PathRef {
  readonly path: string;
  readonly option: string;
  /** What the file is, for the message ("the input model", "a weight file of the input model"). */
  readonly what: string;
}

export interface OutputPlan {
  /** Files the command reads: the model and its weight files, dataset files, JSON inputs. */
  readonly inputs: readonly PathRef[];
  /** Folders the command reads from (datasets): no output may be written inside them. */
  readonly folders: readonly PathRef[];
  /** Files the command will write (every one: the model's weight files, checkpoints, reports). */
  readonly outputs: readonly PathRef[];
}

const refused = (out: PathRef, why: Message) => new SwpruneError('E_OUTPUT', [...msg`${opt(out.option)} ${out.path}: `, ...why]);

/** Refuses the plan's first bad output (see the module comment); returns when all are fine. */
export function guardOutputs(plan: OutputPlan): void {
  const inputs = plan.inputs.map((r) => ({ ref: r, at: realPath(r.path) }));
  const folders = plan.folders.map((r) => ({ ref: r, at: realPath(r.path) })).filter((f) => f.at.exists && f.at.existingStat.isDirectory());
  const seen: { ref: PathRef; at: RealPath }[] = [];
  for (const out of plan.outputs) {
    const at = checkWritable(out);
    const input = inputs.find((i) => sameFile(i.at, at));
    if (input)
      throw refused(
        out,
        msg`this is ${input.ref.what} (${input.ref.path}); swprune never writes over its inputs: choose another output path`,
      );
    const folder = folders.find((f) => isInside(at.real, f.at.real));
    if (folder)
      throw refused(
        out,
        msg`this is inside ${folder.ref.what} (${folder.ref.path}); swprune never writes into a dataset folder: choose a path outside it`,
      );
    const twin = seen.find((s) => sameFile(s.at, at));
    if (twin) {
      const same = twin.ref.option === out.option ? [`is also ${twin.ref.what}`] : msg`is also ${opt(twin.ref.option)} (${twin.ref.what})`;
      throw refused(out, [...same, '; give each output its own file']);
    }
    seen.push({ ref: out, at });
  }
}

/**
 * Checks that one output file can be written: not under /proc, /sys or /dev, not below a file,
 * not a folder itself, and its deepest existing folder writable. Returns where it really is.
 * The atomic writer calls this too, so no write ever starts a recursive mkdir in a kernel folder.
 */
function checkWritable(out: PathRef): RealPath {
  const at = realPath(out.path);
  const kernel = kernelFolderOf(at.real);
  if (kernel)
    throw refused(out, [`it resolves to ${at.real}, inside ${kernel} (a kernel file system, not files); write to a regular folder`]);
  if (at.exists && at.existingStat.isDirectory())
    throw refused(out, [`this is a folder, where ${out.what} (a file) goes; remove it or choose another path`]);
  if (!at.exists && !at.existingStat.isDirectory()) {
    throw refused(out, [`${at.existing} is a file, not a folder; choose an output in a folder`]);
  }
  const folder = at.exists ? dirname(at.real) : at.existing;
  try {
    accessSync(folder, constants.W_OK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'EACCES';
    throw refused(out, [`the folder ${folder} is not writable (${code}); choose a folder you can write to`]);
  }
  return at;
}
