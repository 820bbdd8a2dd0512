/**
 * npm run bench:search [-- options] — plain-language code search, measured CodeSearchNet-style: for
 * each code base, the functions and methods that carry a doc comment (JSDoc/TSDoc, Python docstrings,
 * Go comments above a func, Javadoc, Rust `///`) give the queries, each the first sentence of its
 * doc; the indexed copy of the code base has those doc comments removed, so the answer cannot be
 * found by matching the doc itself, and the ground truth is the function's line range in that copy.
 * A hit is a result in the same file whose line range overlaps the function's. Two retrievers in
 * the same run over the same stripped copy: a textbook BM25 over function bodies (each function
 * one document, identifiers split at camelCase and snake_case), and a real Cvu daemon's
 * POST /search { root, query, limit: 10 } with no embedding model. Reported: recall@5 and MRR@10
 * per code base and overall.
 *
 * Options (environment variables in brackets):
 *   --seed N            draw queries with this seed [SEED]; default 424242, the tuning draw
 *   --heldout           draw the held-out queries, seed 7 [HELDOUT=1]: report on these, never tune on them
 *   --corpora a,b       only these code bases [BENCH_CORPORA] (chi gson reqwest click fastify arrow gyp)
 *   --corpus NAME=DIR   measure the code base in DIR too (your own checkout; repeatable); alone, without
 *                       --corpora, only the named folders are measured
 *   --queries N         queries drawn per code base (default 40)
 *   --embedding twin    the daemon embeds with the MiniLM-L6 shape twin (random weights): checks that vectors
 *                       fuse in without breaking anything; its figures say nothing about quality, never tune on them
 *   --misses            print Cvu's misses (query, expected function, what came first)
 *   --list              print the drawn queries and stop (no daemon, no scores)
 *   --build DIR         run the daemon of another build: DIR/dist/clients/cli/cli.js (default this repository's dist/)
 *   --out FILE          where the JSON results go (default: $CVU_BENCH_DIR/results/…, printed)
 *   --record            also write bench/results/search.json (without the per-query list), for `npm run bench:report`
 *   --keep              keep this run's folder (stripped corpora, daemon home) for a look afterwards
 *
 * Everything lives outside the repository, in $CVU_BENCH_DIR (default $TMPDIR/cvu-search-bench):
 * `results/` the JSON files, `run-*` one run's stripped corpora and daemon home, removed at the end.
 * The four shared corpora are extracted from ../shared/bench/corpora; the others are copied from code
 * the project installs anyway (fastify's lib/, apache-arrow's TypeScript sources, npm's node-gyp
 * Python). Nothing is committed but the summary `--record` writes.
 *
 * Conventions: functions in test code (test folders, *_test.go, test_*.py, *.test.ts, *Test.java…)
 * give no queries (their docs describe tests, and a question asks where the code does something);
 * a doc whose first sentence has fewer than 4 words, or only repeats the function's name, gives no
 * query; a sentence that several functions share gives none either (it names no one answer).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Node } from 'web-tree-sitter';
import { clientFor } from '../clients/daemon-discovery.js';
import type { DaemonClient, Snippet } from '../clients/daemon-client.js';
import type { DaemonInfo } from '../daemon/lifecycle.js';
import { MINILM_L6_SHAPE, writeBertTwin } from '../fixtures/models/bert-twin.js';
import { seededRandom } from '../fixtures/random.js';
import { languageForPath, parserFor, type LanguageId } from '../indexer/languages.js';
import { lastRow } from '../indexer/syntax.js';
import { HELDOUT_SEED, nodeGypPython, parseBenchOptions, phaseTimer, seedNote, SHARED_CORPORA, TUNING_SEED, type BenchOptions, type Corpus } from './bench-cli.js';
import { beginResult, figure, writeResult, type BenchResult, type Figure } from './result.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** Ranks that count: recall@5 and MRR@10, as the issue states them. */
const RECALL_AT = 5;
const MRR_AT = 10;

// ---------------------------------------------------------------- options

interface Options extends BenchOptions {
  queries: number;
  embedding: 'none' | 'twin';
  misses: boolean;
  list: boolean;
  build: string;
}

function parseOptions(argv: string[]): Options {
  const o: Omit<Options, keyof BenchOptions> = { queries: 40, embedding: 'none', misses: false, list: false, build: repo };
  const shared = parseBenchOptions(argv, {
    doc: import.meta.url,
    corpora: CORPORA,
    option: ({ name, value }) => {
      if (name === '--queries') o.queries = Number(value());
      else if (name === '--embedding') {
        const v = value();
        if (v !== 'twin' && v !== 'none') throw new Error(`--embedding: twin or none, not ${v}`);
        o.embedding = v;
      } else if (name === '--misses') o.misses = true;
      else if (name === '--list') o.list = true;
      else if (name === '--build') o.build = path.resolve(value());
      else return false;
      return true;
    },
  });
  if (!Number.isInteger(o.queries) || o.queries < 1) throw new Error('--queries must be a positive integer');
  return { ...shared, ...o };
}

