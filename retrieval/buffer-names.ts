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
}

const IDENT = /[A-Za-z_$][A-Za-z0-9_$]*/g;

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

export function namesNearCursor(lines: readonly string[], cursorLine: number, opts: { hashComments?: boolean; maxLines?: number } = {}): NameUse[] {
  const maxLines = opts.maxLines ?? 600;
  const best = new Map<string, number>();
  const counts = new Map<string, number>();
  const from = Math.max(0, cursorLine - maxLines);
  const to = Math.min(lines.length - 1, cursorLine + Math.floor(maxLines / 3));
  for (let l = from; l <= to; l++) {
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
    }
  }
  return [...best].map(([name, distance]) => ({ name, distance, count: counts.get(name)! })).sort((a, b) => a.distance - b.distance);
}
