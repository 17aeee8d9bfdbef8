/**
 * What differs between Node and browsers, behind one small interface: worker threads and
 * reading files. Node modules are imported lazily, so the runtime loads in a browser.
 */

/** A message port both sides use: Node's worker_threads Worker / parentPort, or a browser Worker / self. */
export interface Port {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  /** Adds a handler; returns what removes it. */
  onMessage(handler: (message: unknown) => void): () => void;
  terminate?(): Promise<void>;
}

export const isNode = typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string';

/**
 * Starts the runtime's worker script: worker.js beside this file (run from the TypeScript
 * sources, as the tests do, the built one in dist/runtime/).
 */
export async function startWorker(): Promise<Port> {
  const here = import.meta.url;
  const url = here.endsWith('.ts') ? new URL('../../dist/runtime/worker.js', here) : new URL('./worker.js', here);
  if (isNode) {
    const { Worker } = await import('node:worker_threads');
    const w = new Worker(url);
    w.unref();
    return {
      postMessage: (m, t) => w.postMessage(m, t as never),
      onMessage: (h) => {
        w.on('message', h);
        return () => void w.off('message', h);
      },
      terminate: async () => void (await w.terminate()),
    };
  }
  const w = new Worker(url, { type: 'module' });
  return {
    postMessage: (m, t) => w.postMessage(m, t ?? []),
    onMessage: (h) => {
      const l = (e: MessageEvent) => h(e.data);
      w.addEventListener('message', l);
      return () => w.removeEventListener('message', l);
    },
    terminate: async () => w.terminate(),
  };
}

/** The port of the current worker (inside worker.js). */
export async function parentPort(): Promise<Port> {
  if (isNode) {
    const { parentPort: p } = await import('node:worker_threads');
    if (!p) throw new Error('worker.js runs as a worker thread');
    return {
      postMessage: (m, t) => p.postMessage(m, t as never),
      onMessage: (h) => {
        p.on('message', h);
        return () => void p.off('message', h);
      },
    };
  }
  const self_ = globalThis as unknown as {
    postMessage(m: unknown, t?: Transferable[]): void;
    addEventListener(k: 'message', h: (e: MessageEvent) => void): void;
    removeEventListener(k: 'message', h: (e: MessageEvent) => void): void;
  };
  return {
    postMessage: (m, t) => self_.postMessage(m, t ?? []),
    onMessage: (h) => {
      const l = (e: MessageEvent) => h(e.data);
      self_.addEventListener('message', l);
      return () => self_.removeEventListener('message', l);
    },
  };
}

/** The number of logical CPUs (navigator.hardwareConcurrency in browsers). */
export async function cpuCount(): Promise<number> {
  if (isNode) return (await import('node:os')).cpus().length;
  return (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1;
}
