import { spawnSync } from 'node:child_process';
import { msg, opt, SwpruneError } from '../errors.js';

/** A Python interpreter that imports torch, and what it has. */
export interface TorchInstall {
  readonly python: string;
  readonly pythonVersion: string;
  readonly torch: string;
  /** CUDA devices torch sees (0: CPU only, gloo). */
  readonly cudaDevices: number;
}

/** The oldest torch with torchrun (torch.distributed.run) and what the engine uses. */
export const MIN_TORCH: readonly [number, number] = [1, 10];
export const MIN_PYTHON: readonly [number, number] = [3, 8];

/**
 * What the interpreter has. A CPU-only torch (torch/version.py says `cuda = None` and
 * `hip = None`) with torchrun's module is read from its files without importing it (importing
 * torch takes seconds, and the training process imports it anyway); any other torch is imported
 * to count its CUDA devices and check torch.distributed.
 */
const PROBE = `
import json, os, re, sys
out = {'python': sys.version.split()[0]}
def cpu_only():
    import importlib.util
    spec = importlib.util.find_spec('torch')
    if spec is None or not spec.origin or os.path.basename(spec.origin) != '__init__.py':
        return None
    root = os.path.dirname(spec.origin)
    try:
        with open(os.path.join(root, 'version.py')) as f:
            text = f.read()
    except OSError:
        return None
    version = re.search(r"^__version__ = '([^']+)'", text, re.M)
    gpu = re.search(r"^(cuda|hip) = (?!None)", text, re.M)
    if version is None or gpu is not None or not os.path.exists(os.path.join(root, 'distributed', 'run.py')):
        return None
    return {'torch': version.group(1).split('+')[0], 'cuda': 0, 'distributed': True, 'run': True}
found = cpu_only()
if found:
    out.update(found)
else:
    try:
        import torch
        out['torch'] = torch.__version__.split('+')[0]
        out['cuda'] = torch.cuda.device_count() if torch.cuda.is_available() else 0
        out['distributed'] = torch.distributed.is_available()
        import importlib.util
        out['run'] = importlib.util.find_spec('torch.distributed.run') is not None
    except Exception as e:
        out['error'] = type(e).__name__ + ': ' + str(e).splitlines()[0] if str(e) else type(e).__name__
print(json.dumps(out))
`;

interface Probe {
  readonly python: string;
  readonly torch?: string;
  readonly cuda?: number;
  readonly distributed?: boolean;
  readonly run?: boolean;
  readonly error?: string;
}

const probes = new Map<string, Probe | undefined>();

/** What `python` has (once per interpreter and process: importing torch takes seconds). */
function probe(python: string): Probe | undefined {
  if (!probes.has(python)) probes.set(python, probeNow(python));
  return probes.get(python);
}

function probeNow(python: string): Probe | undefined {
  const r = spawnSync(python, ['-c', PROBE], { encoding: 'utf8', timeout: 120_000 });
  if (r.error || r.status !== 0) return undefined;
  try {
    return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Probe;
  } catch {
    return undefined;
  }
}

const older = (version: string, min: readonly [number, number]) => {
  const [a, b] = version.split('.').map((x) => Number.parseInt(x, 10));
  return !(a! > min[0] || (a === min[0] && b! >= min[1]));
};

const INSTALL = 'install PyTorch for it (Debian: apt-get install python3-torch python3-torchvision python3-numpy)';

/**
 * The interpreter the torch engine runs: `python` (the API option) or $SWPRUNE_PYTHON when
 * given (only that one), else the first of `python3` on PATH and /usr/bin/python3 that imports
 * torch. torchrun is launched as `<that python> -m torch.distributed.run`, so the interpreter is
 * the same throughout. Missing or too old: a one-line E_ENGINE error saying what to install.
 */
export function findTorch(python?: string): TorchInstall {
  const chosen = python ?? process.env.SWPRUNE_PYTHON;
  const candidates = chosen ? [chosen] : ['python3', '/usr/bin/python3'];
  const found = candidates.map((c) => [c, probe(c)] as const).filter((x): x is readonly [string, Probe] => x[1] !== undefined);
  if (found.length === 0) {
    throw new SwpruneError(
      'E_ENGINE',
      chosen
        ? [
            ...msg`${opt('engine')} torch: the Python interpreter ${chosen} (`,
            python ? opt('python') : 'SWPRUNE_PYTHON',
            ') does not run; point it at a python3 that imports torch',
          ]
        : msg`${opt('engine')} torch needs python3 with PyTorch, and neither python3 on PATH nor /usr/bin/python3 runs; install python3 and PyTorch (Debian: apt-get install python3-torch python3-torchvision python3-numpy) or set SWPRUNE_PYTHON`,
    );
  }
  const ok = found.find(([, p]) => p.torch !== undefined) ?? found[0]!;
  const [path, p] = ok;
  if (older(p.python, MIN_PYTHON)) {
    throw new SwpruneError(
      'E_ENGINE',
      msg`${opt('engine')} torch needs Python ${MIN_PYTHON.join('.')} or newer; ${path} is Python ${p.python}: install a newer python3 with PyTorch or set SWPRUNE_PYTHON`,
    );
  }
  if (p.torch === undefined) {
    const tried = found.map(([c, q]) => `${c} (Python ${q.python})`).join(' and ');
    throw new SwpruneError(
      'E_ENGINE',
      msg`${opt('engine')} torch: ${tried} cannot import torch${p.error ? ` (${p.error})` : ''}; ${INSTALL}, or set SWPRUNE_PYTHON to an interpreter that imports torch`,
    );
  }
  if (older(p.torch, MIN_TORCH) || !p.distributed || !p.run) {
    throw new SwpruneError(
      'E_ENGINE',
      msg`${opt('engine')} torch needs torch ${MIN_TORCH.join('.')} or newer with torch.distributed and torchrun; ${path} has torch ${p.torch}${p.distributed ? '' : ' without torch.distributed'}: ${INSTALL}`,
    );
  }
  return { python: path, pythonVersion: p.python, torch: p.torch, cudaDevices: p.cuda ?? 0 };
}
