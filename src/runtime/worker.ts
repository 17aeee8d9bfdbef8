/**
 * A runtime worker thread: receives the compiled module and a plan, builds its own engine
 * (its own memory), then runs the images it is sent. Started by threads.ts.
 */
import { Engine } from './engine.js';
import type { Plan } from './plan/layout.js';
import { parentPort } from './platform.js';

type Message = { kind: 'init'; module: WebAssembly.Module; plan: Plan } | { kind: 'run'; id: number; input: Float32Array; n: number };

const port = await parentPort();
let engine: Promise<Engine> | undefined;
/**
 * The module as first received: each message deserialises a new Module object for the same
 * compiled code, and Engine.create reuses a released instance only of the same object.
 */
let module: WebAssembly.Module | undefined;
port.onMessage((m) => {
  const msg = m as Message;
  if (msg.kind === 'init') {
    const previous = engine;
    engine = (async () => {
      (await previous?.catch(() => undefined))?.release();
      module ??= msg.module;
      return Engine.create(msg.plan, module);
    })();
    engine.then(() => port.postMessage({ kind: 'ready' }), (e: unknown) => port.postMessage({ kind: 'error', message: String(e) }));
    return;
  }
  void engine!.then((e) => {
    try {
      const output = e.run(msg.input, msg.n);
      port.postMessage({ kind: 'done', id: msg.id, output }, [output.buffer]);
    } catch (err) {
      port.postMessage({ kind: 'done', id: msg.id, error: String(err) });
    }
  });
});
