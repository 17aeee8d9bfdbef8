import type { EventSink, SwpruneEvent } from '../../src/api/events.js';

/** A sink that keeps every event, for assertions on what a command reported. */
export function recordEvents(): {
  sink: EventSink;
  events: SwpruneEvent[];
  of: <K extends SwpruneEvent['kind']>(kind: K) => Extract<SwpruneEvent, { kind: K }>[];
} {
  const events: SwpruneEvent[] = [];
  return {
    sink: (e) => events.push(e),
    events,
    of: (kind) => events.filter((e) => e.kind === kind) as never,
  };
}

/** Thrown by `killAfterCheckpoints`: the run stops as if the process were killed. */
export class Killed extends Error {}

/** A sink that stops the run (as a kill would) right after its n-th checkpoint was written. */
export function killAfterCheckpoints(n: number): EventSink {
  let seen = 0;
  return (e) => {
    if (e.kind === 'checkpoint' && ++seen >= n) throw new Killed(`killed after checkpoint ${n}`);
  };
}
