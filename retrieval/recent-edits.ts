/** A region of a workspace file that changed recently (a save, an edit seen by the watcher). */
export interface EditedRegion {
  path: string;
  startLine: number;
  endLine: number;
  at: number;
}

/**
 * The last few edited regions, newest first: what the user is working on now
 * is often what the next completion needs.
 */
export class RecentEdits {
  private regions: EditedRegion[] = [];

  constructor(private readonly capacity = 32) {}

  record(path: string, startLine: number, endLine: number, at = Date.now()): void {
    this.regions = [{ path, startLine, endLine, at }, ...this.regions.filter((r) => !(r.path === path && r.startLine === startLine))].slice(0, this.capacity);
  }

  forget(path: string): void {
    this.regions = this.regions.filter((r) => r.path !== path);
  }

  list(maxAgeMs = 30 * 60_000, now = Date.now()): EditedRegion[] {
    return this.regions.filter((r) => now - r.at <= maxAgeMs);
  }
}
