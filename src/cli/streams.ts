/**
 * The output streams the CLI writes to. The binary passes process.stdout/stderr; tests pass
 * string buffers (vitest's cli-api pattern), so the CLI runs without a process.
 */
export interface TextSink {
  write(text: string): unknown;
  /** True when the sink is an interactive terminal (live progress lines, colours). */
  readonly isTTY?: boolean;
}

export interface Streams {
  readonly stdout: TextSink;
  readonly stderr: TextSink;
}

/** A sink that keeps what is written, for tests and for callers that want the text. */
export class BufferSink implements TextSink {
  private readonly chunks: string[] = [];
  readonly isTTY = false;
  write(text: string): boolean {
    this.chunks.push(text);
    return true;
  }
  get text(): string {
    return this.chunks.join('');
  }
}

/** Streams over two fresh BufferSinks. */
export function bufferStreams(): { stdout: BufferSink; stderr: BufferSink } {
  return { stdout: new BufferSink(), stderr: new BufferSink() };
}