// ---------------------------------------------------------------- code bases

const fromFolder = (src: () => string | null) => (dest: string) => {
  const from = src();
  if (!from || !fs.existsSync(from)) return false;
  fs.cpSync(from, dest, { recursive: true, filter: (p) => !/[/\\](node_modules|\.git)$/.test(p) });
  return true;
};

const CORPORA: Corpus[] = [
  ...SHARED_CORPORA,
  { label: 'fastify', language: 'JavaScript', source: 'node_modules/fastify/lib', materialise: fromFolder(() => path.join(repo, 'node_modules/fastify/lib')) },
  { label: 'arrow', language: 'TypeScript', source: 'node_modules/apache-arrow/src', materialise: fromFolder(() => path.join(repo, 'node_modules/apache-arrow/src')) },
  { label: 'gyp', language: 'Python', source: "npm's node-gyp/gyp", materialise: fromFolder(nodeGypPython) },
];

// ---------------------------------------------------------------- functions and their docs

/** One function or method of a code base, as found in the original (documented) source. */
interface SourceFunction {
  file: string;
  name: string;
  /** 0-based rows of the whole definition (decorators and modifiers included, its doc comment not). */
  start: number;
  end: number;
  /** The doc comment's rows and its cleaned text, when it has one. */
  doc: { start: number; end: number; text: string; docstringOnly: boolean } | null;
}

/** A query: a function's doc sentence, and where the function lies in the stripped copy (1-based lines). */
interface Query {
  corpus: string;
  file: string;
  name: string;
  startLine: number;
  endLine: number;
  text: string;
  /** Drawn by the tuning seed too (a small pool gives both draws some queries alike). */
  inTuningDraw: boolean;
}

const FUNCTION_TYPES: Partial<Record<LanguageId, ReadonlySet<string>>> = {
  go: new Set(['function_declaration', 'method_declaration']),
  java: new Set(['method_declaration', 'constructor_declaration']),
  rust: new Set(['function_item']),
  python: new Set(['function_definition']),
  javascript: new Set(['function_declaration', 'generator_function_declaration', 'method_definition', 'function_expression', 'arrow_function', 'function']),
  typescript: new Set(['function_declaration', 'generator_function_declaration', 'method_definition', 'function_expression', 'arrow_function', 'function']),
  tsx: new Set(['function_declaration', 'generator_function_declaration', 'method_definition', 'function_expression', 'arrow_function', 'function']),
};

/**
 * The statement a JS/TS function expression stands for: `const f = () => …`, `a.b = function () …`,
 * `{ key: function () … }`, `export …` around any of them. Null for a function passed as an argument
 * or returned: it has no name and no doc of its own.
 */
