/**
 * A runtime worker thread: receives the compiled module and a plan, builds its own engine
 * (its own memory), then runs the images it is sent (threads.ts); and, for a Team (team.ts),
 * an engine on a shared memory whose programs it runs as thread `thread` of each call.
 */
import { Engine } from './engine.js';
import type { Plan } from './plan/layout.js';
import { parentPort } from './platform.js';
import { timeDescriptors } from './profile.js';
import { failTeam, type TeamMessage } from './team.js';

type Message =
  | { kind: 'init'; module: WebAssembly.Module; plan: Plan }
  | { kind: 'run'; id: number; input: Float32Array; n: number }
  | { kind: 'profile'; id: number; input: Float32Array; n: number; reps: number }
  | TeamMessage;

const port = await parentPort();
let engine: Promise<Engine> | undefined;
/** The plan `engine` was made for. */
let plan: Plan | undefined;
/**
 * The module as first received: each message deserialises a new Module object for the same
 * compiled code, and Engine.create reuses a released instance only of the same object.
 */
let module: WebAssembly.Module | undefined;
let team: Promise<{ engine: Engine; plan: Plan; memory: WebAssembly.Memory; thread: number }> | undefined;
port.onMessage((m) => {
  const msg = m as Message;
  if (msg.kind === 'team-init') {
    team = Engine.attach(msg.plan, msg.module, msg.memory).then((engine) => ({
      engine,
      plan: msg.plan,
      memory: msg.memory,
      thread: msg.thread,
    }));
    team.then(
      () => port.postMessage({ kind: 'team-ready' }),
      (e: unknown) => port.postMessage({ kind: 'team-error', message: String(e) }),
    );
    return;
  }
  if (msg.kind === 'team-run') {
    void team!.then((t) => {
      try {
        t.engine.runPrograms(msg.n, t.thread, msg.segment);
      } catch (err) {
        failTeam(t.plan, t.memory);
        port.postMessage({ kind: 'team-error', id: msg.id, error: String(err) });
      }
    });
    return;
  }
  if (msg.kind === 'team-close') {
    team = undefined;
    return;
  }
  if (msg.kind === 'init') {
    const previous = engine;
    engine = (async () => {
      (await previous?.catch(() => undefined))?.release();
      module ??= msg.module;
      plan = msg.plan;
      return Engine.create(msg.plan, module);
    })();
    engine.then(
      () => port.postMessage({ kind: 'ready' }),
      (e: unknown) => port.postMessage({ kind: 'error', message: String(e) }),
    );
    return;
  }
  if (msg.kind === 'profile') {
    void engine!.then((e) => {
      try {
        port.postMessage({ kind: 'profiled', id: msg.id, times: timeDescriptors(e, plan!, msg.input, msg.n, msg.reps) });
      } catch (err) {
        port.postMessage({ kind: 'profiled', id: msg.id, error: String(err) });
      }
    });
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
