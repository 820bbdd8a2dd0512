/**
 * What Rust files import: `use` trees (each path with the names it lists, `use a::b::Name` with
 * its last name; a wildcard as '*'), `mod x;` declarations, and the modules the code reaches items
 * through by a path without a `use` (`crate::error::BoxError`, `reqwest::Proxy::http(…)`): each is an
 * import of that module (kind 'path') bound to its last segment (`error`, `reqwest`), as a `use` of
 * the module would bind it, so that `error::BoxError` reads as a member of error.rs.
 */
import type { Node } from 'web-tree-sitter';
import type { ImportSink } from '../../import-ref.js';
import { field, flatChildren } from '../../syntax.js';
import type { ImportExtractor } from '../language-support.js';

export const rustImports: ImportExtractor = ({ root, lines, text, row, add }) => {
  for (const n of flatChildren(root)) {
    if (n.type === 'use_declaration') rustUse(field(n, 'argument'), text, row(n), add);
    else if (n.type === 'mod_item' && !field(n, 'body')) {
      const name = field(n, 'name');
      if (name) add(text(name), [], row(n), 'mod');
    }
  }
  rustPaths(lines.text, add);
};

/** How many distinct modules a file's code reaches into by path are kept as imports. */
const MAX_PATHS = 100;
/** `a::b::Item` in code: a module path (lower-case segments) before an item (a type, or a function called). */
const PATH = /(?<![\w:])([a-z_][a-z0-9_]*(?:::[a-z_][a-z0-9_]*)*)::(?:[A-Z]\w*|[a-z_]\w*\s*(?:::<[^>\n]*>)?\s*\()/g;
/** The standard library and other implicit roots never name a workspace file. */
const EXTERNAL_ROOT = /^(?:std|core|alloc)(?:::|$)/;

/** Modules written as paths in the code (not in a `use`): one 'path' import each, first occurrence. */
function rustPaths(src: string, add: ImportSink): void {
  const seen = new Set<string>();
  const lines = src.split('\n');
  for (let r = 0; r < lines.length && seen.size < MAX_PATHS; r++) {
    let line = lines[r];
    if (!line.includes('::') || /^\s*(?:pub(?:\([^)]*\))?\s+)?use\b/.test(line)) continue;
    const comment = line.indexOf('//');
    if (comment >= 0) line = line.slice(0, comment);
    for (const m of line.matchAll(PATH)) {
      const module = m[1];
      if (EXTERNAL_ROOT.test(module) || seen.has(module)) continue;
      seen.add(module);
      const last = module.slice(module.lastIndexOf(':') + 1);
      // `crate::X`, `super::X`: the module is the crate root or the parent, which no qualifier names
      add(module, [], r, 'path', /^(?:crate|self|super)$/.test(last) ? undefined : last);
    }
  }
}

type Text = (n: Node | null) => string;

function rustUse(arg: Node | null, text: Text, r: number, add: ImportSink): void {
  if (!arg) return;
  const clean = (s: string) => s.replace(/\s+/g, '').replace(/^::/, '');
  switch (arg.type) {
    case 'use_as_clause': {
      // `use a::b::Name as Other;`: the file writes Other for a::b's Name.
      const path = clean(text(field(arg, 'path')));
      add(path, [], r, 'use', undefined, renamed(arg, path, text));
      return;
    }
    case 'use_wildcard':
      add(clean(text(arg)).replace(/::\*$/, ''), ['*'], r, 'use');
      return;
    case 'scoped_use_list': {
      const p = field(arg, 'path');
      const list = field(arg, 'list');
      const names: string[] = [];
      const renames: [string, string][] = [];
      for (const c of list?.namedChildren ?? []) {
        if (!c) continue;
        if (c.type === 'use_as_clause') {
          const path = clean(text(field(c, 'path')));
          names.push(path);
          renames.push(...renamed(c, path, text));
        } else if (c.type === 'scoped_use_list') names.push(clean(text(field(c, 'path'))));
        else names.push(clean(text(c))); // a wildcard: '*' or 'sub::*'
      }
      add(clean(text(p)), names, r, 'use', undefined, renames);
      return;
    }
    case 'use_list':
      for (const c of arg.namedChildren) if (c) rustUse(c, text, r, add);
      return;
    case 'scoped_identifier': {
      // `use a::b::Name;` imports Name (from a::b, or the module a::b::Name): the file uses Name by name
      const name = text(field(arg, 'name'));
      add(clean(text(arg)), name && name !== 'self' ? [name] : [], r, 'use');
      return;
    }
    default:
      add(clean(text(arg)), [], r, 'use');
  }
}

/** A `use_as_clause`'s renaming: [the alias, the last segment of the path it renames] (none for `as _`). */
function renamed(clause: Node, path: string, text: Text): [string, string][] {
  const alias = text(field(clause, 'alias'));
  return alias && alias !== '_' ? [[alias, path.slice(path.lastIndexOf(':') + 1)]] : [];
}
