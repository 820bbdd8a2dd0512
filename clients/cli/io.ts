export interface CommandIO {
  cwd: string;
  out(line: string): void;
  err(line: string): void;
  /** Writes text to stdout as it comes, without a newline (streamed answers); absent: commands print whole lines. */
  write?(text: string): void;
}
