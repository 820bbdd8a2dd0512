/**
 * What TypeScript and JavaScript files import: `import` and `export … from`
 * statements, `import x = require()`, and `require('x')` / `import('x')`
 * anywhere in the file, with the names and the binding each one gives.
 */
import type { Node } from 'web-tree-sitter';
import { IDENTIFIER, unquote, type ImportSink } from '../../import-ref.js';
import { field, flatChildren } from '../../syntax.js';
import type { ImportExtractor } from '../language-support.js';

export const typescriptImports: ImportExtractor = ({ root, lines, text, row, add }) => {
  const src = lines.text;
  jsImports(flatChildren(root), text, row, add);
  // require('x') and import('x') may sit anywhere; a scan is far cheaper than a full tree walk
  for (const m of src.matchAll(/(?<![\w$.])(require|import)\s*\(\s*(['"`])([^'"`\n\\]+)\2\s*[,)]/g)) {
    const at = m.index ?? 0;
    // `const x = require('y')`, also wrapped as compiled TypeScript writes it (`__importStar(require('y'))`),
    // and CommonJS's named import, `const { a, b: c } = require('y')`.
    const before = src.slice(Math.max(0, at - 400), at);
    const binding = /(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*=\s*(?:[\w$.]+\()?(?:await\s+)?$/.exec(before)?.[1];
    const destructured = /(?:const|let|var)\s*\{([^{}]*)\}\s*=\s*(?:await\s+)?$/.exec(before)?.[1];
    const names = destructured ? destructured.split(',').map((p) => p.split(':')[0].trim()).filter((n) => IDENTIFIER.test(n)) : [];
    add(m[3], names, lines.rowOf(at), m[1] === 'require' ? 'require' : 'dynamic', binding);
  }
};

type Text = (n: Node | null) => string;
type Row = (n: Node) => number;

function jsImports(nodes: Node[], text: Text, row: Row, add: ImportSink): void {
  for (const n of nodes) {
    if (n.type === 'import_statement') {
      let source = field(n, 'source');
      if (!source) {
        const req = n.namedChildren.find((c) => c?.type === 'import_require_clause');
        source = req ? field(req, 'source') ?? req.namedChildren.find((c) => c?.type === 'string') ?? null : null;
      }
      if (!source) continue;
      const names: string[] = [];
      const renames: [string, string][] = [];
      let binding: string | undefined;
      const clause = n.namedChildren.find((c) => c?.type === 'import_clause');
      if (clause) {
        for (const c of clause.namedChildren) {
          if (!c) continue;
          if (c.type === 'identifier') {
            names.push('default');
            binding = text(c);
          } else if (c.type === 'namespace_import') {
            binding = text(c.namedChildren.find((x) => x?.type === 'identifier') ?? null);
          } else if (c.type === 'named_imports') {
            for (const s of c.namedChildren) if (s && s.type === 'import_specifier') specifier(s, names, renames, text);
          }
        }
      }
      // `import x = require('y')`
      const req = n.namedChildren.find((c) => c?.type === 'import_require_clause');
      if (req) binding = text(req.namedChildren.find((x) => x?.type === 'identifier') ?? null);
      add(unquote(text(source)), names, row(n), 'import', binding, renames);
    } else if (n.type === 'export_statement') {
      const source = field(n, 'source');
      if (!source) continue;
      const names: string[] = [];
      const renames: [string, string][] = [];
      const clause = n.namedChildren.find((c) => c?.type === 'export_clause');
      if (clause) for (const s of clause.namedChildren) if (s && s.type === 'export_specifier') specifier(s, names, renames, text);
      add(unquote(text(source)), names, row(n), 'export', undefined, renames);
    }
  }
}

/** One `a` or `a as b` of an import or export list: `a` is the module's name; `b`, if any, the one bound (or exported). */
function specifier(s: Node, names: string[], renames: [string, string][], text: Text): void {
  const name = text(field(s, 'name') ?? s.namedChild(0));
  names.push(name);
  const alias = field(s, 'alias');
  if (alias) renames.push([text(alias), name]);
}
