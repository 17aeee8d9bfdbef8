/**
 * Results of `start(i)` for i = from..to-1, yielded in order while at most `depth` are in
 * flight or waiting: the work runs ahead of the consumer by a bounded amount, so memory stays
 * bounded whatever the count. When the consumer stops early (or a result fails), the started
 * work is awaited before the generator returns, so nothing is left running.
 */
export async function* inOrder<T>(from: number, to: number, depth: number, start: (i: number) => Promise<T>): AsyncGenerator<T> {
  const window: Promise<T>[] = [];
  let next = from;
  const fill = () => {
    while (next < to && window.length < depth) {
      const p = start(next++);
      p.catch(() => undefined); // awaited in turn below; a failure meanwhile is not unhandled
      window.push(p);
    }
  };
  try {
    fill();
    while (window.length > 0) {
      const result = await window[0]!;
      window.shift();
      fill();
      yield result;
    }
  } finally {
    await Promise.allSettled(window);
  }
}
