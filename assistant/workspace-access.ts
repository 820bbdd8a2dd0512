import type { CvuConfig } from '../config/schema.js';
import type { Snippet } from '../protocol/snippet.js';
import type { ContextRequest, ContextResult } from '../retrieval/context.js';
import type { SearchOptions } from '../retrieval/search.js';
import type { CompletionWorkspace } from './complete.js';

/**
 * What the assistant's features use of a workspace: its config, cursor
 * retrieval, search, a file's language and text. `Workspace`
 * (workspace/workspace.ts) is one; the assistant never reads files itself.
 */
export interface AssistantWorkspace extends CompletionWorkspace {
  readonly root: string;
  readonly config: CvuConfig;
  context(req: ContextRequest): Promise<ContextResult>;
  search(query: string, opts?: SearchOptions): Promise<Snippet[]>;
  languageOf(path: string): string;
  /** A file's text on disk, for a request that sent no buffer (CVU_ERR_NOT_FOUND, CVU_ERR_FORBIDDEN for secrets, CVU_ERR_FILE_UNREADABLE). */
  readFile(path: string): string;
}
