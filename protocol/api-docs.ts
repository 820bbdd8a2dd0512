/**
 * docs/api.md, rendered from the route table and its schemas
 * (protocol/routes.ts), so that the reference says what the daemon
 * validates and answers. `npm run docs:api` writes it; a test fails when the
 * file is not what this renders.
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { TSchema } from '../core/typebox.js';
import { ErrorCodes } from '../core/errors.js';
import { ERROR_CODES, ErrorBodySchema } from './error-body.js';
import type { StreamContract } from './events.js';
import { CLIENT_HEADER, DEFAULT_BODY_LIMIT, LOOPBACK_HOSTS } from './http.js';
import { BODY_ERRORS, EVERY_ROUTE_ERRORS, ROUTES, type ErrorCase, type RouteContract } from './routes.js';
import { MCP_TOOLS } from './mcp-tools.js';

/** The JSON Schema keywords the renderer reads. */
interface Schema {
  title?: string;
  description?: string;
  type?: string;
  const?: unknown;
  enum?: unknown[];
  anyOf?: Schema[];
  properties?: Record<string, Schema>;
  required?: string[];
  patternProperties?: Record<string, Schema>;
  items?: Schema;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
}

const asSchema = (s: TSchema) => s as Schema;
const anchor = (title: string) => title.toLowerCase();
/** Markdown table cells: a `|` would end the cell, a newline the row. */
const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** Renders schemas; the titled ones they use are collected, to be described once under Types. */
class SchemaWriter {
  readonly titled = new Map<string, Schema>();

  /** A schema's type in a few words: `integer, 1–200`, `Snippet[]`, `"q8" | "fp32"`. */
  typeOf(s: Schema): string {
    if (s.title) {
      this.titled.set(s.title, s);
      return `[${s.title}](#${anchor(s.title)})`;
    }
    if (s.const !== undefined) return `\`${JSON.stringify(s.const)}\``;
    if (s.enum === ERROR_CODES) return 'string: an [error code](#error-codes)';
    if (s.enum) return s.enum.map((v) => `\`${JSON.stringify(v)}\``).join(' | ');
    if (s.anyOf) return s.anyOf.map((branch) => this.typeOf(branch)).join(' | ');
    if (s.type === 'array') return `${this.arrayItem(s.items ?? {})}[]${bounds(s.minItems, s.maxItems, 'items')}`;
    if (s.type === 'object' && s.patternProperties) {
      const value = Object.values(s.patternProperties)[0] ?? {};
      return `{ [string]: ${this.typeOf(value)} }`;
    }
    if (s.type === 'integer' || s.type === 'number') return `${s.type}${bounds(s.minimum, s.maximum, '')}`;
    if (s.type === 'string') return `string${bounds(s.minLength, s.maxLength, 'chars')}`;
    return s.type ?? 'any';
  }

  private arrayItem(items: Schema): string {
    const t = this.typeOf(items);
    return items.anyOf || t.includes(',') ? `(${t})` : t;
  }

  /** The rows of an object's fields; untitled objects inside are flattened (`timings.totalMs`, `choices[].index`). */
  rows(s: Schema, prefix = ''): string[] {
    const required = new Set(s.required ?? []);
    const out: string[] = [];
    for (const [name, field] of Object.entries(s.properties ?? {})) {
      const key = `${prefix}${name}${required.has(name) ? '' : '?'}`;
      out.push(`| \`${key}\` | ${cell(this.typeOf(field))} | ${cell(field.description ?? '')} |`);
      const inner = nestedObject(field);
      if (inner) out.push(...this.rows(inner.schema, `${prefix}${name}${inner.array ? '[]' : ''}.`));
    }
    return out;
  }

  /** A schema as its description and a table of its fields, or as one line when it is not an object. */
  table(s: Schema): string {
    if (s.type !== 'object' || !s.properties) return `${this.typeOf(s)}${s.description ? `: ${s.description}` : ''}\n`;
    const rows = ['| field | type | description |', '| --- | --- | --- |', ...this.rows(s)].join('\n') + '\n';
    return s.description ? `${upperFirst(s.description)}.\n\n${rows}` : rows;
  }
}

