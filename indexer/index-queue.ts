import type { WalkedFile } from './walker.js';

/** Files that make a folder a package of its own (a monorepo's unit). */
const MANIFESTS = ['package.json', 'go.mod', 'Cargo.toml', 'pyproject.toml', 'setup.py', 'pom.xml', 'build.gradle', 'build.gradle.kts', 'composer.json', 'Gemfile', 'tsconfig.json'];

/**
 * The files a sync still has to index, handed out a batch at a time in walk
 * order, except that the package of a file the user is working in goes first
 * (`focus`): on a large tree, the first index takes minutes, and the code
 * around the cursor should be searchable within seconds of opening it.
 */
export class IndexQueue {
  private next = 0;
  private readonly taken: Uint8Array;
  private left: number;
  /** Indexes of focused files, most recent focus first, from `focusHead` on. */
  private focused: number[] = [];
  private focusHead = 0;
  private paths: Set<string> | null = null;
  private readonly focusedFolders = new Set<string>();

  constructor(private readonly files: readonly WalkedFile[]) {
    this.taken = new Uint8Array(files.length);
    this.left = files.length;
  }

  get size(): number {
    return this.left;
  }

  /**
   * Puts the files around `rel` (workspace-relative) first: its own folder's, then the rest of its
   * package (the nearest folder above with a manifest: package.json, go.mod, Cargo.toml…; without
   * one, the folder above). A folder focused before is not queued again.
   */
  focus(rel: string): void {
    if (!this.left) return;
    const folder = rel.slice(0, rel.lastIndexOf('/') + 1);
    const order = [folder, this.packageOf(folder)].filter((f) => !this.focusedFolders.has(f));
    if (!order.length) return;
    const hits: number[] = [];
    for (const prefix of order) {
      this.focusedFolders.add(prefix);
      for (let i = this.next; i < this.files.length; i++) if (!this.taken[i] && this.files[i].path.startsWith(prefix)) hits.push(i);
    }
    this.focused = [...hits, ...this.focused.slice(this.focusHead)];
    this.focusHead = 0;
  }

  /** The next batch: at least one file, at most `maxFiles`, and within `maxBytes` of source (by size) beyond its first file. */
  take(maxFiles: number, maxBytes: number): WalkedFile[] {
    const out: WalkedFile[] = [];
    let bytes = 0;
    const add = (i: number): boolean => {
      const f = this.files[i];
      if (out.length && (out.length >= maxFiles || bytes + f.size > maxBytes)) return false;
      this.taken[i] = 1;
      this.left--;
      bytes += f.size;
      out.push(f);
      return true;
    };
    for (; this.focusHead < this.focused.length; this.focusHead++) {
      const i = this.focused[this.focusHead];
      if (!this.taken[i] && !add(i)) return out;
    }
    for (; this.next < this.files.length; this.next++) {
      if (!this.taken[this.next] && !add(this.next)) break;
    }
    return out;
  }

  private packageOf(folder: string): string {
    this.paths ??= new Set(this.files.map((f) => f.path));
    const parts = folder.split('/').filter(Boolean);
    for (let n = parts.length; n > 0; n--) {
      const dir = parts.slice(0, n).join('/') + '/';
      if (MANIFESTS.some((m) => this.paths!.has(dir + m))) return dir;
    }
    return parts.length > 1 ? parts.slice(0, -1).join('/') + '/' : folder;
  }
}
