/**
 * The types Rust code gives a receiver: `let s = Server::new(…)` (or `Server { … }`,
 * `reqwest::Client::builder()`), annotations (`s: &mut Server`, `s: Arc<Server>`), and `self`
 * inside `impl Server` or `impl Handler for Server` (both the type and the trait).
 */
import type { ReceiverRule } from '../language-support.js';

/** Wrappers whose first type argument is the type a method call reaches through them (auto-deref). */
const WRAPPERS = /^(?:Box|Arc|Rc|Option|RefCell|Cell|Mutex|RwLock|Pin|Cow)$/;
const PATH = String.raw`(?:[a-z_]\w*::)*`;
const TYPE = String.raw`&?\s*(?:'\w+\s+)?(?:mut\s+|dyn\s+|impl\s+)?${PATH}([A-Z]\w*)(\s*<\s*&?\s*(?:mut\s+)?${PATH}[A-Z]\w*)?`;
const LET = new RegExp(String.raw`\blet\s+(?:mut\s+)?([a-z_]\w*)\s*(?::[^=;]*)?=\s*(?:&\s*(?:mut\s+)?)?${PATH}([A-Z]\w*)\s*(?:::|\{|\()`, 'g');
const ANNOTATED = new RegExp(String.raw`(?<![:\w])([a-z_]\w*)\s*:\s*${TYPE}`, 'g');
const IMPL = /^\s*(?:pub(?:\([^)]*\))?\s+)?(?:unsafe\s+)?impl\b\s*(?:<(?:[^<>]|<[^<>]*>)*>)?\s*(.*?)\s*(?:\{|where\b|$)/;

export const rustReceivers: ReceiverRule = ({ lines, from, to, at }) => {
  const out = new Map<string, Set<string>>();
  const add = (name: string, type: string) => {
    if (name === 'self' && type === 'Self') return;
    let set = out.get(name);
    if (!set) out.set(name, (set = new Set()));
    set.add(type);
  };
  for (let r = Math.max(0, from); r < Math.min(lines.length, to); r++) {
    const line = lines[r];
    if (!line.includes(':') && !line.includes('=')) continue;
    for (const m of line.matchAll(LET)) add(m[1], m[2]);
    for (const m of line.matchAll(ANNOTATED)) {
      const inner = m[3] ? /([A-Z]\w*)$/.exec(m[3])?.[1] : undefined;
      add(m[1], inner && WRAPPERS.test(m[2]) ? inner : m[2]);
    }
  }
  if (at !== undefined) for (const t of enclosingImpl(lines, at)) add('self', t);
  return out;
};

/** The type (and trait) of the `impl` block around a row; [] outside one. */
function enclosingImpl(lines: readonly string[], at: number): string[] {
  for (let r = Math.min(at, lines.length - 1); r >= 0; r--) {
    const line = lines[r];
    const m = IMPL.exec(line);
    if (m) {
      const head = m[1].replace(/<(?:[^<>]|<[^<>]*>)*>/g, '');
      const [trait, type] = head.includes(' for ') ? head.split(/\s+for\s+/) : [null, head];
      const last = (t: string | null) => (t ? /([A-Za-z_]\w*)\s*$/.exec(t)?.[1] : undefined);
      return [last(type), last(trait)].filter((t): t is string => !!t);
    }
    // an item that starts at column 0 before any impl: the row is outside one
    if (r < at && /^(?:pub(?:\([^)]*\))?\s+)?(?:fn|struct|enum|trait|mod|const|static|type)\b|^\}/.test(line)) return [];
  }
  return [];
}
