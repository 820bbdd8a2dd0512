// What cursor retrieval reads, in a module of its own: every part of it (cursor-context.ts and the
// modules it gathers from) takes it.
import type { Logger } from '../core/log.js';
import type { TokenCounter } from '../core/tokens.js';
import type { Embedder } from '../models/embedder.js';
import type { ImportSources } from './import-graph.js';
import type { RecentEdits } from './recent-edits.js';

/** What cursor retrieval reads; the Workspace provides it. */
export interface ContextSources extends ImportSources {
  /** A loaded embedder, or null (none configured, or still loading: never wait for it here). */
  embedder: Embedder | null;
  recent: RecentEdits;
  tokens: TokenCounter;
  /** Where a failing embedding model is reported. */
  log?: Logger;
}