/** An untitled object schema inside a field (directly, or as its array's items), whose fields are listed under it. */
function nestedObject(field: Schema): { schema: Schema; array: boolean } | null {
  const plain = (s: Schema | undefined) => s !== undefined && !s.title && s.type === 'object' && s.properties !== undefined;
  if (plain(field)) return { schema: field, array: false };
  if (field.type === 'array' && plain(field.items)) return { schema: field.items!, array: true };
  return null;
}

const upperFirst = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

function bounds(min: number | undefined, max: number | undefined, unit: string): string {
  const u = unit ? ` ${unit}` : '';
  if (min !== undefined && max !== undefined) return `, ${min}–${max}${u}`;
  if (min !== undefined) return `, ≥ ${min}${u}`;
  if (max !== undefined) return `, ≤ ${max}${u}`;
  return '';
}

function errorTable(errors: readonly ErrorCase[]): string {
  return ['| status | code | when |', '| --- | --- | --- |', ...errors.map((e) => `| ${e.status} | \`${e.code}\` | ${cell(e.when)} |`)].join('\n') + '\n';
}

function streamSection(w: SchemaWriter, stream: StreamContract): string {
  const rows = Object.entries(stream.events).map(([name, e]) => `| \`${name}\` | ${cell(w.typeOf(asSchema(e.data)))} | ${cell(e.description)} |`);
  if (stream.end) rows.push(`| \`message\` | \`${stream.end.data}\` | ${cell(stream.end.description)} |`);
  return [`**Stream** (${stream.request}): server-sent events, in this order:`, '', '| event | data (JSON) | meaning |', '| --- | --- | --- |', ...rows].join('\n') + '\n';
}

function routeSection(w: SchemaWriter, route: RouteContract): string {
  const parts = [`### ${route.method} ${route.url}`, '', route.summary, ''];
  if (route.body) parts.push('**Body**', '', w.table(asSchema(route.body)));
  else parts.push('No body.', '');
  parts.push('**Answer** (200, JSON)', '', w.table(asSchema(route.response)));
  if (route.stream) parts.push(streamSection(w, route.stream));
  if (route.errors.length) parts.push(`**Errors** (besides those of [every request](#errors)${route.body ? ' and every body' : ''})`, '', errorTable(route.errors));
  return parts.join('\n');
}

