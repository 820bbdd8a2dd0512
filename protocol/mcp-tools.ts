/**
 * The MCP tools' contract (API.md, MCP): each tool's input schema and the shape of its
 * `structuredContent`. Agents read these schemas from `tools/list`, so they are kept small: every
 * byte of a tool definition is in the agent's context window on every turn.
 */
import { Type, type Static, type TSchema } from '../core/typebox.js';

const maxTokens = Type.Optional(Type.Integer({ minimum: 100, maximum: 20000, description: 'Answer budget in tokens (default 2000).' }));

export const SearchCodeInput = Type.Object(
  {
    query: Type.String({ minLength: 1, maxLength: 2000, description: 'A question in plain words or a piece of code.' }),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 50, description: 'Most results (default 10).' })),
    path: Type.Optional(Type.String({ minLength: 1, description: 'Only paths matching this glob or folder, e.g. "src/**/*.ts".' })),
    maxTokens,
  },
  { additionalProperties: false },
);

export const FindDefinitionInput = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 500, description: 'A name, or Container.member.' }), maxTokens },
  { additionalProperties: false },
);

export const FindReferencesInput = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 500, description: 'A name, or Container.member.' }),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, description: 'Most files (default 20).' })),
    maxTokens,
  },
  { additionalProperties: false },
);

export const ContextForInput = Type.Object(
  {
    path: Type.String({ minLength: 1, description: 'File path, absolute or relative to the workspace root.' }),
    line: Type.Integer({ minimum: 1, description: '1-based line.' }),
    column: Type.Optional(Type.Integer({ minimum: 1, description: '1-based column (default 1).' })),
    maxTokens,
  },
  { additionalProperties: false },
);

export const OutlineInput = Type.Object(
  { path: Type.String({ minLength: 1, description: 'A file or folder; "." for the workspace root.' }), maxTokens },
  { additionalProperties: false },
);

/** One place in the code: 1-based inclusive lines, as agents read files. Tools add their own fields. */
const Location = Type.Object({ path: Type.String(), startLine: Type.Integer(), endLine: Type.Integer() });

/** Every tool's structuredContent: its results, whether the budget cut some, and how far indexing is. */
export const ToolOutput = Type.Object({
  results: Type.Array(Location),
  truncated: Type.Boolean(),
  indexing: Type.Optional(Type.Object({ files: Type.Integer() })),
});

export interface ToolDefinition {
  name: string;
  description: string;
  inputSchema: TSchema;
  outputSchema: TSchema;
}

/** The tools as `tools/list` gives them: a description written for an agent that has never seen Cvu (when to use which). */
export const MCP_TOOLS: readonly ToolDefinition[] = [
  {
    name: 'search_code',
    description:
      'Search the codebase for a question in plain words ("where are retries configured?") or a code fragment. Ranked snippets with path:start-end. Use when you do not know the name of what you look for.',
    inputSchema: SearchCodeInput,
    outputSchema: ToolOutput,
  },
  {
    name: 'find_definition',
    description: 'Where a function, class, type, method (Class.method) or constant is defined: its signature and a short body, with path:start-end. Use when you know the name.',
    inputSchema: FindDefinitionInput,
    outputSchema: ToolOutput,
  },
  {
    name: 'find_references',
    description: 'Where a name is used, grouped by file, definitions first, each line with its number. Use before changing, renaming or removing something.',
    inputSchema: FindReferencesInput,
    outputSchema: ToolOutput,
  },
  {
    name: 'context_for',
    description: 'What the code at path:line needs from other files: the definitions of the names used around it, and related code. Use before editing a line.',
    inputSchema: ContextForInput,
    outputSchema: ToolOutput,
  },
  {
    name: 'outline',
    description: 'The definitions of a file or folder as a compact tree with line numbers. Use to see the shape of a file or package before reading it.',
    inputSchema: OutlineInput,
    outputSchema: ToolOutput,
  },
];

export type SearchCodeArgs = Static<typeof SearchCodeInput>;
export type FindDefinitionArgs = Static<typeof FindDefinitionInput>;
export type FindReferencesArgs = Static<typeof FindReferencesInput>;
export type ContextForArgs = Static<typeof ContextForInput>;
export type OutlineArgs = Static<typeof OutlineInput>;
export type ToolResultContent = Static<typeof ToolOutput>;
