/**
 * The identifiers written around the cursor, nearest first. These are the
 * names whose definitions a completion most likely needs.
 */
export interface NameUse {
  name: string;
  /** Weighted line distance to the cursor (lines below count 1.5×: code reads top-down). */
  distance: number;
  /** How often the name is written in the lines looked at. */
  count: number;
  /** The identifiers written right before `.name` or `::name` (`dtypes` in `dtypes.Float64`, `Type` in `Type.Int`, `Body` in `Body::wrap_stream`). */
  qualifiers: string[];
  /** How many of the uses are member accesses (`x.name`, `this.name`) rather than the bare name. */
  qualified: number;
}

const IDENT = /[A-Za-z_$][A-Za-z0-9_$]*/g;
/** The identifier a member access starts from: `a.` or `a?.` at the end of the text, or a path's `Type::` (Rust, C++, PHP). */
const QUALIFIER = /([A-Za-z_$][A-Za-z0-9_$]*)(?:\??\.|::)$/;

/** Words no definition lookup should waste time on (keywords and literals of the common languages). */
const KEYWORDS = new Set(
  (
    'abstract and as assert async await bool boolean break byte case catch char class const constructor continue def defer del delete do double elif else enum except export extends false final finally float for from func function global go goto if impl implements import in instanceof int interface is lambda let long match mod module mut namespace new nil none None not null object of or package pass private protected pub public raise readonly return self Self short static string struct super switch synchronized this throw throws true True False try type typeof undefined union unsafe use var void volatile where while with yield'
  ).split(' '),
);