function jsDefinitionNode(fn: Node): { outer: Node; name: string } | null {
  if (fn.type === 'function_declaration' || fn.type === 'generator_function_declaration' || fn.type === 'method_definition') {
    const name = fn.childForFieldName('name')?.text ?? '';
    const outer = fn.parent?.type === 'export_statement' ? fn.parent : fn;
    return name ? { outer, name } : null;
  }
  const parent = fn.parent;
  if (!parent) return null;
  let outer: Node | null = null;
  let name = '';
  if (parent.type === 'variable_declarator' && parent.childForFieldName('value')?.equals(fn)) {
    name = parent.childForFieldName('name')?.text ?? '';
    const decl = parent.parent;
    if (decl && (decl.type === 'lexical_declaration' || decl.type === 'variable_declaration') && decl.namedChildCount === 1) outer = decl;
  } else if (parent.type === 'assignment_expression' && parent.childForFieldName('right')?.equals(fn)) {
    name = (parent.childForFieldName('left')?.text ?? '').split('.').pop() ?? '';
    if (parent.parent?.type === 'expression_statement') outer = parent.parent;
  } else if (parent.type === 'pair' && parent.childForFieldName('value')?.equals(fn)) {
    name = (parent.childForFieldName('key')?.text ?? '').replace(/^['"]|['"]$/g, '');
    outer = parent;
  } else if (parent.type === 'public_field_definition' || parent.type === 'field_definition') {
    name = parent.childForFieldName('name')?.text ?? parent.childForFieldName('property')?.text ?? '';
    outer = parent;
  }
  if (!outer || !/^[A-Za-z_$][\w$]*$/.test(name)) return null;
  if (outer.parent?.type === 'export_statement') outer = outer.parent;
  return { outer, name };
}

const isComment = (n: Node | null): n is Node => !!n && /comment/.test(n.type);

/** The comment nodes right above `outer` (no blank line between), outermost first. */
function commentsAbove(outer: Node, skip: (n: Node) => boolean = () => false): Node[] {
  const out: Node[] = [];
  let row = outer.startPosition.row;
  for (let s = outer.previousSibling; s; s = s.previousSibling) {
    if (lastRow(s) < row - 1) break;
    if (isComment(s)) out.unshift(s);
    else if (!skip(s)) break;
    row = s.startPosition.row;
  }
  return out;
}

/** The doc comment of a definition: the last block of its language's doc form right above it. */
function docAbove(lang: LanguageId, outer: Node): Node[] {
  if (lang === 'go') {
    const block = commentsAbove(outer);
    return block.every((c) => c.text.startsWith('//')) ? block : [];
  }
  if (lang === 'rust') {
    const block = commentsAbove(outer, (n) => n.type === 'attribute_item');
    const doc = block.filter((c) => (c.text.startsWith('///') && !c.text.startsWith('////')) || c.text.startsWith('/**'));
    return doc.length === block.length ? doc : [];
  }
  // Javadoc, JSDoc/TSDoc: the one `/** … */` comment right above.
  const block = commentsAbove(outer, (n) => n.type === 'decorator');
  const last = block[block.length - 1];
  return last && last.text.startsWith('/**') && !last.text.startsWith('/***') ? [last] : [];
}

/** A Python docstring: the body's first statement, a string. */
function docstring(fn: Node): { node: Node; only: boolean } | null {
  const body = fn.childForFieldName('body');
  const first = body?.namedChild(0);
  if (!body || !first || first.type !== 'expression_statement' || first.namedChildCount !== 1 || first.namedChild(0)?.type !== 'string') return null;
  return { node: first, only: body.namedChildCount === 1 };
}

/** The doc's words as a reader sees them: markers, tags and markup removed. */
function cleanDoc(raw: string, lang: LanguageId): string {
  let t = raw;
  if (lang === 'python') t = t.replace(/^[rRuUbB]*("""|'''|"|')/, '').replace(/("""|'''|"|')$/, '');
  else t = t.replace(/^\/\*\*+/, '').replace(/\*+\/$/, '').split('\n').map((l) => l.replace(/^\s*(\/\/\/?|\*(?!\/))\s?/, '')).join('\n');
  return t
    .replace(/:[a-z]+:`([^`]*)`/g, '$1')
    .replace(/\{@(?:link|linkplain|code|literal)\s+([^}]*)\}/g, (_, x: string) => x.replace(/#/g, ' ').trim())
    .replace(/\[`?([^\]`]+)`?\]\([^)]*\)/g, '$1')
    .replace(/\[`([^\]`]+)`\]/g, '$1')
    .replace(/<\/?[a-zA-Z][^>]*>/g, ' ')
    .replace(/[`*]/g, '');
}

/** The first sentence of a doc: its first paragraph, up to the first full stop (or tag, or section). */
function firstSentence(doc: string): string {
  const lines: string[] = [];
  for (const line of doc.split('\n')) {
    const l = line.trim();
    if (!l) {
      if (lines.length) break;
      continue;
    }
    if (/^(@|:param|:return|:raises|\.\. |Args:|Returns:|Raises:|Example|Deprecated)/.test(l)) break;
    lines.push(l);
  }
  const para = lines.join(' ').replace(/\s+/g, ' ');
  const end = /[.!?](?=\s+[A-Z(`"']|\s*$)/.exec(para.replace(/\b(e\.g|i\.e|etc|vs)\./gi, (m) => m.replace('.', '\u2024')));
  return (end ? para.slice(0, end.index + 1) : para).replace(/\u2024/g, '.').trim();
}

const nameWords = (name: string) => name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase().split(/[^a-z0-9]+/).filter(Boolean);
const FILLER = new Set(['a', 'an', 'the', 'of', 'to', 'for', 'this', 'that', 'is', 'it', 'and', 'or', 'in', 'on', 'returns', 'return', 'method', 'function', 'new', 'given']);

/** Whether a sentence is worth a query: four words or more, and more than the function's own name. */
function usableQuery(sentence: string, name: string): boolean {
  const words = sentence.toLowerCase().match(/[a-z0-9]+/g) ?? [];
  if (words.length < 4) return false;
  if (/^(deprecated|todo|fixme|copyright|eslint|istanbul|inheritdoc|see\b|note\b|test)/i.test(sentence)) return false;
  const own = new Set(nameWords(name));
  return words.some((w) => !own.has(w) && !FILLER.has(w));
}

const TEST_PATH = /(^|\/)(tests?|__tests__|testing|testdata|spec)\/|(_test\.go|_test\.py|\.test\.[jt]sx?|\.spec\.[jt]sx?|Tests?\.java)$|(^|\/)(test_[^/]*\.py|conftest\.py)$/;

/** Every function of a file with its doc comment (null when it has none). */
async function functionsOf(file: string, src: string): Promise<SourceFunction[]> {
  const lang = languageForPath(file);
  const types = FUNCTION_TYPES[lang];
  const parser = types ? await parserFor(lang) : null;
  if (!types || !parser) return [];
  const tree = parser.parse(src);
  if (!tree) return [];
  const out: SourceFunction[] = [];
  const rows = src.split('\n');
  // Only a doc on rows of its own is removed (not `/** x */ function f()`): its rows go, nothing else does.
  const ownRows = (d: Node, fnRow: number) =>
    lastRow(d) < fnRow && !rows[d.startPosition.row].slice(0, d.startPosition.column).trim() && !rows[lastRow(d)].slice(d.endPosition.row > lastRow(d) ? Infinity : d.endPosition.column).trim();
  const visit = (n: Node) => {
    if (types.has(n.type)) {
      const def = lang === 'javascript' || lang === 'typescript' || lang === 'tsx'
        ? jsDefinitionNode(n)
        : { outer: n.parent?.type === 'decorated_definition' ? n.parent : n, name: n.childForFieldName('name')?.text ?? '' };
      if (def && def.name && n.childForFieldName('body')) {
        let doc: SourceFunction['doc'] = null;
        if (lang === 'python') {
          const ds = docstring(n);
          if (ds && ds.node.startPosition.row > n.startPosition.row && ownRows(ds.node, Infinity)) {
            doc = { start: ds.node.startPosition.row, end: lastRow(ds.node), text: cleanDoc(ds.node.text, lang), docstringOnly: ds.only };
          }
        } else {
          const comments = docAbove(lang, def.outer);
          if (comments.length && comments.every((c) => ownRows(c, def.outer.startPosition.row))) {
            doc = { start: comments[0].startPosition.row, end: lastRow(comments[comments.length - 1]), text: cleanDoc(comments.map((c) => c.text.trimEnd()).join('\n'), lang), docstringOnly: false };
          }
        }
        out.push({ file, name: def.name, start: def.outer.startPosition.row, end: lastRow(def.outer), doc });
      }
    }
    for (const c of n.namedChildren) if (c) visit(c);
  };
  visit(tree.rootNode);
  tree.delete();
  return out;
}

/**
 * A file with the doc comments of its functions removed: doc rows are deleted (a docstring that is
 * a function's whole body becomes `pass`), and `row` maps an original row to the stripped copy's.
 */
function stripDocs(src: string, fns: SourceFunction[]): { text: string; row: (r: number) => number } {
  const lines = src.split('\n');
  const drop = new Set<number>();
  const replace = new Map<number, string>();
  for (const f of fns) {
    if (!f.doc) continue;
    const { start, end } = f.doc;
    if (f.doc.docstringOnly) {
      const before = /^\s*/.exec(lines[start])![0];
      replace.set(start, `${before}pass`);
      for (let r = start + 1; r <= end; r++) drop.add(r);
    } else for (let r = start; r <= end; r++) drop.add(r);
  }
  const newRow: number[] = [];
  const kept: string[] = [];
  lines.forEach((l, r) => {
    newRow[r] = kept.length;
    if (!drop.has(r)) kept.push(replace.get(r) ?? l);
  });
  return { text: kept.join('\n'), row: (r) => newRow[r] };
}

// ---------------------------------------------------------------- queries and the stripped copy

function listFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const abs = path.join(dir, e.name);
      if (e.isDirectory()) walk(abs);
      else if (e.isFile()) out.push(path.relative(root, abs).split(path.sep).join('/'));
    }
  };
  walk(root);
  return out;
}

/** A function of the stripped copy: a BM25 document, and where a query's answer lies (1-based lines). */
interface CopyFunction {
  file: string;
  name: string;
  startLine: number;
  endLine: number;
  /** Its doc's first sentence when it gives a query; null otherwise. */
  query: string | null;
}

/**
 * Writes the stripped copy of `original` at `copy` and lists its functions. Files in a language
 * with no function grammar here are copied as they are.
 */
async function stripCorpus(original: string, copy: string): Promise<{ files: number; functions: CopyFunction[] }> {
  const functions: CopyFunction[] = [];
  const files = listFiles(original);
  for (const file of files) {
    const src = fs.readFileSync(path.join(original, file), 'utf8');
    const fns = FUNCTION_TYPES[languageForPath(file)] ? await functionsOf(file, src) : [];
    const stripped = stripDocs(src, fns);
    fs.mkdirSync(path.dirname(path.join(copy, file)), { recursive: true });
    fs.writeFileSync(path.join(copy, file), stripped.text);
    const testCode = TEST_PATH.test(file);
    for (const f of fns) {
      const sentence = f.doc && !testCode ? firstSentence(f.doc.text) : '';
      functions.push({
        file, name: f.name, startLine: stripped.row(f.start) + 1, endLine: stripped.row(f.end) + 1,
        query: sentence && usableQuery(sentence, f.name) ? sentence : null,
      });
    }
  }
  return { files: files.length, functions };
}

/** Up to `max` queries of one code base, drawn with `seed`; sentences several functions share are left out. */
function drawQueries(corpus: string, functions: CopyFunction[], seed: number, max: number): Query[] {
  const tuning = seed === TUNING_SEED ? null : new Set(drawQueries(corpus, functions, TUNING_SEED, max).map((q) => `${q.file}:${q.startLine}`));
  const count = new Map<string, number>();
  for (const f of functions) if (f.query) count.set(f.query.toLowerCase(), (count.get(f.query.toLowerCase()) ?? 0) + 1);
  const pool = functions.filter((f) => f.query && count.get(f.query.toLowerCase()) === 1);
  const next = seededRandom(seed);
  for (let i = pool.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [pool[i], pool[j]] = [pool[j], pool[i]];
  }
  return pool.slice(0, max).map((f) => ({
    corpus, file: f.file, name: f.name, startLine: f.startLine, endLine: f.endLine, text: f.query!,
    inTuningDraw: !tuning || tuning.has(`${f.file}:${f.startLine}`),
  }));
}

// ---------------------------------------------------------------- the BM25 baseline

/** Identifiers whole and split at camelCase / snake_case, lowercased: the textbook code tokenizer. */
function bm25Tokens(text: string): string[] {
  const out: string[] = [];
  for (const ident of text.match(/[A-Za-z_][A-Za-z0-9_]*/g) ?? []) {
    const parts = nameWords(ident);
    const whole = ident.toLowerCase().replace(/_/g, '');
    if (whole) out.push(whole);
    if (parts.length > 1) out.push(...parts);
  }
  return out;
}

/** Okapi BM25 (k1 1.2, b 0.75) with each function of the stripped copy one document. */
class FunctionBm25 {
  private readonly docs: { fn: CopyFunction; tf: Map<string, number>; len: number }[] = [];
  private readonly df = new Map<string, number>();
  private avgLen = 0;

  constructor(root: string, functions: CopyFunction[]) {
    const lines = new Map<string, string[]>();
    for (const fn of functions) {
      let l = lines.get(fn.file);
      if (!l) lines.set(fn.file, (l = fs.readFileSync(path.join(root, fn.file), 'utf8').split('\n')));
      const tokens = bm25Tokens(l.slice(fn.startLine - 1, fn.endLine).join('\n'));
      const tf = new Map<string, number>();
      for (const t of tokens) tf.set(t, (tf.get(t) ?? 0) + 1);
      for (const t of tf.keys()) this.df.set(t, (this.df.get(t) ?? 0) + 1);
      this.docs.push({ fn, tf, len: tokens.length });
    }
    this.avgLen = this.docs.reduce((s, d) => s + d.len, 0) / Math.max(1, this.docs.length);
  }

  search(query: string, limit: number): CopyFunction[] {
    const k1 = 1.2;
    const b = 0.75;
    const n = this.docs.length;
    const terms = [...new Set(bm25Tokens(query))];
    const scored: { fn: CopyFunction; score: number }[] = [];
    for (const d of this.docs) {
      let score = 0;
      for (const t of terms) {
        const f = d.tf.get(t);
        if (!f) continue;
        const df = this.df.get(t)!;
        const idf = Math.log(1 + (n - df + 0.5) / (df + 0.5));
        score += (idf * f * (k1 + 1)) / (f + k1 * (1 - b + (b * d.len) / this.avgLen));
      }
      if (score > 0) scored.push({ fn: d.fn, score });
    }
    return scored.sort((a, b) => b.score - a.score).slice(0, limit).map((s) => s.fn);
  }
}

// ---------------------------------------------------------------- scoring

type Located = { path: string; startLine: number; endLine: number };

/** 1-based rank of the first result in the query's file that overlaps its function; null when none of them does. */
function rankOf(q: Query, results: Located[]): number | null {
  const i = results.findIndex((r) => r.path === q.file && r.startLine <= q.endLine && q.startLine <= r.endLine);
  return i < 0 ? null : i + 1;
}

interface Figures {
  n: number;
  recallAt5: number;
  mrrAt10: number;
}

function figures(ranks: (number | null)[]): Figures {
  const n = ranks.length;
  const hits = ranks.filter((r) => r !== null && r <= RECALL_AT).length;
  const rr = ranks.reduce<number>((s, r) => s + (r !== null && r <= MRR_AT ? 1 / r : 0), 0);
  return { n, recallAt5: Number((hits / Math.max(1, n)).toFixed(3)), mrrAt10: Number((rr / Math.max(1, n)).toFixed(3)) };
}

// ---------------------------------------------------------------- the daemon

/** A daemon of this build with its own home, stopped whatever happens. */
async function withDaemon<T>(build: string, home: string, embeddingModel: string, use: (client: DaemonClient) => Promise<T>): Promise<T> {
  const cli = (args: string[]) =>
    execFileSync(process.execPath, [path.join(build, 'dist/clients/cli/cli.js'), ...args], { cwd: build, encoding: 'utf8', env: { ...process.env, CVU_HOME: home, CVU_EMBEDDING_MODEL: embeddingModel } });
  cli(['daemon', 'start']);
  const stop = () => {
    try {
      cli(['daemon', 'stop']);
    } catch {
      // already gone
    }
  };
  const onSignal = () => {
    stop();
    process.exit(130);
  };
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
  try {
    const info = JSON.parse(fs.readFileSync(path.join(home, 'daemon.json'), 'utf8')) as DaemonInfo;
    return await use(clientFor(info, { clientId: 'bench-search' }));
  } finally {
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
    stop();
  }
}

// ---------------------------------------------------------------- the result file

type Row = { bm25: Figures; cvu: Figures };

/**
 * Cvu's recall@5 and MRR@10 per code base and overall, each against BM25's on the same queries.
 * Targets (issue 16): held out, overall recall@5 at least 0.60; on every code base, Cvu ahead of BM25
 * (its recall@5 above BM25's, so the target's value is BM25's figure of this run).
 */
function searchFigures(summary: Record<string, Row>, opts: Options): Record<string, Figure> {
  const out: Record<string, Figure> = {};
  const draw = opts.seed === HELDOUT_SEED ? 'held-out' : opts.seed === TUNING_SEED ? 'tuning' : `seed ${opts.seed}`;
  for (const [label, r] of Object.entries(summary)) {
    if (label === 'not tuned on') continue;
    const where = label === 'overall' ? 'all code bases' : label;
    const queries = `${r.cvu.n} ${draw} queries (${where})`;
    const bm25 = 'BM25 over the function bodies, same queries and stripped copy';
    out[`recallAt5.${label}`] = figure({
      name: `recall@${RECALL_AT}, ${where}`, unit: 'recall', value: r.cvu.recallAt5,
      measures: `The share of ${queries} whose documented function overlaps one of the first ${RECALL_AT} results of a Cvu daemon's /search for its doc's first sentence.`,
      floor: { value: r.bm25.recallAt5, measures: bm25 },
      ...(label === 'overall'
        ? opts.seed === HELDOUT_SEED ? { target: { op: '>=', value: 0.6, source: 'issue 16, held out' } as const } : {}
        : { target: { op: '>', value: r.bm25.recallAt5, source: 'issue 16: ahead of BM25' } as const }),
    });
    out[`mrrAt10.${label}`] = figure({
      name: `MRR@${MRR_AT}, ${where}`, unit: 'MRR', value: r.cvu.mrrAt10,
      measures: `The mean reciprocal rank (0 past rank ${MRR_AT}) of the documented function in a Cvu daemon's /search results, over ${queries}.`,
      floor: { value: r.bm25.mrrAt10, measures: bm25 },
    });
  }
  return out;
}

/** The recorded copy: everything but the per-query list. */
function withoutQueries(r: BenchResult): BenchResult {
  const { queries: _queries, ...details } = r.details ?? {};
  return { ...r, details };
}

// ---------------------------------------------------------------- main

const MEASURES = [
  `recall@${RECALL_AT} = the share of queries whose function is overlapped by one of the first ${RECALL_AT} results in its file;`,
  `MRR@${MRR_AT} = the mean of 1/rank of the first such result (0 past rank ${MRR_AT}).`,
  'query = the first sentence of a function\'s doc comment; the indexed copy has every function\'s doc comment removed.',
  'BM25 = Okapi BM25 (k1 1.2, b 0.75) over the functions of that copy, one document each, identifiers whole and split;',
  'Cvu = POST /search { root, query, limit: 10 } of a real daemon (this build) over the same copy.',
  '"not tuned on" (another seed than the tuning one) = the queries the tuning draw does not also hold.',
].join('\n');

function git(args: string[], cwd: string): string {
  try {
    // Not trimmed: `git status --porcelain` lines start with a space that their path's offset counts on.
    return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return '';
  }
}

async function main() {
  const opts = parseOptions(process.argv.slice(2));
  if (!opts.list && !fs.existsSync(path.join(opts.build, 'dist/clients/cli/cli.js'))) throw new Error(`no build in ${opts.build}: run \`npm run build\` first (npm run bench:search does)`);
  const base = path.resolve(process.env.CVU_BENCH_DIR ?? path.join(os.tmpdir(), 'cvu-search-bench'));
  if (!path.relative(repo, base).startsWith('..')) throw new Error(`CVU_BENCH_DIR (${base}) must be outside the repository: corpora are never committed`);
  fs.mkdirSync(path.join(base, 'results'), { recursive: true });
  const tmp = fs.realpathSync(fs.mkdtempSync(path.join(base, 'run-')));
  const started = performance.now();
  const run = beginResult('search', { git: opts.build, options: { seed: opts.seed, heldout: opts.seed === HELDOUT_SEED, corpora: opts.corpora ?? 'all', queries: opts.queries, embedding: opts.embedding, build: opts.build === repo ? 'this checkout' : opts.build } });
  const { timings, phase } = phaseTimer('search');


  try {
    const corpora = await phase('copying and stripping the code bases', async () => {
      const out: (Corpus & { root: string; files: number; functions: CopyFunction[]; queries: Query[] })[] = [];
      for (const c of [...CORPORA, ...opts.extra].filter((k) => !opts.corpora || opts.corpora.includes(k.label))) {
        const original = path.join(tmp, 'original', c.label);
        if (!c.materialise(original)) {
          console.log(`note: ${c.label} (${c.source}) is not on this machine: left out`);
          continue;
        }
        const root = path.join(tmp, 'stripped', c.label);
        const { files, functions } = await stripCorpus(original, root);
        out.push({ ...c, root, files, functions, queries: drawQueries(c.label, functions, opts.seed, opts.queries) });
      }
      fs.rmSync(path.join(tmp, 'original'), { recursive: true, force: true });
      return out;
    });

    if (opts.list) {
      for (const c of corpora) {
        console.log(`== ${c.label}: ${c.queries.length} queries of ${c.functions.filter((f) => f.query).length} (${c.functions.length} functions)`);
        for (const q of c.queries) console.log(`  ${q.text}\n      → ${q.file}:${q.startLine}-${q.endLine} ${q.name}`);
      }
      return;
    }

    const bm25Ranks = new Map<Query, number | null>();
    await phase('BM25 over function bodies', async () => {
      for (const c of corpora) {
        const index = new FunctionBm25(c.root, c.functions);
        for (const q of c.queries) bm25Ranks.set(q, rankOf(q, index.search(q.text, MRR_AT).map((f) => ({ path: f.file, ...f }))));
      }
    });

    const cvuRanks = new Map<Query, number | null>();
    const cvuTop = new Map<Query, Snippet | undefined>();
    /** Which retriever each result came from, over every answer: with vectors, they must show up. */
    const sources: Record<string, number> = {};
    const indexed: Record<string, { files: number; chunks: number }> = {};
    const twin = opts.embedding === 'twin' ? await writeBertTwin(path.join(tmp, 'minilm-twin'), MINILM_L6_SHAPE, { quantized: true }) : 'none';
    await withDaemon(opts.build, path.join(tmp, 'home'), twin, async (client) => {
      const roots = new Map<string, string>();
      await phase('Cvu: indexing', async () => {
        for (const c of corpora) roots.set(c.label, (await client.registerWorkspace(c.root)).root);
        for (const c of corpora) {
          let ws = await client.waitForIndex(roots.get(c.label)!, { pollMs: 250 });
          // With vectors, the search is measured once every chunk has one.
          while (opts.embedding === 'twin' && ws.pending > 0) {
            await new Promise((r) => setTimeout(r, 500));
            ws = (await client.status()).workspaces.find((w) => w.root === ws.root)!;
          }
          indexed[c.label] = { files: ws.files, chunks: ws.chunks };
        }
      });
      await phase('Cvu: /search', async () => {
        for (const c of corpora) {
          for (const q of c.queries) {
            const { results } = await client.search({ root: roots.get(c.label)!, query: q.text, limit: MRR_AT });
            cvuRanks.set(q, rankOf(q, results));
            for (const r of results) sources[r.source] = (sources[r.source] ?? 0) + 1;
            cvuTop.set(q, results[0]);
          }
        }
      });
    });

    const all = corpora.flatMap((c) => c.queries);
    const row = (qs: Query[]) => ({ bm25: figures(qs.map((q) => bm25Ranks.get(q)!)), cvu: figures(qs.map((q) => cvuRanks.get(q)!)) });
    const fresh = all.filter((q) => !q.inTuningDraw);
    // With another seed than the tuning one, the queries the tuning draw also holds are left out of one more row.
    const summary = { ...Object.fromEntries(corpora.map((c) => [c.label, row(c.queries)])), overall: row(all), ...(opts.seed === TUNING_SEED ? {} : { 'not tuned on': row(fresh) }) };
    const commit = git(['rev-parse', '--short=10', 'HEAD'], opts.build).trim() || 'unknown';
    const dirty = git(['status', '--porcelain', '--untracked-files=no'], opts.build).split('\n').filter(Boolean).map((l) => l.slice(3)).filter((f) => !/^(bench|docs|test)\/|\.md$/.test(f));
    timings.total = Number(((performance.now() - started) / 1000).toFixed(1));
    const details = {
      version: 2,
      build: opts.build,
      daemonChanges: dirty,
      seed: opts.seed,
      heldout: opts.seed === HELDOUT_SEED,
      queriesPerCorpus: opts.queries,
      embedding: opts.embedding,
      measures: MEASURES,
      corpora: corpora.map((c) => ({
        label: c.label, language: c.language, source: c.source, files: c.files,
        functions: c.functions.length, withQuery: c.functions.filter((f) => f.query).length, queries: c.queries.length, indexed: indexed[c.label],
      })),
      summary,
      sources,
      queries: all.map((q) => {
        const top = cvuTop.get(q);
        return { ...q, bm25Rank: bm25Ranks.get(q), cvuRank: cvuRanks.get(q), cvuTop: top ? `${top.path}:${top.startLine}-${top.endLine}` : null };
      }),
      timingsS: timings,
    };
    const results = run.finish(searchFigures(summary, opts), details);
    const out = opts.out ?? path.join(base, 'results', `${results.date.replace(/[:.]/g, '-')}-seed${opts.seed}${opts.corpora ? `-${opts.corpora.join('+')}` : ''}${opts.embedding === 'twin' ? '-twin' : ''}.json`);
    writeResult(results, { out, record: opts.record }, withoutQueries);

    const say = (s = '') => console.log(s);
    say(`# bench:search — seed ${opts.seed}${seedNote(opts.seed)}, up to ${opts.queries} queries per code base${opts.embedding === 'twin' ? ', Cvu with the MiniLM-L6 shape twin (random vectors: a check that they fuse in, not a quality figure)' : ', no embedding model'}`);
    say(`# Cvu: ${opts.build === repo ? 'this repository' : opts.build} (dist/, commit ${commit}${dirty.length ? ` + uncommitted changes in ${dirty.join(', ')}` : ''}), ${results.date}, ${os.cpus().length} CPUs, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}, node ${process.version}`);
    say(MEASURES);
    say();
    const pad = (s: string | number, w: number) => String(s).padEnd(w);
    const num = (x: number) => x.toFixed(3);
    say(`${pad('code base', 14)}${pad('language', 12)}${pad('n', 5)}${pad('BM25 R@5', 10)}${pad('MRR@10', 9)}${pad('Cvu R@5', 10)}MRR@10`);
    for (const [label, r] of Object.entries(summary)) {
      const c = corpora.find((k) => k.label === label);
      say(`${pad(label, 14)}${pad(c?.language ?? '', 12)}${pad(r.cvu.n, 5)}${pad(num(r.bm25.recallAt5), 10)}${pad(num(r.bm25.mrrAt10), 9)}${pad(num(r.cvu.recallAt5), 10)}${num(r.cvu.mrrAt10)}`);
    }
    say();
    say(`Cvu's results by source: ${Object.entries(sources).map(([k, v]) => `${k} ${v}`).join(', ')}`);
    if (opts.misses) {
      say();
      say(`-- Cvu's misses (no overlapping result in the first ${RECALL_AT}): query → the function (BM25's rank) ; Cvu's first result`);
      for (const q of all) {
        const r = cvuRanks.get(q);
        if (r !== null && r! <= RECALL_AT) continue;
        const top = cvuTop.get(q);
        say(`  [${q.corpus}] ${q.text}\n      → ${q.file}:${q.startLine}-${q.endLine} ${q.name} (BM25 ${bm25Ranks.get(q) ?? '-'}, Cvu ${r ?? '-'}) ; ${top ? `${top.path}:${top.startLine}-${top.endLine} ${top.symbol ?? ''}` : 'nothing'}`);
      }
    }
    say();
    say(`time: ${Object.entries(timings).map(([k, v]) => `${k} ${v} s`).join('; ')}`);
  } finally {
    if (opts.keep) console.log(`run folder kept: ${tmp}`);
    else fs.rmSync(tmp, { recursive: true, force: true });
  }
}

try {
  await main();
} catch (e) {
  console.error(`bench:search: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
}
