/**
 * Imports: what a file imports (read from its syntax tree), and which
 * workspace files an import refers to. Each language's own rules are its
 * `imports` and `resolveImport` (in lang/); this is the entry point that
 * finds them and keeps any failure from reaching the caller.
 *
 * ```ts
 * resolveImport({ specifier: './config.js', names: ['load'], line: 3 }, 'src/app.ts', 'typescript', { files });
 * // → ['src/config.ts']
 * ```
 *
 * Resolution only looks at the workspace's own file list: anything outside
 * it (node_modules, the standard library, system headers) resolves to [].
 */
import type { Node, Tree } from 'web-tree-sitter';
import { IDENTIFIER, type ImportContext, type ImportRef, type ImportSink } from './import-ref.js';
import { parserFor, type LanguageId } from './languages.js';
import { languageSupport } from './lang/registry.js';
import type { MemberUseRule } from './lang/language-support.js';
import { LineIndex } from './line-index.js';
import { MAX_PARSE_NESTING, nestedPast } from './nesting.js';

export type { ImportContext, ImportRef } from './import-ref.js';

// ---------------------------------------------------------------------------
// Extraction

/** Longer unsaved texts are not parsed for their imports on a request (their indexed imports stand). */
const MAX_TEXT_PARSE_CHARS = 200_000;

/**
 * How long a request's parse of a buffer may take. A buffer of garbage (a minified or generated
 * line of 160,000 characters in a C# file) kept tree-sitter's error recovery busy for 1.8 s on the
 * thread that answers requests; a real file of 5,000 lines parses in a few tens of ms.
 */
const TEXT_PARSE_TIMEOUT_MS = 100;

/**
 * The imports of a text that is not indexed — an editor buffer with unsaved edits — read as the
 * indexer reads a file's; null when it cannot be parsed here (no grammar, too long, nested too deep, too
 * slow, or the runtime failed on it).
 */
export async function importsOfText(text: string, lang: LanguageId): Promise<ImportRef[] | null> {
  if (text.length > MAX_TEXT_PARSE_CHARS || nestedPast(text, MAX_PARSE_NESTING)) return null;
  const parser = await parserFor(lang);
  if (!parser) return null;
  const started = Date.now();
  let tree: Tree | null;
  try {
    // (The callback's declared type says void; returning true cancels the parse, as the chunker's does.)
    tree = parser.parse(text, null, { progressCallback: (() => Date.now() - started > TEXT_PARSE_TIMEOUT_MS) as unknown as () => void });
  } catch {
    // The runtime failed on this text (`Aborted()`: out of memory): the indexed imports stand.
    try {
      parser.reset();
    } catch {
      // An aborted runtime refuses even that; the request goes on without the buffer's imports.
    }
    return null;
  }
  if (!tree) {
    parser.reset();
    return null;
  }
  try {
    return extractImports(tree.rootNode, lang, new LineIndex(text));
  } finally {
    tree.delete();
  }
}

/** Raw imports of a parsed file, in source order. */
export function extractImports(root: Node, lang: LanguageId, lines: LineIndex): ImportRef[] {
  const src = lines.text;
  const out: ImportRef[] = [];
  const seen = new Set<string>();
  const add: ImportSink = (specifier, names, row, kind, binding, renames) => {
    specifier = specifier.trim();
    if (!specifier || specifier.length > 500) return;
    const key = `${row}\u0000${specifier}`; // `import x = require('y')` is one import, not two
    if (seen.has(key)) return;
    seen.add(key);
    const ref: ImportRef = binding && IDENTIFIER.test(binding) ? { specifier, names, binding, line: row + 1, kind } : { specifier, names, line: row + 1, kind };
    const renamed = (renames ?? []).filter(([local, name]) => local !== name && IDENTIFIER.test(local) && name);
    if (renamed.length) ref.renames = renamed;
    out.push(ref);
  };
  const text = (n: Node | null) => (n ? src.slice(n.startIndex, n.endIndex) : '');
  const row = (n: Node) => n.startPosition.row;
  const support = languageSupport(lang);
  try {
    support.imports?.({ root, lines, text, row, add });
  } catch {
    // a tree shape the extractor does not expect: keep what was found
  }
  if (support.memberUses && out.length) {
    try {
      recordMembers(out, src, support.memberUses);
    } catch {
      // the imports stand without their members
    }
  }
  return out;
}

