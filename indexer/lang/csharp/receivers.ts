/**
 * The types C# code gives a receiver: its fields, locals and parameters are
 * declared as Java's are (`Foo foo`, `var foo = new Foo()`, `x is Foo f`:
 * java/receivers.ts reads those), and a property names its type the same way
 * before its accessors (`public Foo Current { get; }`).
 */
import type { ReceiverRule } from '../language-support.js';
import { javaReceivers } from '../java/receivers.js';

const PROPERTY = /(?:^|[\s(,<])(?:[A-Za-z_]\w*\.)*([A-Z]\w*)(?:<[^;=(){}]*?>)?\??(?:\[\s*,*\s*\])*\s+([A-Za-z_]\w*)\s*(?:\{|=>)/g;

export const csharpReceivers: ReceiverRule = (req) => {
  const out = javaReceivers(req);
  for (let l = Math.max(0, req.from); l < Math.min(req.lines.length, req.to); l++) {
    const line = req.lines[l];
    if (line.length > 400 || /\b(class|struct|interface|record|enum|namespace|new)\b/.test(line)) continue;
    for (const m of line.matchAll(PROPERTY)) {
      let set = out.get(m[2]);
      if (!set) out.set(m[2], (set = new Set()));
      set.add(m[1]);
    }
  }
  return out;
};
