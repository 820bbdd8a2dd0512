import { Type, type Static } from '../core/typebox.js';

/** Which retriever found a snippet (API.md). */
export const SnippetSourceSchema = Type.Union([Type.Literal('symbol'), Type.Literal('fts'), Type.Literal('vector'), Type.Literal('recent'), Type.Literal('open')], {
  description: 'which retriever found it: `symbol` (a definition), `fts` (full-text search), `vector` (similar code), `recent` (recently edited), `open` (the open buffer)',
});
export type SnippetSource = Static<typeof SnippetSourceSchema>;

/** A piece of workspace code handed to a client or a prompt; lines 1-based inclusive. */
export const SnippetSchema = Type.Object(
  {
    path: Type.String({ description: 'workspace-relative, `/` separators' }),
    startLine: Type.Integer({ minimum: 1, description: 'first line, 1-based' }),
    endLine: Type.Integer({ minimum: 1, description: 'last line, 1-based inclusive' }),
    text: Type.String(),
    score: Type.Number({ description: 'rank score (higher is better; comparable within one answer only)' }),
    source: SnippetSourceSchema,
    symbol: Type.Optional(Type.Union([Type.String(), Type.Null()], { description: 'the definition or declaration the snippet holds, when known' })),
  },
  { title: 'Snippet' },
);
export type Snippet = Static<typeof SnippetSchema>;
