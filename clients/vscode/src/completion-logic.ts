/**
 * Inline completion, free of the `vscode` API: which requests to send
 * (enable switch, language list, selection, suggest widget), when (debounce),
 * what to cancel (the editor's cancellation token aborts the HTTP request),
 * what to reuse (a cache per document version), and where the answer goes
 * (an LSP range in UTF-16 code units, as VS Code counts them).
 */
import type { CompleteRequestBody, CompleteResponse, Position } from '../../daemon-client.js';
import { isCvuError } from '../../../core/errors.js';
import { offsetAt, positionAt } from '../../../core/text-position.js';

export interface CompletionSettings {
  enable: boolean;
  debounceMs: number;
  maxCompletionTokens: number;
  /** VS Code language ids; `*` disables every language. */
  disabledLanguages: string[];
}

export interface DocumentSnapshot {
  /** The document's URI as a string: the cache key. */
  uri: string;
  /** The file path sent to the daemon. */
  fsPath: string;
  version: number;
  languageId: string;
  /** The whole (unsaved) buffer. */
  text: string;
}

export interface CompletionRequestContext {
  position: Position;
  /** A non-empty selection is active in the editor. */
  hasSelection: boolean;
  /** Invoked explicitly (no debounce) or automatically while typing. */
  trigger: 'automatic' | 'invoke';
  /** The suggest widget shows an item: the widget decides, Cvu stays quiet. */
  suggestWidgetVisible?: boolean;
}

/** The part of a CancellationToken this logic reads. */
export interface CancellationLike {
  isCancellationRequested: boolean;
  onCancellationRequested(listener: () => void): { dispose(): void };
}

export interface InlineItem {
  insertText: string;
  range: { start: Position; end: Position };
  /** From the engine's cache (no request sent). */
  fromCache: boolean;
}

export interface CompletionEngineDeps {
  complete(body: CompleteRequestBody, opts: { signal: AbortSignal }): Promise<CompleteResponse>;
  settings(): CompletionSettings;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  log?: (level: 'debug' | 'warn', message: string) => void;
  /** Documents whose cache is kept (default 20). */
  maxCachedDocuments?: number;
}

/** Why a request was not sent (for logs and tests). */
export type SkipReason = 'disabled' | 'language' | 'selection' | 'suggest-widget' | 'cancelled' | 'superseded' | 'empty' | 'error';

export function isLanguageDisabled(languageId: string, disabled: readonly string[]): boolean {
  return disabled.some((l) => l === '*' || l.toLowerCase() === languageId.toLowerCase());
}

/** Why no completion should be asked for here, or null when one should. */
export function skipReason(doc: Pick<DocumentSnapshot, 'languageId'>, ctx: CompletionRequestContext, settings: CompletionSettings): SkipReason | null {
  if (!settings.enable) return 'disabled';
  if (isLanguageDisabled(doc.languageId, settings.disabledLanguages)) return 'language';
  if (ctx.hasSelection) return 'selection';
  if (ctx.suggestWidgetVisible) return 'suggest-widget';
  return null;
}

/** Where the cursor ends after inserting `text` at `pos` (UTF-16 columns; CRLF or LF). */
export function endAfterInsert(pos: Position, text: string): Position {
  const parts = text.split(/\r\n|\n/);
  if (parts.length === 1) return { line: pos.line, character: pos.character + text.length };
  return { line: pos.line + parts.length - 1, character: parts[parts.length - 1].length };
}

function eolOf(text: string): '\r\n' | '\n' {
  const nl = text.indexOf('\n');
  return nl > 0 && text[nl - 1] === '\r' ? '\r\n' : '\n';
}

/**
 * The inline item for a `/complete` answer at `pos`: the completion is
 * inserted at the cursor, its line breaks in the document's own style; when
 * its first line ends with the rest of the cursor's line (the model wrote the
 * closing `)` again), the range covers that rest so that accepting it does
 * not duplicate it. Null when there is nothing to show.
 */
export function toInlineItem(text: string, pos: Position, completion: string): Omit<InlineItem, 'fromCache'> | null {
  if (!completion || !completion.trim()) return null;
  const eol = eolOf(text);
  const insertText = completion.replace(/\r\n/g, '\n').split('\n').join(eol);
  const start = offsetAt(text, pos);
  const cursor = positionAt(text, start);
  let lineEnd = text.indexOf('\n', start);
  if (lineEnd < 0) lineEnd = text.length;
  if (lineEnd > start && text[lineEnd - 1] === '\r') lineEnd--;
  const restOfLine = text.slice(start, lineEnd);
  const firstLine = insertText.split(/\r\n|\n/)[0];
  let end = cursor;
  if (restOfLine.trim() && firstLine.endsWith(restOfLine)) end = { line: cursor.line, character: cursor.character + restOfLine.length };
  return { insertText, range: { start: cursor, end } };
}

function defaultSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