/** Members recorded per qualifier at most (a generated file can reach thousands). */
const MAX_MEMBERS = 200;
/** A qualified name as code writes it: `a.b.c` (or `a::b::c`), not itself a member of something else. */
const CHAINS = { '.': /(?<![\w$.])[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+/g, '::': /(?<![\w:])[A-Za-z_][\w]*(?:::[A-Za-z_]\w*)+/g };

/**
 * Sets each ref's `members`: the names the text writes right after a qualifier the ref binds
 * (`middleware.Logger`, `gyp.common.WriteOnDiff`), in one pass over the text's qualified names.
 */
function recordMembers(refs: ImportRef[], src: string, rule: MemberUseRule): void {
  const found = countMembers(refs, src, rule);
  if (!found.size) return;
  for (const ref of refs) {
    if (ref.kind === 'export') continue;
    const members: Record<string, string[]> = {};
    let any = false;
    for (const q of rule.qualifiers(ref)) {
      const counts = found.get(q);
      if (counts?.size) {
        members[q] = [...counts.keys()];
        any = true;
      }
    }
    if (any) ref.members = members;
  }
}

/** A member written after a qualifier: how many times, and the offset of its first use in the text. */
export interface MemberUse {
  count: number;
  first: number;
}

/** Qualifier → each member the text writes right after it (in order of first use; MAX_MEMBERS at most). */
function countMembers(refs: readonly ImportRef[], src: string, rule: MemberUseRule): Map<string, Map<string, MemberUse>> {
  const qualifiers = new Set<string>();
  let depth = 1;
  for (const ref of refs) {
    if (ref.kind === 'export') continue;
    for (const q of rule.qualifiers(ref)) {
      if (!q) continue;
      depth = Math.max(depth, q.split(rule.separator).length);
      qualifiers.add(q);
    }
  }
  const found = new Map<string, Map<string, MemberUse>>();
  if (!qualifiers.size) return found;
  for (const m of src.matchAll(CHAINS[rule.separator])) {
    const segs = m[0].split(rule.separator);
    for (let k = 1; k < segs.length && k <= depth; k++) {
      const q = k === 1 ? segs[0] : segs.slice(0, k).join(rule.separator);
      if (!qualifiers.has(q)) continue;
      let counts = found.get(q);
      if (!counts) found.set(q, (counts = new Map()));
      const use = counts.get(segs[k]);
      if (use) use.count++;
      else if (counts.size < MAX_MEMBERS) counts.set(segs[k], { count: 1, first: m.index! });
    }
  }
  return found;
}

/** Whether the language has a rule for the members code reaches through its imports (memberUsesIn reads none otherwise). */
export function readsMemberUses(lang: LanguageId): boolean {
  return !!languageSupport(lang).memberUses;
}

/**
 * The members a text reaches through what `refs` import, as `memberUses` of the language reads
 * them: qualifier (as written: `gyp.common`, `middleware`) → member → its uses. Empty for a
 * language without the rule.
 */
export function memberUsesIn(refs: readonly ImportRef[], text: string, lang: LanguageId): Map<string, Map<string, MemberUse>> {
  const rule = languageSupport(lang).memberUses;
  if (!rule || !refs.length) return new Map();
  try {
    return countMembers(refs, text, rule);
  } catch {
    return new Map();
  }
}

/**
 * The qualifiers through which code reaches members of what `ref` imports (`pkg` of `pkg.Name`,
 * `a.b` of `a.b.name`); [] for a language without the rule.
 */
export function memberQualifiers(ref: ImportRef, lang: LanguageId): string[] {
  try {
    return languageSupport(lang).memberUses?.qualifiers(ref) ?? [];
  } catch {
    return [];
  }
}

// ---------------------------------------------------------------------------
// Resolution

/** Workspace files one import refers to; [] when it points outside the workspace or cannot be found. */
export function resolveImport(ref: ImportRef, fromPath: string, language: LanguageId, ctx: ImportContext): string[] {
  try {
    const specifier = ref.specifier.trim();
    if (!specifier) return [];
    const from = fromPath.replace(/\\/g, '/').replace(/^\.\//, '');
    const resolve = languageSupport(language).resolveImport;
    return resolve ? resolve({ ref, specifier, from, ctx }) : [];
  } catch {
    return [];
  }
}

/**
 * Whether an import of `fromPath` makes `name` a member of that module (a re-export: TS's
 * `export { name } from`, Python's `from .core import name` in a package's `__init__`, Rust's
 * `pub use`); false for languages without the rule.
 */
export function reexports(ref: ImportRef, name: string, fromPath: string, language: LanguageId): boolean {
  const rule = languageSupport(language).reexports;
  if (!rule) return false;
  try {
    return rule(ref, name, fromPath.replace(/\\/g, '/').replace(/^\.\//, ''));
  } catch {
    return false;
  }
}
