/** Which retriever found a snippet (API.md). */
export type SnippetSource = 'symbol' | 'fts' | 'vector' | 'recent' | 'open';

/** A piece of workspace code handed to a client or a prompt; lines 1-based inclusive. */
export interface Snippet {
  path: string;
  startLine: number;
  endLine: number;
  text: string;
  score: number;
  source: SnippetSource;
  /** The definition or declaration the snippet holds, when known. */
  symbol?: string | null;
}
