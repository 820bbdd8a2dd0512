/**
 * The types Python code gives a receiver: annotations (`client: Client`, `c: Optional[Client]`,
 * `c: "Client"`), constructor calls (`client = Client(…)`, `client = pkg.Client(…)`,
 * `with Client() as client`), and `self`/`cls` inside a class: that class and its bases.
 */
import type { ReceiverRule } from '../language-support.js';

const DOTTED = String.raw`(?:[A-Za-z_]\w*\.)*`;
/** `Optional[T]`, `t.Optional[T]`, `list[T]`… stand for T as far as a member access goes. */
const WRAPPED = String.raw`(?:${DOTTED}(?:Optional|Type|type|Final|ClassVar|Annotated)\[)?`;
const ANNOTATED = new RegExp(String.raw`(?<![\w.])([A-Za-z_]\w*)\s*:\s*["']?${WRAPPED}${DOTTED}([A-Z]\w*)`, 'g');
const CONSTRUCTED = new RegExp(String.raw`(?<![\w.])(?:self\.)?([A-Za-z_]\w*)\s*(?::[^=]*)?=\s*(?:await\s+)?${DOTTED}([A-Z]\w*)\s*\(`, 'g');
const WITH = new RegExp(String.raw`\b${DOTTED}([A-Z]\w*)\s*\([^()]*(?:\([^()]*\)[^()]*)*\)\s+as\s+([A-Za-z_]\w*)`, 'g');
const CLASS = /^(\s*)class\s+([A-Za-z_]\w*)\s*(?:\((.*)\))?\s*:/;

export const pythonReceivers: ReceiverRule = ({ lines, from, to, at }) => {
  const out = new Map<string, Set<string>>();
  const add = (name: string, type: string) => {
    let set = out.get(name);
    if (!set) out.set(name, (set = new Set()));
    set.add(type);
  };
  for (let r = Math.max(0, from); r < Math.min(lines.length, to); r++) {
    const line = lines[r].replace(/#.*$/, '');
    if (!line.includes(':') && !line.includes('=') && !line.includes(' as ')) continue;
    for (const m of line.matchAll(ANNOTATED)) if (m[1] !== 'self' && m[1] !== 'cls') add(m[1], m[2]);
    for (const m of line.matchAll(CONSTRUCTED)) if (m[1] !== 'self' && m[1] !== 'cls') add(m[1], m[2]);
    for (const m of line.matchAll(WITH)) add(m[2], m[1]);
  }
  if (at !== undefined) {
    for (const t of enclosingClass(lines, at)) {
      add('self', t);
      add('cls', t);
    }
  }
  return out;
};

/** The class whose body holds a row, then its bases (their last dotted segment); [] at module level. */
function enclosingClass(lines: readonly string[], at: number): string[] {
  const row = Math.min(at, lines.length - 1);
  if (row < 0) return [];
  const lead = (l: string) => /^\s*/.exec(l)![0].length;
  // the row's indentation: its own (a blanked line keeps it), else that of the code above it
  let indent = lines[row].length ? lead(lines[row]) : -1;
  let r = row - 1;
  if (indent < 0) {
    while (r >= 0 && !lines[r].trim()) r--;
    if (r < 0) return [];
    indent = lead(lines[r]) + (/:\s*(#.*)?$/.test(lines[r]) ? 1 : 0);
  }
  for (; r >= 0 && indent > 0; r--) {
    const line = lines[r];
    if (!line.trim() || /^\s*#/.test(line)) continue;
    const own = lead(line);
    if (own >= indent) continue;
    const m = CLASS.exec(line);
    if (m) {
      const bases = (m[3] ?? '')
        .split(',')
        .map((b) => b.trim())
        .filter((b) => b && !b.includes('='))
        .map((b) => /([A-Za-z_]\w*)\s*(?:\[.*)?$/.exec(b)?.[1] ?? '')
        .filter((b) => b && b !== 'object');
      return [m[2], ...bases];
    }
    indent = own;
  }
  return [];
}