/** The whole reference, as docs/api.md holds it. */
export function renderApiDocs(): string {
  const w = new SchemaWriter();
  const routes: RouteContract[] = Object.values(ROUTES);
  const routeDocs = routes.map((r) => routeSection(w, r));
  const errorBody = w.table(asSchema(ErrorBodySchema));
  // Types used by the routes, then the types those use, until none is new.
  const typeDocs: string[] = [];
  const done = new Set<string>();
  for (let pending = [...w.titled.keys()]; pending.length; pending = [...w.titled.keys()].filter((t) => !done.has(t))) {
    for (const title of pending.sort()) {
      done.add(title);
      const s = w.titled.get(title)!;
      typeDocs.push(`### ${title}\n\n${w.table({ ...s, title: undefined })}`);
    }
  }
  typeDocs.sort();

  return `<!-- Generated from protocol/ by \`npm run docs:api\` (protocol/api-docs.ts): edit the schemas, not this file. -->
# Cvu HTTP API and MCP

The daemon's HTTP API, as its schemas (\`protocol/\`) define it: the daemon
validates every body against them, and its answers follow them. Bodies and
answers are JSON. Positions are LSP-style: \`{ "line", "character" }\`, both
0-based, \`character\` in UTF-16 code units; lines in snippets and \`lines\`
are 1-based and inclusive. A field marked \`?\` may be left out.

| route | what it does |
| --- | --- |
${routes.map((r) => `| [${r.method} ${r.url}](#${anchor(`${r.method} ${r.url}`).replace(/[^a-z0-9 -]/g, '').replace(/ /g, '-')}) | ${cell(r.summary)} |`).join('\n')}

## Connecting

- The daemon listens on loopback (\`127.0.0.1\`); its port and token are in
  \`$CVU_HOME/daemon.json\` (\`{ "port", "token", "pid", "version" }\`, mode 0600).
- Every request carries \`Authorization: Bearer <token>\`; without it, or with
  another token, the answer is 401 \`CVU_ERR_UNAUTHORIZED\`, whatever the route.
- The \`Host\` header must name a loopback host (${LOOPBACK_HOSTS.map((h) => `\`${h}\``).join(', ')}, any port),
  and a request must carry no \`Origin\` header: a web page cannot call the daemon,
  even through DNS rebinding. Either is 403 \`CVU_ERR_FORBIDDEN\`, checked before the token.
- A body is \`application/json\` (anything else is 415, including the \`text/plain\`
  of a browser's "simple" request) and at most ${DEFAULT_BODY_LIMIT / (1024 * 1024)} MB by default (413).
- \`${CLIENT_HEADER}: <id>\` names the calling client: its newer request of a kind
  (\`/complete\`, \`/context\`, \`/explain\` …) supersedes its older one, which is
  answered 499 \`CVU_ERR_ABORTED\`. Closing the connection aborts a request too.
- \`/explain\`, \`/refactor\` and \`/ask\` stream server-sent events when asked with
  \`Accept: text/event-stream\`; the OpenAI-compatible routes stream with \`"stream": true\`.
  A failure before the first event is an ordinary JSON error with its status.

## Errors

Every failure answers its HTTP status and one shape:

${errorBody}
Clients match \`code\`, never \`message\`. Every request can be refused with:

${errorTable(EVERY_ROUTE_ERRORS)}
Every request with a body, also with:

${errorTable(BODY_ERRORS)}
Each route lists its own errors below.

### Error codes

| code | meaning |
| --- | --- |
${ERROR_CODES.map((code) => `| \`${code}\` | ${cell(ErrorCodes[code])} |`).join('\n')}

## Routes

${routeDocs.join('\n')}
## MCP

\`POST /mcp\` speaks the Model Context Protocol (Streamable HTTP, stateless: each
POST is one JSON-RPC message answered as JSON; \`GET\` and \`DELETE\` are 405),
behind the same Host, Origin and token rules as every route. \`?root=DIR\` scopes the
tools to one registered workspace (an unknown root is 404 \`CVU_ERR_NOT_FOUND\`);
without it they answer from every registered workspace. \`cvu mcp [--root DIR]\`
serves the same tools on stdio for an agent to launch. Lines are 1-based. Each tool
answers with text for the model and \`structuredContent\`, within \`maxTokens\`
(default 2,000); a bad argument, an unknown name or an unknown path is a result with
\`isError: true\` whose text says what would work instead.

${MCP_TOOLS.map((t) => `### ${t.name}\n\n${t.description}\n\n**Arguments**\n\n${w.table(asSchema(t.inputSchema))}`).join('\n')}
### Tool answers (structuredContent)

${w.table(asSchema(MCP_TOOLS[0].outputSchema))}
Each result is a place in the code (\`path\`, \`startLine\`, \`endLine\`) with what its tool adds: \`symbol\` (search_code, context_for), \`name\`, \`kind\`, \`signature\` (find_definition), \`lines\`, \`defines\` (find_references), \`name\`, \`kind\` or \`definitions\` (outline).

## Types

${typeDocs.join('\n')}`;
}

// `npm run docs:api`
if (process.argv[1] && fileURLToPath(import.meta.url) === fs.realpathSync(process.argv[1])) {
  fs.writeFileSync(new URL('../docs/api.md', import.meta.url), renderApiDocs());
}