export class CompletionEngine {
  /** uri → the version its entries belong to, and completions by cursor offset. */
  private readonly cache = new Map<string, { version: number; entries: Map<number, string> }>();
  private pending: AbortController | null = null;
  /** What the last call did (tests and logs). */
  lastSkip: SkipReason | null = null;
  requests = 0;

  constructor(private readonly deps: CompletionEngineDeps) {}

  /** uri → the document version last prefilled. */
  private readonly prefilled = new Map<string, number>();

  /** Drops a document's cache (closed). */
  forget(uri: string): void {
    this.cache.delete(uri);
    this.prefilled.delete(uri);
  }

  clear(): void {
    this.cache.clear();
    this.prefilled.clear();
  }

  /**
   * A document was opened (shown in an editor): asks the daemon to evaluate
   * the prompt at the cursor without generating (`prefill: true`), so that
   * the first completion there reuses the model's cache. Once per document
   * version; not where completions are off; never in the way of a
   * completion (a newer request from this client supersedes it in the
   * daemon). Resolves to whether it was sent; failures are only logged.
   */
  async prefill(doc: DocumentSnapshot, position: Position, opts: { timeoutMs?: number } = {}): Promise<boolean> {
    const settings = this.deps.settings();
    if (skipReason(doc, { position, hasSelection: false, trigger: 'automatic' }, settings)) return false;
    if (this.prefilled.get(doc.uri) === doc.version) return false;
    this.prefilled.set(doc.uri, doc.version);
    const max = this.deps.maxCachedDocuments ?? 20;
    while (this.prefilled.size > max) this.prefilled.delete(this.prefilled.keys().next().value as string);
    try {
      await this.deps.complete(
        { path: doc.fsPath, text: doc.text, position, language: doc.languageId, prefill: true },
        { signal: AbortSignal.timeout(opts.timeoutMs ?? 30_000) },
      );
    } catch (err) {
      if (!isCvuError(err, 'CVU_ERR_ABORTED')) this.deps.log?.('debug', `prefill failed: ${(err as Error).message}`);
    }
    return true;
  }

  cached(doc: DocumentSnapshot, pos: Position): string | undefined {
    const c = this.cache.get(doc.uri);
    if (!c || c.version !== doc.version) return undefined;
    return c.entries.get(offsetAt(doc.text, pos));
  }

  private remember(doc: DocumentSnapshot, pos: Position, completion: string): void {
    let c = this.cache.get(doc.uri);
    if (!c || c.version !== doc.version) {
      c = { version: doc.version, entries: new Map() };
    }
    // Most recently used last; the oldest document goes first.
    this.cache.delete(doc.uri);
    this.cache.set(doc.uri, c);
    c.entries.set(offsetAt(doc.text, pos), completion);
    const max = this.deps.maxCachedDocuments ?? 20;
    while (this.cache.size > max) this.cache.delete(this.cache.keys().next().value as string);
  }

  /** The inline items for this request: [] when none, after the debounce and the request. */
  async provide(doc: DocumentSnapshot, ctx: CompletionRequestContext, token?: CancellationLike): Promise<InlineItem[]> {
    const settings = this.deps.settings();
    this.lastSkip = skipReason(doc, ctx, settings);
    if (this.lastSkip) return [];

    const hit = this.cached(doc, ctx.position);
    if (hit !== undefined) {
      const item = toInlineItem(doc.text, ctx.position, hit);
      return item ? [{ ...item, fromCache: true }] : [];
    }

    // The newest request wins: an older one still waiting or in flight is aborted.
    this.pending?.abort(new Error('superseded'));
    const controller = new AbortController();
    this.pending = controller;
    const sub = token?.onCancellationRequested(() => controller.abort(new Error('cancelled')));
    if (token?.isCancellationRequested) controller.abort(new Error('cancelled'));
    try {
      const wait = ctx.trigger === 'invoke' ? 0 : Math.max(0, settings.debounceMs);
      if (wait > 0) await (this.deps.sleep ?? defaultSleep)(wait, controller.signal);
      if (controller.signal.aborted) throw controller.signal.reason;
      this.requests++;
      const res = await this.deps.complete(
        { path: doc.fsPath, text: doc.text, position: ctx.position, language: doc.languageId, ...(settings.maxCompletionTokens > 0 ? { maxTokens: settings.maxCompletionTokens } : {}) },
        { signal: controller.signal },
      );
      if (controller.signal.aborted) throw controller.signal.reason;
      this.remember(doc, ctx.position, res.completion);
      const item = toInlineItem(doc.text, ctx.position, res.completion);
      if (!item) this.lastSkip = 'empty';
      return item ? [{ ...item, fromCache: false }] : [];
    } catch (err) {
      if (controller.signal.aborted) {
        this.lastSkip = token?.isCancellationRequested ? 'cancelled' : 'superseded';
        return [];
      }
      this.lastSkip = 'error';
      if (!isCvuError(err, 'CVU_ERR_ABORTED')) this.deps.log?.('warn', `completion failed: ${(err as Error).message}`);
      return [];
    } finally {
      sub?.dispose();
      if (this.pending === controller) this.pending = null;
    }
  }
}
