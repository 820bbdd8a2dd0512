export interface CommandIO {
  cwd: string;
  out(line: string): void;
  err(line: string): void;
}
