/**
 * Definitions inside function bodies: nested named functions (fastify's
 * `function inject () {}` inside `function fastify () {}`), and `const`/`let`
 * bindings of computed values. The declaration classifiers stop at function
 * bodies; these are found with each language's tree-sitter query instead
 * (its `localDefinitions`, in lang/).
 *
 * They go into the symbol table with kind 'function'/'class' (nested
 * definitions are real API) or 'local' (a binding: retrieval ranks these low,
 * but a name bound once in the whole code base usually means one concept).
 * A language may also find members of objects (JS/TS: an object literal's
 * methods, `this.send = function`): those are the object's, at file level too.
 */
import { Query, type Language, type Node } from 'web-tree-sitter';
import type { LanguageId } from './languages.js';
import type { LocalDefinitionRules } from './lang/language-support.js';
import { languageSupport } from './lang/registry.js';
import type { SymbolDef } from './symbols.js';

/** A file with more than this many local definitions keeps the first ones: generated code must not flood the table. */
const MAX_LOCALS = 1000;

const cache = new WeakMap<LocalDefinitionRules, WeakMap<Language, Query | null>>();

function queryFor(rules: LocalDefinitionRules, language: Language): Query | null {
  let byGrammar = cache.get(rules);
  if (!byGrammar) cache.set(rules, (byGrammar = new WeakMap()));
  if (byGrammar.has(language)) return byGrammar.get(language)!;
  let q: Query | null;
  try {
    q = new Query(language, rules.query);
  } catch {
    q = null;
  }
  byGrammar.set(language, q);
  return q;
}

/** The name of the nearest enclosing function, or null at file, class or namespace level. */
function enclosingFunction(n: Node, rules: LocalDefinitionRules): string | null {
  for (let p = n.parent; p; p = p.parent) {
    if (rules.functionTypes.has(p.type)) {
      const name = p.childForFieldName('name');
      if (name) return name.text;
      return rules.anonymousName?.(p) ?? '(anonymous)';
    }
  }
  return null;
}

export function extractLocalSymbols(root: Node, lang: LanguageId, path: string, known: readonly SymbolDef[]): SymbolDef[] {
  const rules = languageSupport(lang).localDefinitions;
  const q = rules ? queryFor(rules, root.tree.language) : null;
  if (!rules || !q) return [];
  const seen = new Set(known.map((s) => `${s.name}:${s.startLine}`));
  const out: SymbolDef[] = [];
  for (const m of q.matches(root)) {
    if (out.length >= MAX_LOCALS) break;
    const nameNode = m.captures.find((c) => c.name === 'name')?.node;
    const def = m.captures.find((c) => c.name === 'def')?.node;
    const value = m.captures.find((c) => c.name === 'value')?.node ?? null;
    if (!nameNode || !def) continue;
    const owner = rules.owner?.(def, () => enclosingFunction(def, rules));
    if (owner === null) continue; // a member of an object nothing names
    const container = owner ?? enclosingFunction(def, rules);
    if (container === null) continue; // file or class level: symbols.ts has it
    const name = nameNode.text;
    const startLine = def.startPosition.row + 1;
    if (seen.has(`${name}:${startLine}`)) continue;
    const kind = rules.kind(def, value);
    if (kind === null) continue;
    seen.add(`${name}:${startLine}`);
    const firstLine = def.text.split('\n', 1)[0];
    out.push({
      name, kind, path, startLine, endLine: def.endPosition.row + 1, container,
      signature: firstLine.trim().slice(0, 200), exported: false,
    });
  }
  return out;
}
