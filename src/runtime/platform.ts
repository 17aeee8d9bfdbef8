/**
 * What differs between Node and browsers, behind one small interface: worker threads and
 * reading files. Node modules are imported lazily, so the runtime loads in a browser.
 */

/** A message port both sides use: Node's worker_threads Worker / parentPort, or a browser Worker / self. */
export interface Port {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  /** Adds a handler; returns what removes it. */
  onMessage(handler: (message: unknown) => void): () => void;
  /** A worker's side only: adds a handler for the worker stopping (it exited, or an error ended it); returns what removes it. */
  onExit?(handler: (reason: string) => void): () => void;
  terminate?(): Promise<void>;
}

export const isNode = typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string';

/** The Port of a Node worker_threads endpoint (a Worker or parentPort). */
interface NodeEndpoint {
  postMessage(m: unknown, transfer?: readonly Transferable[]): void;
  on(event: 'message', h: (m: unknown) => void): unknown;
  off(event: 'message', h: (m: unknown) => void): unknown;
}
const nodePort = (t: NodeEndpoint, terminate?: () => Promise<void>): Port => ({
  postMessage: (m, tr) => t.postMessage(m, tr),
  onMessage: (h) => {
    t.on('message', h);
    return () => void t.off('message', h);
  },
  terminate,
});

/** The Port of a browser endpoint (a Worker or the worker's `self`). */
interface WebEndpoint {
  postMessage(m: unknown, transfer: Transferable[]): void;
  addEventListener(k: 'message', h: (e: MessageEvent) => void): void;
  removeEventListener(k: 'message', h: (e: MessageEvent) => void): void;
}
const webPort = (t: WebEndpoint, terminate?: () => Promise<void>): Port => ({
  postMessage: (m, tr) => t.postMessage(m, tr ?? []),
  onMessage: (h) => {
    const l = (e: MessageEvent) => h(e.data);
    t.addEventListener('message', l);
    return () => t.removeEventListener('message', l);
  },
  terminate,
});

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
      ...nodePort(w as unknown as NodeEndpoint, async () => void (await w.terminate())),
      onExit: (h) => {
        const onError = (e: Error) => h(`it failed: ${e.message}`);
        const onExit = (code: number) => h(`it exited with code ${code}`);
        w.on('error', onError);
        w.on('exit', onExit);
        return () => void w.off('error', onError).off('exit', onExit);
      },
    };
  }
  const w = new Worker(url, { type: 'module' });
  return {
    ...webPort(w, async () => w.terminate()),
    onExit: (h) => {
      const l = (e: ErrorEvent) => h(`it failed: ${e.message}`);
      w.addEventListener('error', l);
      return () => w.removeEventListener('error', l);
    },
  };
}

/** The port of the current worker (inside worker.js). */
export async function parentPort(): Promise<Port> {
  if (isNode) {
    const { parentPort: p } = await import('node:worker_threads');
    if (!p) throw new Error('worker.js runs as a worker thread');
    return nodePort(p as unknown as NodeEndpoint);
  }
  return webPort(globalThis as unknown as WebEndpoint);
}
