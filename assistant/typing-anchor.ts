/**
 * Where the model's fill-in-the-middle prompt is frozen while the user types.
 *
 * The prompt ends `…<fim_suffix>{suffix}<fim_middle>`. Text typed after the
 * anchor is not spliced into the prefix (which would change the prompt in the
 * middle, and with it every token after, suffix included) but appended after
 * `<fim_middle>` as the start of the middle — the same meaning to a FIM model,
 * and a prompt that only grows at its end, so each keystroke evaluates just
 * the typed tokens. The anchor moves when the edit is anywhere else.
 */
export interface Anchor<S = unknown> {
  path: string;
  /** The buffer before the anchor. */
  prefix: string;
  /** The buffer after the cursor when anchored (unchanged while typing at the cursor). */
  suffix: string;
  /** What the anchor's prompt was built from (kept as is for cache reuse). */
  state: S;
}

/** Typed text longer than this (or spanning more lines) re-anchors: the prompt should see it as prefix again. */
const MAX_TYPED_CHARS = 256;
const MAX_TYPED_LINES = 3;

export class TypingAnchors<S = unknown> {
  private readonly anchors = new Map<string, Anchor<S>>();

  constructor(private readonly capacity = 64) {}

  /**
   * The anchor for a request and the text typed since it, or null when the
   * edit is not a continuation (another file, text changed elsewhere, the
   * cursor moved back, too much typed).
   */
  match(client: string, path: string, prefix: string, suffix: string): { anchor: Anchor<S>; typed: string } | null {
    const a = this.anchors.get(client);
    if (!a || a.path !== path || a.suffix !== suffix || !prefix.startsWith(a.prefix)) return null;
    const typed = prefix.slice(a.prefix.length);
    if (typed.length > MAX_TYPED_CHARS || typed.split('\n').length > MAX_TYPED_LINES) return null;
    return { anchor: a, typed };
  }

  set(client: string, anchor: Anchor<S>): void {
    this.anchors.delete(client);
    this.anchors.set(client, anchor);
    if (this.anchors.size > this.capacity) this.anchors.delete(this.anchors.keys().next().value!);
  }

  clear(client?: string): void {
    if (client === undefined) this.anchors.clear();
    else this.anchors.delete(client);
  }
}
