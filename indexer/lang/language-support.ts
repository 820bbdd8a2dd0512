/**
 * LanguageSupport: what Cvu knows of one language, behind one interface —
 * what its syntax declares, what a file imports and which files that means,
 * definitions inside function bodies, how its identifiers are read; and,
 * next, which files' names a file sees unqualified and what type a receiver
 * has. Each language is a folder under lang/ exporting one object of this
 * shape; lang/registry.ts maps every LanguageId to one. Every part is
 * optional: a language without a grammar may still resolve imports (Vue
 * files resolve as scripts) or read identifiers its own way.
 *
 * ```ts
 * export const go: LanguageSupport = {
 *   declarations: goDeclarations,        // (node, src, scope) => Decl[]
 *   imports: goImports,                  // ({ root, text, row, add }) => void
 *   resolveImport: ({ specifier, ctx }) => resolveGo(specifier, ctx),
 *   lexicon: { lexer: lexers.cLike, keywords: goKeywords },
 * };
 * ```
 *
 * Language folders import the shared machinery (syntax.ts, decl.ts,
 * line-index.ts, import-ref.ts, file-index.ts, refs.ts) and this file; the
 * shared modules never import a language folder.
 */
import type { Node } from 'web-tree-sitter';
import type { Decl, Scope } from '../decl.js';
import type { ImportContext, ImportRef, ImportSink } from '../import-ref.js';
import type { LineIndex } from '../line-index.js';
import type { Lexicon } from '../refs.js';

export interface LanguageSupport {
  /** What a node of this language's syntax tree declares (none for most nodes). */
  declarations?: DeclarationClassifier;
  /** The imports a parsed file writes, in source order. */
  imports?: ImportExtractor;
  /** The workspace files one import refers to. */
  resolveImport?: ImportResolver;
  /** Whether one of a module's imports makes a name one of the module's own members (a re-export). */
  reexports?: ReexportRule;
  /** Definitions inside function bodies (nested functions, bindings of computed values). */
  localDefinitions?: LocalDefinitionRules;
  /** How code reaches a module's members through the names its imports bind (`pkg.Name`, `a.b.name`, `m::f`). */
  memberUses?: MemberUseRule;
  /** How identifiers are read from the text, for each chunk's refs. */
  lexicon?: Lexicon;
  /** How a file without a syntax tree is cut: 'headings' at Markdown headings; line windows by default. */
  fallbackChunks?: 'headings';
  /**
   * Not yet used: the files whose top-level definitions a file sees by bare name, with no
   * import or qualifier (Go: the other files of its package folder; Java: its package).
   */
  scope?: ScopeRule;
  /** Not yet used: the types the text gives a name used as a receiver (`mailer` in `mailer.send()`). */
  receivers?: ReceiverRule;
}

/**
 * The declarations a node makes, at the level `scope` says it sits (file, class body,
 * namespace). Called for every named node listed at a level; one that declares nothing
 * returns []. May throw on a shape it does not expect: the node is then skipped.
 */
export type DeclarationClassifier = (node: Node, src: string, scope: Scope) => Decl[];

/** A parsed file as an import extractor reads it. */
export interface ImportSource {
  root: Node;
  lines: LineIndex;
  /** The source text of a node ('' for none). */
  text(n: Node | null): string;
  /** The 0-based row a node starts on. */
  row(n: Node): number;
  /** Records one import; blank, overlong and repeated (same row and specifier) ones are dropped. */
  add: ImportSink;
}

/** Reports a file's imports through `file.add`. May throw: what was added until then is kept. */
export type ImportExtractor = (file: ImportSource) => void;

/**
 * How the code writes a member of an imported module: the qualifiers an import binds, as the code
 * writes them (a Go package's name, `x` of `import * as x`, Python's `a.b` of `import a.b`, the
 * names of `from pkg import module` that may be modules), and what joins a qualifier to the member.
 */
export interface MemberUseRule {
  separator: '.' | '::';
  /** The qualifiers `ref` binds ([] for none). */
  qualifiers(ref: ImportRef): string[];
}

/** One import to resolve. */
export interface ResolveRequest {
  ref: ImportRef;
  /** `ref.specifier`, trimmed (never empty). */
  specifier: string;
  /** The importing file: workspace-relative, posix separators, no leading `./`. */
  from: string;
  ctx: ImportContext;
}

/** Workspace files an import refers to, best first; [] for anything outside the workspace. May throw (read as []). */
export type ImportResolver = (req: ResolveRequest) => string[];

/**
 * Whether `ref`, an import of the module `from`, re-exports `name`: makes `module.name` (or an
 * import of `name` from the module) mean what `ref` imports. TS/JS: `export { name } from`,
 * `export * from`; Python: `from .core import name` (any name a module imports is its attribute),
 * `from .core import *`; Rust: `pub use self::core::name`, `pub use core::*`.
 */
export type ReexportRule = (ref: ImportRef, name: string, from: string) => boolean;

/** How definitions inside function bodies are found: a tree-sitter query and what its matches mean. */
export interface LocalDefinitionRules {
  /** Captures `@def` (the definition), `@name` and, for bindings, `@value`. */
  query: string;
  /** Node types that open a function body: a match inside one is local, and named after it. */
  functionTypes: ReadonlySet<string>;
  /** The name of an anonymous function (the binding it is assigned to); '(anonymous)' when undefined. */
  anonymousName?(fn: Node): string | undefined;
  /** The symbol kind of a match ('function', 'class', 'local'); null: not a definition (a trivial value, an import binding). */
  kind(def: Node, value: Node | null): string | null;
  /**
   * For a member defined on an object rather than in a function (`validate() {}` in an object literal,
   * `this.send = function`), what the object is called: its container, at file level too. Undefined:
   * not such a member (its container is the function it is in); null: one nothing names.
   */
  owner?(def: Node, enclosing: () => string | null): string | null | undefined;
}

/** What a scope rule is asked: which files a file sees unqualified. */
export interface ScopeRequest {
  /** The file asking: workspace-relative, posix separators. */
  from: string;
  /** Its imports, as extracted (a rule may widen the scope through them: Java's `import a.b.*`, C#'s `using`). */
  imports: readonly ImportRef[];
  ctx: ImportContext;
}

/** The workspace files whose top-level definitions `from` sees by bare name (itself left out). */
export type ScopeRule = (req: ScopeRequest) => string[];

/** What a receiver rule is asked: lines of a file and the rows to read. */
export interface ReceiverRequest {
  lines: readonly string[];
  /** 0-based rows, `to` exclusive. */
  from: number;
  to: number;
  /** The row the receivers are read for (the cursor's): `self` there means the enclosing class's or impl's type. */
  at?: number;
}

/** Name → the type names the text gives it (`mailer: SmtpMailer`, `mailer := NewSmtpMailer()`, Go's `func (m *Mailer)`). */
export type ReceiverRule = (req: ReceiverRequest) => Map<string, Set<string>>;
