import crypto from 'node:crypto';

interface Entry {
  path: string;
  prefix: string;
  suffixHash: string;
  completion: string;
}

/**
 * Completions already computed, so that repeating a request, or typing the
 * first characters of the suggestion just shown, costs no model call.
 */
export class CompletionCache {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly capacity = 256) {}

  private key(path: string, prefix: string, suffix: string): string {
    return `${path}\0${hash(prefix)}\0${hash(suffix)}`;
  }

  put(path: string, prefix: string, suffix: string, completion: string): void {
    if (!completion) return;
    const key = this.key(path, prefix, suffix);
    this.entries.delete(key);
    this.entries.set(key, { path, prefix, suffixHash: hash(suffix), completion });
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
  }

  /**
   * The completion for exactly this prefix and suffix, or the rest of one the
   * user is typing through: the new prefix is an old prefix plus the start of
   * that old completion.
   */
  get(path: string, prefix: string, suffix: string): string | null {
    const exact = this.entries.get(this.key(path, prefix, suffix));
    if (exact) return exact.completion;
    const suffixHash = hash(suffix);
    // Newest first: the suggestion on screen is the likeliest one being typed through.
    for (const e of [...this.entries.values()].reverse()) {
      if (e.path !== path || e.suffixHash !== suffixHash || prefix.length <= e.prefix.length) continue;
      if (!prefix.startsWith(e.prefix)) continue;
      const typed = prefix.slice(e.prefix.length);
      if (e.completion.startsWith(typed) && e.completion.length > typed.length) return e.completion.slice(typed.length);
    }
    return null;
  }

  /** Drops a file's entries (the file changed elsewhere than at the cursor). */
  forget(path: string): void {
    for (const [k, e] of this.entries) if (e.path === path) this.entries.delete(k);
  }
}

function hash(s: string): string {
  return crypto.createHash('sha1').update(s).digest('base64');
}
