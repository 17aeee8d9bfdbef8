/**
 * The output streams a command writes to. The CLI passes process.stdout/stderr; tests pass
 * string buffers (vitest's cli-api pattern), so every command is callable without a process.
 */
export interface TextSink {
  write(text: string): unknown;
  /** True when the sink is an interactive terminal (live progress lines, colours). */
  readonly isTTY?: boolean;
}

export interface CliIO {
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

/** CliIO over two fresh BufferSinks. */
export function bufferIO(): { stdout: BufferSink; stderr: BufferSink } {
  return { stdout: new BufferSink(), stderr: new BufferSink() };
}
