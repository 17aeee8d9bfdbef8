/**
 * A runtime worker thread: receives the compiled module and a plan, builds its own engine
 * (its own memory), then runs the images it is sent (threads.ts); and, for a Team (team.ts),
 * an engine on a shared memory whose programs it runs as thread `thread` of each call.
 */
import { Engine } from './engine.js';
import type { Plan } from './plan/layout.js';
import { parentPort } from './platform.js';
import { timeDescriptors } from './profile.js';
import { CALL, CALL_SLOT, failTeam, LISTEN_MS, type TeamMessage } from './team.js';

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
interface TeamThread {
  engine: Engine;
  plan: Plan;
  memory: WebAssembly.Memory;
  thread: number;
  /** This worker's control words (team.ts, CALL). */
  control: Int32Array;
}
let team: Promise<TeamThread> | undefined;

/** Runs this thread's part of a team call; a trap fails the call (the other threads run to their programs' ends). */
function teamCall(t: TeamThread, n: number, segment: number, id: number): void {
  try {
    t.engine.runPrograms(n, t.thread, segment < 0 ? undefined : segment);
  } catch (err) {
    failTeam(t.plan, t.memory);
    port.postMessage({ kind: 'team-error', id, error: String(err) });
  }
}

/**
 * A team call (this worker's state already busy), then the next ones as they come through
 * shared memory, for as long as the caller sends them within LISTEN_MS of each other (asleep in
 * Atomics.wait); back to the event loop after that, or when the caller releases this worker
 * (team.ts).
 */
function serveTeam(t: TeamThread, n: number, segment: number, id: number): void {
  const c = t.control;
  teamCall(t, n, segment, id);
  for (;;) {
    const was = Atomics.compareExchange(c, 0, CALL.busy, CALL.listening);
    if (was === CALL.leave) break;
    if (was === CALL.go) {
      // The next call came while this one ended.
      Atomics.store(c, 0, CALL.busy);
      teamCall(t, c[1]!, c[2]!, c[3]!);
      continue;
    }
    const t0 = performance.now();
    let s: number = CALL.listening;
    for (let left = LISTEN_MS; s === CALL.listening && left > 0; left = LISTEN_MS - (performance.now() - t0)) {
      Atomics.wait(c, 0, CALL.listening, Math.min(left, 50));
      s = Atomics.load(c, 0);
    }
    if (s === CALL.listening && Atomics.compareExchange(c, 0, CALL.listening, CALL.away) === CALL.listening) return;
    if (Atomics.load(c, 0) !== CALL.go) return; // released
    Atomics.store(c, 0, CALL.busy);
    teamCall(t, c[1]!, c[2]!, c[3]!);
  }
  Atomics.store(c, 0, CALL.away);
}
port.onMessage((m) => {
  const msg = m as Message;
  if (msg.kind === 'team-init') {
    team = Engine.attach(msg.plan, msg.module, msg.memory).then((engine) => ({
      engine,
      plan: msg.plan,
      memory: msg.memory,
      thread: msg.thread,
      control: new Int32Array(msg.control, 4 * CALL_SLOT * (msg.thread - 1), CALL_SLOT),
    }));
    team.then(
      () => port.postMessage({ kind: 'team-ready' }),
      (e: unknown) => port.postMessage({ kind: 'team-error', message: String(e) }),
    );
    return;
  }
  if (msg.kind === 'team-run') {
    void team!.then((t) => {
      Atomics.store(t.control, 0, CALL.busy);
      serveTeam(t, msg.n, msg.segment ?? -1, msg.id);
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
