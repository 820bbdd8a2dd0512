/**
 * What Rust files import: `use` trees (each path with the names it lists, `use a::b::Name` with
 * its last name; a wildcard as '*') and `mod x;` declarations.
 */
import type { Node } from 'web-tree-sitter';
import type { ImportSink } from '../../import-ref.js';
import { field, flatChildren } from '../../syntax.js';
import type { ImportExtractor } from '../language-support.js';

export const rustImports: ImportExtractor = ({ root, text, row, add }) => {
  for (const n of flatChildren(root)) {
    if (n.type === 'use_declaration') rustUse(field(n, 'argument'), text, row(n), add);
    else if (n.type === 'mod_item' && !field(n, 'body')) {
      const name = field(n, 'name');
      if (name) add(text(name), [], row(n), 'mod');
    }
  }
};

type Text = (n: Node | null) => string;

function rustUse(arg: Node | null, text: Text, r: number, add: ImportSink): void {
  if (!arg) return;
  const clean = (s: string) => s.replace(/\s+/g, '').replace(/^::/, '');
  switch (arg.type) {
    case 'use_as_clause':
      add(clean(text(field(arg, 'path'))), [], r, 'use');
      return;
    case 'use_wildcard':
      add(clean(text(arg)).replace(/::\*$/, ''), ['*'], r, 'use');
      return;
    case 'scoped_use_list': {
      const p = field(arg, 'path');
      const list = field(arg, 'list');
      const names: string[] = [];
      for (const c of list?.namedChildren ?? []) {
        if (!c) continue;
        if (c.type === 'use_as_clause') names.push(clean(text(field(c, 'path'))));
        else if (c.type === 'scoped_use_list') names.push(clean(text(field(c, 'path'))));
        else names.push(clean(text(c))); // a wildcard: '*' or 'sub::*'
      }
      add(clean(text(p)), names, r, 'use');
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
