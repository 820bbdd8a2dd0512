/**
 * A one-line progress bar on stderr when it is a terminal; silent otherwise
 * (pipes, CI, --json), so stdout stays clean.
 */
export class ProgressBar {
  private lastDraw = 0;
  private active = false;
  constructor(private readonly stream: NodeJS.WriteStream = process.stderr, private readonly enabled = Boolean(process.stderr.isTTY)) {}

  update(label: string, done: number, total: number): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.lastDraw < 80 && done < total) return;
    this.lastDraw = now;
    const width = 28;
    const ratio = total > 0 ? Math.min(1, done / total) : 0;
    const filled = Math.round(ratio * width);
    const bar = total > 0 ? `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total}` : '…';
    this.stream.write(`\r\x1b[2K${label} ${bar}`);
    this.active = true;
  }

  done(): void {
    if (this.active) this.stream.write('\r\x1b[2K');
    this.active = false;
  }
}
