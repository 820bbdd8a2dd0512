/**
 * The types Java (and C#) code gives a name used as a receiver (`gson` in
 * `gson.toJson(…)`): declarations of fields, locals and parameters
 * (`Gson gson`, `final Map<K, V> cache =`, `List<Foo>[] xs`, `Foo... foos`),
 * `x = new Foo(…)` (also for `var x`), a cast `(Foo) x`, a pattern
 * `x instanceof Foo f`, and the enhanced for's `for (Foo f : foos)`. Only the
 * type's own name is kept (`a.b.Foo` → `Foo`, `Outer.Inner` → `Inner`);
 * generic arguments are dropped.
 */
import type { ReceiverRule } from '../language-support.js';

const ID = String.raw`[A-Za-z_$][\w$]*`;
/** A declared type: `a.b.Foo`, `Foo<Bar, Baz<Q>>`, `Foo[]`, `Foo...`, `Foo?` (C#). The type's last name is the capture. */
const TYPE = String.raw`(?:${ID}\.)*([A-Z][\w$]*)(?:\s*<[^;=(){}]*?>)?\??(?:\s*\[\s*,*\s*\])*(?:\.\.\.)?`;
const PATTERNS: RegExp[] = [
  // Foo foo;  Foo foo = …;  (Foo foo, Bar bar)  — fields, locals, parameters
  new RegExp(String.raw`(?:^|[\s(,<])${TYPE}\s+(${ID})\s*(?=[;=,):])`, 'g'),
  // foo = new Foo(…), var foo = new Foo<>(…)
  new RegExp(String.raw`\b(${ID})\s*=\s*new\s+(?:${ID}\.)*([A-Z][\w$]*)\s*[<({\[]`, 'g'),
  // x instanceof Foo f, x is Foo f
  new RegExp(String.raw`\b(?:instanceof|is)\s+(?:${ID}\.)*([A-Z][\w$]*)\s+(${ID})\b`, 'g'),
];

const KEYWORDS = new Set(
  'abstract assert boolean break byte case catch char class const continue default do double else enum extends final finally float for goto if implements import instanceof int interface long native new package private protected public return short static strictfp super switch synchronized this throw throws transient try void volatile while var record yield sealed permits in out ref is as base using namespace readonly override virtual async await'.split(' '),
);

export const javaReceivers: ReceiverRule = ({ lines, from, to }) => {
  const out = new Map<string, Set<string>>();
  const add = (name: string, type: string) => {
    if (KEYWORDS.has(name) || KEYWORDS.has(type)) return;
    let set = out.get(name);
    if (!set) out.set(name, (set = new Set()));
    set.add(type);
  };
  for (let l = Math.max(0, from); l < Math.min(lines.length, to); l++) {
    const line = lines[l];
    if (line.length > 400 || /^\s*(\/\/|\*|\/\*|import\b|package\b|using\b)/.test(line)) continue;
    for (const [i, re] of PATTERNS.entries()) {
      re.lastIndex = 0;
      for (const m of line.matchAll(re)) {
        if (i === 0) add(m[2], m[1]);
        else if (i === 1) add(m[1], m[2]);
        else add(m[2], m[1]);
      }
    }
  }
  return out;
};
