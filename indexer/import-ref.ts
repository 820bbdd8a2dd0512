/**
 * ImportRef: one import as a file writes it, before resolution; and
 * ImportContext, what resolution knows of the workspace. Shared by
 * imports.ts (the entry point) and every language's extractor and resolver.
 */

export interface ImportRef {
  specifier: string;
  /** Imported bindings where the syntax names them (`import {a as b}` → 'a'; a default import → 'default'); [] otherwise. */
  names: string[];
  /**
   * The local name bound to the module itself, where there is one (`import * as x`, a default
   * import, `x = require('y')`, Python's `import a.b as x`, a Go package name): `x.name` then
   * refers into the imported file.
   */
  binding?: string;
  /** 1-based line of the import. */
  line: number;
  /**
   * The members the file reaches through what this import binds, by the qualifier the code writes
   * (`{ middleware: ['Logger'] }` for `middleware.Logger`, `{ 'gyp.common': ['WriteOnDiff'] }` for
   * Python's `import gyp.common`, `{ dns: ['resolve'] }` for Rust's `dns::resolve`), each name
   * once, in the order first written; absent when none (lang/*: `memberUses`).
   */
  members?: Record<string, string[]>;
  /** What kind of import: 'import' | 'export' | 'require' | 'dynamic' | 'from' | 'use' | 'mod' | 'include' | 'system-include' | 'require_relative' | 'source' … */
  kind?: string;
  /**
   * Names bound under another name than the module's, where the syntax renames: [the name the file
   * writes, the name it stands for] (`import {a as b}` → ['b', 'a'], Python's `from m import a as b`,
   * Rust's `use m::A as B` → ['B', 'A']); for `export {a as b} from 'm'`, [the name exported, the
   * module's]. Pairs, not an object: a name such as `constructor` is no key to look up. Absent when
   * nothing is renamed.
   */
  renames?: [string, string][];
}

export interface ImportContext {
  /** All workspace-relative posix paths. Treated as immutable while cached: pass a new set when files change. */
  files: ReadonlySet<string>;
  /** The module path from go.mod. */
  goModule?: string | null;
  /** Workspace package name → its folder (monorepo package.json names, Cargo crate names). */
  packages?: ReadonlyMap<string, string>;
  /**
   * The workspace folder's own name. A workspace opened at a Python package (`__init__.py` at its
   * root, as `email/` is) is imported by that name from inside: `from email import errors`.
   */
  rootName?: string;
  /** Folder → the entry file its package.json names (`main`, `module`): `require('..')` of a package root. */
  packageMains?: ReadonlyMap<string, string>;
  /**
   * A workspace file's text (null when unreadable): what a resolver reads of the workspace's own
   * configuration (tsconfig.json `paths`, package.json `exports`). Read as data, never run.
   */
  readText?(path: string): string | null;
  /**
   * The namespaces files declare, as the index has them now (C#'s `namespace Acme.Billing`, whose
   * name need not follow the file's folder): the files that declare one, and the ones a file
   * declares. (The workspace's import graph keeps a file's resolved usings until that file or the
   * file set changes: a namespace renamed elsewhere reaches it then.)
   */
  namespaces?: {
    declaring(name: string): readonly string[];
    of(path: string): readonly string[];
  };
}

/**
 * Records one import found by an extractor: its specifier, the names it
 * imports, its 0-based row, its kind, the local name bound to the module
 * (kept only when it is an identifier), and the names it binds under another
 * name (ImportRef's `renames`).
 */
export type ImportSink = (specifier: string, names: string[], row: number, kind: string, binding?: string, renames?: [string, string][]) => void;

/** A name a module can be bound to. */
export const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** A string literal's contents (quotes, a prefix such as Python's `b`, or C's `<…>` removed). */
export function unquote(s: string): string {
  return s.replace(/^[a-zA-Z]*?(['"`])([\s\S]*)\1$/, '$2').replace(/^<([\s\S]*)>$/, '$1');
}
