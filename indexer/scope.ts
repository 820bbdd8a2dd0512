/**
 * Scope: how a name resolves beyond what a file imports — the files whose
 * definitions it sees by bare name (Go's package folder, Java's package),
 * and the types its text gives a receiver (`mailer` in `mailer.send()`).
 * Each language's rules are its `scope` and `receivers` (in lang/); a
 * language without them answers [] and null.
 *
 * ```ts
 * filesInScope('pkg/server/handler.go', 'go', imports, ctx);   // the other files of pkg/server, once Go has its rule
 * ```
 */
import type { ImportContext, ImportRef } from './import-ref.js';
import type { LanguageId } from './languages.js';
import type { ReceiverRequest } from './lang/language-support.js';
import { languageSupport } from './lang/registry.js';

/** Workspace files whose top-level definitions `fromPath` sees without an import or qualifier (itself left out). */
export function filesInScope(fromPath: string, language: LanguageId, imports: readonly ImportRef[], ctx: ImportContext): string[] {
  const rule = languageSupport(language).scope;
  if (!rule) return [];
  try {
    const from = fromPath.replace(/\\/g, '/').replace(/^\.\//, '');
    return rule({ from, imports, ctx }).filter((f) => f !== from);
  } catch {
    return [];
  }
}

/** Name → the type names the text gives it, for the language's receivers; null when the language has no rule. */
export function receiverTypes(language: LanguageId, req: ReceiverRequest): Map<string, Set<string>> | null {
  const rule = languageSupport(language).receivers;
  if (!rule) return null;
  try {
    return rule(req);
  } catch {
    return null;
  }
}
