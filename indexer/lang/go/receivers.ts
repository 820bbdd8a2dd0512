/**
 * The types Go code gives a name used as a receiver (`s` in `s.Start()`): a
 * method's own receiver `func (s *Server)`, parameters and fields `s *Server`,
 * `var s Server`, `s := &Server{…}`, `s := Server{…}`, `s := new(Server)`,
 * and by Go's convention a constructor `s := NewServer(…)` (or
 * `s, err := NewServer(…)`). A package qualifier is dropped (`*http.Server` →
 * `Server`); only exported-style (capitalized) and lower-case named types of
 * the code are kept, never the built-in ones.
 */
import type { ReceiverRule } from '../language-support.js';

const BUILTIN = new Set('bool byte complex64 complex128 error float32 float64 int int8 int16 int32 int64 rune string uint uint8 uint16 uint32 uint64 uintptr any'.split(' '));
const ID = String.raw`[A-Za-z_]\w*`;
/** A type as written after a name: `*pkg.Type`, `[]*Type`, `Type[T]`. The type's name is the capture. */
const TYPE = String.raw`(?:\[\]|\*)*(?:${ID}\.)?(${ID})`;
const PATTERNS: RegExp[] = [
  // func (s *Server) Start(…), and each `name Type` / `a, b Type` of a parameter list or struct
  new RegExp(String.raw`[(,]\s*(${ID})\s+(?:\.\.\.)?${TYPE}\s*(?=[,)\[])`, 'g'),
  // var s Server, var s *Server = …; a struct field or a parameter on its own line
  new RegExp(String.raw`^\s*(?:var\s+)?(${ID})\s+${TYPE}\s*(?:=|$|//|\`)`, 'g'),
  // s := &Server{…}, s = Server{…}, s := pkg.Server{…}
  new RegExp(String.raw`\b(${ID})\s*:?=\s*&?(?:${ID}\.)?(${ID})\s*\{`, 'g'),
  // s := new(Server)
  new RegExp(String.raw`\b(${ID})\s*:?=\s*new\(\s*${TYPE}\s*\)`, 'g'),
  // s := NewServer(…), s, err := pkg.NewServer(…)
  new RegExp(String.raw`\b(${ID})(?:\s*,\s*${ID})?\s*:?=\s*(?:${ID}\.)?New(${ID})\s*\(`, 'g'),
];

export const goReceivers: ReceiverRule = ({ lines, from, to }) => {
  const out = new Map<string, Set<string>>();
  for (let l = Math.max(0, from); l < Math.min(lines.length, to); l++) {
    const line = lines[l];
    if (line.length > 400) continue;
    for (const re of PATTERNS) {
      re.lastIndex = 0;
      for (const m of line.matchAll(re)) {
        const [, name, type] = m;
        if (!type || BUILTIN.has(type) || name === '_' || KEYWORDS.has(name) || KEYWORDS.has(type)) continue;
        let set = out.get(name);
        if (!set) out.set(name, (set = new Set()));
        set.add(type);
      }
    }
  }
  return out;
};

const KEYWORDS = new Set('break case chan const continue default defer else fallthrough for func go goto if import interface map package range return select struct switch type var'.split(' '));