/** Removes string literals and line comments so their words do not count as uses. */
function codeOnly(line: string, hashComments: boolean): string {
  let out = line.replace(/(["'`])(?:\\.|(?!\1).)*\1/g, '""');
  const slash = out.indexOf('//');
  if (slash >= 0) out = out.slice(0, slash);
  if (hashComments) {
    const hash = out.indexOf('#');
    if (hash >= 0) out = out.slice(0, hash);
  }
  return out;
}

/** The lines around the cursor whose names count: 600 above, 200 below (`to` exclusive). */
export function nameWindow(cursorLine: number, lineCount: number): { from: number; to: number } {
  return { from: Math.max(0, cursorLine - NAME_LINES_ABOVE), to: Math.min(lineCount, cursorLine + NAME_LINES_ABOVE / 3 + 1) };
}

export const NAME_LINES_ABOVE = 600;

export function namesNearCursor(lines: readonly string[], cursorLine: number, opts: { hashComments?: boolean } = {}): NameUse[] {
  const best = new Map<string, number>();
  const counts = new Map<string, number>();
  const qualifiers = new Map<string, Set<string>>();
  const qualified = new Map<string, number>();
  const { from, to } = nameWindow(cursorLine, lines.length);
  for (let l = from; l < to; l++) {
    const text = codeOnly(lines[l], opts.hashComments ?? false);
    if (!text.trim()) continue;
    const d = l <= cursorLine ? cursorLine - l : (l - cursorLine) * 1.5;
    IDENT.lastIndex = 0;
    for (let m = IDENT.exec(text); m; m = IDENT.exec(text)) {
      const name = m[0];
      if (name.length < 2 || KEYWORDS.has(name)) continue;
      const cur = best.get(name);
      if (cur === undefined || d < cur) best.set(name, d);
      counts.set(name, (counts.get(name) ?? 0) + 1);
      if (m.index > 0 && (text[m.index - 1] === '.' || (text[m.index - 1] === ':' && text[m.index - 2] === ':'))) {
        qualified.set(name, (qualified.get(name) ?? 0) + 1);
        const q = QUALIFIER.exec(text.slice(Math.max(0, m.index - 80), m.index))?.[1];
        // `self.x` is a qualifier too: a receiver rule types it as the enclosing class or impl (and its bases)
        if (q && (!KEYWORDS.has(q) || q === 'self')) {
          let set = qualifiers.get(name);
          if (!set) qualifiers.set(name, (set = new Set()));
          set.add(q);
        }
      }
    }
  }
  return [...best]
    .map(([name, distance]) => ({ name, distance, count: counts.get(name)!, qualifiers: [...(qualifiers.get(name) ?? [])], qualified: qualified.get(name) ?? 0 }))
    .sort((a, b) => a.distance - b.distance);
}

/**
 * Declared or constructed types of the names in a buffer, as far as a line shows them:
 * `x: Type`, `x = new Type(`, `x = await Type.open(`, `x = Type(` (Python), `x := &Type{` and Go's
 * `x *Type` parameters. `x.send(…)` then most likely means Type's `send`. Only the type's own name
 * is kept (`pkg.Type` → `Type`).
 */
export function declaredTypes(lines: readonly string[], opts: { go?: boolean; from?: number; to?: number } = {}): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  const add = (name: string, type: string) => {
    let set = out.get(name);
    if (!set) out.set(name, (set = new Set()));
    set.add(type);
  };
  const patterns = [ANNOTATED, ASSIGNED, ...(opts.go ? [GO_PARAMETER] : [])];
  for (const line of lines.slice(opts.from ?? 0, opts.to ?? lines.length)) {
    if (!/[:=]|\*/.test(line)) continue;
    for (const re of patterns) for (const m of line.matchAll(re)) if (!KEYWORDS.has(m[1])) add(m[1], m[2]);
  }
  return out;
}

const TYPE = String.raw`(?:[A-Za-z_$][\w$]*\.)?([A-Z][\w$]*)`;
const ANNOTATED = new RegExp(String.raw`([A-Za-z_$][\w$]*)\??\s*:\s*(?:readonly\s+)?${TYPE}`, 'g');
const ASSIGNED = new RegExp(String.raw`([A-Za-z_$][\w$]*)\s*:?=\s*(?:await\s+)?(?:new\s+)?&?${TYPE}\s*[.({]`, 'g');
const GO_PARAMETER = new RegExp(String.raw`\b([a-z]\w*)\s+\*?${TYPE}\b`, 'g');

/** An import list the cursor is inside of: `import {⋯} from 'spec'`, `from spec import (⋯)`. */
export interface ImportListAtCursor {
  specifier: string;
  /** 0-based first and last line of the statement. */
  startLine: number;
  endLine: number;
  /** The identifiers written in the statement. */
  names: Set<string>;
  /** Those of them written on the lines right above and below the cursor. */
  beside: Set<string>;
}

/** How far from the cursor an open import list is looked for. */
const IMPORT_LIST_LINES = 200;

/**
 * The multi-line import statement around the cursor, if any: completing a
 * line there means naming more of what that module defines.
 */
export function importListAtCursor(lines: readonly string[], cursorLine: number, python: boolean): ImportListAtCursor | null {
  const opener = python ? /^\s*from\s+([\w.]+)\s+import\s*\([^)]*$/ : /^\s*(?:import|export)\s+(?:type\s+)?\{[^}]*$/;
  const closer = python ? /\)/ : /^\s*\}\s*from\s*(['"])([^'"]+)\1/;
  let start = -1;
  for (let l = cursorLine - 1; l >= Math.max(0, cursorLine - IMPORT_LIST_LINES); l--) {
    if (opener.test(lines[l])) {
      start = l;
      break;
    }
    if (/[;{}()]|^\s*(import|export|from|def|class|function|const|let|var)\b/.test(lines[l])) return null;
  }
  if (start < 0) return null;
  let end = -1;
  for (let l = cursorLine + 1; l < Math.min(lines.length, cursorLine + IMPORT_LIST_LINES); l++) {
    if (closer.test(lines[l])) {
      end = l;
      break;
    }
    if (/[;{}()]|^\s*(import|export|from|def|class|function|const|let|var)\b/.test(lines[l])) return null;
  }
  if (end < 0) return null;
  const specifier = python ? opener.exec(lines[start])![1] : closer.exec(lines[end])![2];
  const names = new Set<string>();
  const beside = new Set<string>();
  for (let l = start; l <= end; l++) {
    for (const m of lines[l].matchAll(IDENT)) {
      names.add(m[0]);
      if (Math.abs(l - cursorLine) === 1) beside.add(m[0]);
    }
  }
  return { specifier, startLine: start, endLine: end, names, beside };
}
