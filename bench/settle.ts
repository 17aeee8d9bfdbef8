/**
 * Fair turns between engines in one process: before each engine's timing, wait until the
 * process's other threads are idle. onnxruntime-web's worker threads keep a core busy for a
 * while after run() returns (measured: the runtime's 2-thread batch-1 call on a VGG-shaped net
 * took 2.3 ms after onnxruntime-node but 4-5 ms right after onnxruntime-web, 2.3 after a 20 ms
 * pause), so whichever engine ran next was timed on a machine one core short. On Linux each
 * thread's time on a CPU is read from /proc/self/task/<tid>/schedstat (nanoseconds); elsewhere
 * a fixed pause stands in.
 */
import * as fs from 'node:fs';

/** A window in which the other threads ran less than this share of the wall time counts as idle. */
const IDLE_SHARE = 0.1;
const WINDOW_MS = 2;
const PAUSE_MS = 20;

/** Nanoseconds the process's threads other than the calling (main) one have spent on a CPU; null where /proc does not say. */
function othersOnCpuNs(): number | null {
  let tasks: string[];
  try {
    tasks = fs.readdirSync('/proc/self/task');
  } catch {
    return null;
  }
  let ns = 0;
  for (const tid of tasks) {
    if (Number(tid) === process.pid) continue;
    try {
      ns += Number(fs.readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return ns;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Waits until a window of about WINDOW_MS in which the other threads used under IDLE_SHARE of
 * it (at most `maxMs`); resolves to the milliseconds waited. Without /proc: a PAUSE_MS pause.
 */
export async function settle(maxMs = 250): Promise<number> {
  const t0 = performance.now();
  let before = othersOnCpuNs();
  if (before === null) {
    await sleep(PAUSE_MS);
    return performance.now() - t0;
  }
  for (;;) {
    const w0 = performance.now();
    await sleep(WINDOW_MS);
    const after = othersOnCpuNs()!;
    const busy = (after - before) / 1e6;
    before = after;
    if (busy < IDLE_SHARE * (performance.now() - w0) || performance.now() - t0 >= maxMs) return performance.now() - t0;
  }
}
