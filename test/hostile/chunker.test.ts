/**
 * Issue 6, part 4 (hostile input): the chunker on random strings, byte soup
 * decoded as text, and real-looking sources cut at random points, in every
 * language with a grammar (and a few that are only windowed). Whatever it is
 * given, analyzeFile must not throw, and its chunks and symbols must point at
 * real lines of the file. Fixed seeds.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { analyzeFile, type FileAnalysis } from '../../indexer/chunker.js';
import { hasGrammar, type LanguageId } from '../../indexer/languages.js';
import { silentLogger } from '../../core/log.js';

const SEED = 0x0c4a;

/** One small, real-looking source per language with a grammar (and a few windowed ones). */
const SAMPLES: Partial<Record<LanguageId, { path: string; text: string }>> = {
  typescript: { path: 'src/a.ts', text: `import { readFileSync } from 'node:fs';\n\nexport interface Options {\n  port: number;\n}\n\n/** Parses it. */\nexport function parseConfig(path: string): Options {\n  const raw = JSON.parse(readFileSync(path, 'utf8'));\n  return { port: raw.port ?? 8080 };\n}\n\nexport class Server {\n  constructor(private readonly opts: Options) {}\n  start(): void {\n    console.log(\`listening on \${this.opts.port}\`);\n  }\n}\n` },
  tsx: { path: 'src/a.tsx', text: `import React from 'react';\n\nexport function Button({ label }: { label: string }) {\n  return <button className="b" onClick={() => alert(label)}>{label}</button>;\n}\n\nexport const App = () => (\n  <div>\n    <Button label="hi" />\n  </div>\n);\n` },
  javascript: { path: 'src/a.js', text: `const fs = require('fs');\n\nfunction retry(fn, n = 3) {\n  for (let i = 0; i < n; i++) {\n    try { return fn(); } catch (e) { if (i === n - 1) throw e; }\n  }\n}\n\nclass Queue {\n  push(x) { this.items.push(x); }\n}\nmodule.exports = { retry, Queue };\n` },
  python: { path: 'src/a.py', text: `import time\nfrom os import path\n\n\nclass UploadRetrier:\n    """Retries uploads."""\n\n    def __init__(self, attempts: int = 3):\n        self.attempts = attempts\n\n    def run(self, fn):\n        for i in range(self.attempts):\n            try:\n                return fn()\n            except IOError:\n                time.sleep(2 ** i)\n\n\ndef main():\n    print(path.join("a", "b"))\n` },
  go: { path: 'cmd/main.go', text: `package main\n\nimport (\n\t"fmt"\n\t"net/http"\n)\n\ntype Server struct {\n\tPort int\n}\n\nfunc (s *Server) Start() error {\n\treturn http.ListenAndServe(fmt.Sprintf(":%d", s.Port), nil)\n}\n\nfunc main() {\n\ts := &Server{Port: 8080}\n\tfmt.Println(s.Start())\n}\n` },
  rust: { path: 'src/lib.rs', text: `use std::collections::HashMap;\n\npub struct Cache<'a> {\n    map: HashMap<&'a str, u32>,\n}\n\nimpl<'a> Cache<'a> {\n    pub fn get(&self, k: &str) -> Option<u32> {\n        self.map.get(k).copied()\n    }\n}\n\npub trait Store {\n    fn put(&mut self, k: String);\n}\n\nfn main() {\n    let c = 'x';\n    println!("{}", c);\n}\n` },
  java: { path: 'src/Main.java', text: `package app;\n\nimport java.util.List;\n\npublic class Main {\n    private final int port;\n\n    public Main(int port) { this.port = port; }\n\n    public static void main(String[] args) {\n        System.out.println(List.of(args));\n    }\n\n    interface Handler { void handle(String s); }\n}\n` },
  csharp: { path: 'src/App.cs', text: `using System;\n\nnamespace App {\n    public class Program {\n        public int Port { get; set; }\n        public static void Main(string[] args) {\n            Console.WriteLine("hi");\n        }\n    }\n    enum Color { Red, Green }\n}\n` },
  cpp: { path: 'src/a.cpp', text: `#include <vector>\n#include "a.h"\n\nnamespace app {\ntemplate <typename T>\nclass Stack {\n public:\n  void push(const T& x) { items_.push_back(x); }\n private:\n  std::vector<T> items_;\n};\n}  // namespace app\n\nint main() {\n  app::Stack<int> s;\n  s.push(1);\n  return 0;\n}\n` },
  c: { path: 'src/a.c', text: `#include <stdio.h>\n\nstruct point { int x, y; };\n\nstatic int add(int a, int b) {\n    return a + b;\n}\n\nint main(void) {\n    printf("%d\\n", add(1, 2));\n    return 0;\n}\n` },
  ruby: { path: 'lib/a.rb', text: `require 'json'\n\nmodule App\n  class Server\n    attr_reader :port\n\n    def initialize(port = 80)\n      @port = port\n    end\n\n    def start\n      puts "listening #{port}"\n    end\n  end\nend\n` },
  php: { path: 'src/a.php', text: `<?php\nnamespace App;\n\nuse Foo\\Bar;\n\nclass Server {\n    public function __construct(private int $port) {}\n\n    public function start(): void {\n        echo "listening {$this->port}";\n    }\n}\n\nfunction helper($x) { return $x * 2; }\n` },
  bash: { path: 'scripts/a.sh', text: `#!/usr/bin/env bash\nset -euo pipefail\n\nsource ./lib.sh\n\nbuild() {\n  local out="$1"\n  npm run build -- --out "$out"\n}\n\nif [ -n "\${CI:-}" ]; then\n  build dist\nfi\n` },
  css: { path: 'web/a.css', text: `@import url("base.css");\n\n:root {\n  --fg: #333;\n}\n\n.button, .link:hover {\n  color: var(--fg);\n  padding: 4px 8px;\n}\n\n@media (max-width: 600px) {\n  .button { display: block; }\n}\n` },
  powershell: { path: 'scripts/a.ps1', text: `param([string]$Name = "world")\n\nfunction Get-Greeting {\n    param([string]$Who)\n    return "Hello, $Who"\n}\n\nclass Greeter {\n    [string] Greet([string]$n) { return "hi $n" }\n}\n\nWrite-Output (Get-Greeting -Who $Name)\n` },
  ini: { path: 'setup.cfg', text: `[metadata]\nname = app\nversion = 1.0\n\n[options]\npackages = find:\ninstall_requires =\n    requests\n    click\n\n; a comment\n[tool:pytest]\naddopts = -q\n` },
  markdown: { path: 'docs/a.md', text: `# Guide\n\nRun it.\n\n## Install\n\n\`\`\`sh\nnpm i\n\`\`\`\n\n- one\n- two\n` },
  json: { path: 'a.json', text: `{\n  "name": "app",\n  "scripts": { "build": "tsc" },\n  "list": [1, 2, 3]\n}\n` },
  text: { path: 'notes.txt', text: `line one\n\nline three\n\tindented\n` },
};

const LANGS = Object.keys(SAMPLES) as LanguageId[];
const OPTIONS = { logger: silentLogger, parseTimeoutMs: 2000 };

/** The lines of a text as the chunker sees them (BOM dropped, CR LF and CR as LF; a final newline ends the last line). */
function linesOf(text: string): string[] {
  let t = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  t = t.replace(/\r\n?/g, '\n');
  const lines = t.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

function checkAnalysis(text: string, a: FileAnalysis, lang: LanguageId): void {
  const lines = linesOf(text);
  const n = lines.length;
  expect(a.language).toBe(lang);
  let prevStart = 0;
  for (const c of a.chunks) {
    const where = `${lang} chunk ${c.startLine}-${c.endLine} of ${n} lines`;
    expect(Number.isInteger(c.startLine) && Number.isInteger(c.endLine), where).toBe(true);
    expect(c.startLine, where).toBeGreaterThanOrEqual(1);
    expect(c.endLine, where).toBeGreaterThanOrEqual(c.startLine);
    expect(c.endLine, where).toBeLessThanOrEqual(n);
    expect(c.startLine, `${where}: out of order`).toBeGreaterThanOrEqual(prevStart);
    prevStart = c.startLine;
    expect(c.text, where).toBe(lines.slice(c.startLine - 1, c.endLine).join('\n'));
    expect(c.hash).toMatch(/^[0-9a-f]{40}$/);
    expect(Array.isArray(c.refs)).toBe(true);
  }
  for (const s of a.symbols) {
    const where = `${lang} symbol ${s.name} ${s.startLine}-${s.endLine} of ${n} lines`;
    expect(s.startLine, where).toBeGreaterThanOrEqual(1);
    expect(s.endLine, where).toBeGreaterThanOrEqual(s.startLine);
    expect(s.endLine, where).toBeLessThanOrEqual(n);
    expect(typeof s.name).toBe('string');
  }
  for (const imp of a.imports) {
    expect(imp.line).toBeGreaterThanOrEqual(1);
    expect(imp.line).toBeLessThanOrEqual(n);
  }
  // A file with a non-blank line has at least one chunk.
  if (lines.some((l) => l.trim() !== '')) expect(a.chunks.length, `${lang}: no chunk for a non-empty file`).toBeGreaterThan(0);
}

describe('chunker on hostile input (indexer/chunker.ts)', () => {
  it('covers every language that has a grammar', async () => {
    const withGrammar = (['typescript', 'tsx', 'javascript', 'python', 'go', 'rust', 'java', 'csharp', 'cpp', 'c', 'ruby', 'php', 'bash', 'css', 'powershell', 'ini'] as LanguageId[]).filter(hasGrammar);
    expect(withGrammar.length).toBeGreaterThanOrEqual(16);
    for (const l of withGrammar) expect(LANGS).toContain(l);
    // The grammars really load (a failed load would silently window every file and test nothing of the parser).
    for (const l of withGrammar) {
      const a = await analyzeFile(SAMPLES[l]!.path, SAMPLES[l]!.text, l, OPTIONS);
      expect(a.chunks.some((c) => c.kind !== 'window'), `${l} was only windowed`).toBe(true);
    }
  });

  it('real-looking sources truncated at a random point (and spliced with noise) in every language', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...LANGS),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.constantFrom('', '\r\n', '\ufeff', '{', '"', '/*', "'''", '\u0000', '😀', '<?php'),
        fc.boolean(),
        async (lang, cut, cut2, noise, crlf) => {
          const sample = SAMPLES[lang]!;
          let text = crlf ? sample.text.replace(/\n/g, '\r\n') : sample.text;
          const at = Math.floor(cut * text.length);
          // Cut at a random point; sometimes drop a random middle piece too, sometimes insert noise there.
          text = text.slice(0, at) + noise + text.slice(Math.min(text.length, at + Math.floor(cut2 * 40)), Math.max(at, Math.floor(text.length * (0.5 + cut2 / 2))));
          const a = await analyzeFile(sample.path, text, lang, OPTIONS);
          checkAnalysis(text, a, lang);
        },
      ),
      { seed: SEED, numRuns: 600 },
    );
  });

  it('random strings and unicode in every language', async () => {
    const soup = fc.oneof(
      fc.string({ maxLength: 400 }),
      fc.fullUnicodeString({ maxLength: 300 }),
      fc.stringOf(fc.constantFrom(...'{}()[]<>;:"\'`/*#\\\n\r\t =-_ab01$@?!'.split(''), '\r\n', '"""', '<?php', '<<EOF\n', '=begin\n', '\u2028'), { maxLength: 400 }),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...LANGS), soup, async (lang, text) => {
        const a = await analyzeFile(SAMPLES[lang]!.path, text, lang, OPTIONS);
        checkAnalysis(text, a, lang);
      }),
      { seed: SEED + 1, numRuns: 700 },
    );
  });

  it('random byte soup decoded as UTF-8 and Latin-1, with small chunk limits', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...LANGS),
        fc.uint8Array({ maxLength: 600 }),
        fc.constantFrom<BufferEncoding>('utf8', 'latin1'),
        fc.record({ maxChunkLines: fc.integer({ min: 1, max: 12 }), maxChunkChars: fc.integer({ min: 1, max: 200 }), windowLines: fc.integer({ min: 1, max: 10 }), windowOverlap: fc.integer({ min: -2, max: 12 }) }),
        async (lang, bytes, enc, limits) => {
          const text = Buffer.from(bytes).toString(enc);
          const a = await analyzeFile(SAMPLES[lang]!.path, text, lang, { ...OPTIONS, ...limits });
          checkAnalysis(text, a, lang);
        },
      ),
      { seed: SEED + 2, numRuns: 500 },
    );
  });

  it('is deterministic: the same input gives the same analysis', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...LANGS), fc.double({ min: 0, max: 1, noNaN: true }), async (lang, cut) => {
        const s = SAMPLES[lang]!;
        const text = s.text.slice(0, Math.floor(cut * s.text.length));
        const a = await analyzeFile(s.path, text, lang, OPTIONS);
        const b = await analyzeFile(s.path, text, lang, OPTIONS);
        expect(b).toEqual(a);
      }),
      { seed: SEED + 3, numRuns: 100 },
    );
  });
});

describe('chunker on a text nested thousands deep (indexer/nesting.ts)', () => {
  it('windows it without parsing, and parses the next file as before', async () => {
    // 13,000 lines of unclosed generics: parsed, it kept a worker busy for 7 s and then ran
    // tree-sitter's WebAssembly out of memory (`Aborted()`).
    const warnings: string[] = [];
    const logger = { ...silentLogger, warn: (msg: string) => warnings.push(msg) };
    const deep = await analyzeFile('deep.ts', `export const m: ${'Map<String,\n'.repeat(13_000)}`, 'typescript', { logger });
    expect(deep.chunks.length).toBeGreaterThan(0);
    expect(deep.chunks.every((c) => c.kind === 'window')).toBe(true);
    expect(warnings.join('\n')).toMatch(/deep\.ts nests brackets over 2000 deep/);
    const next = await analyzeFile('next.ts', 'export function parseConfig(x: Map<string, number>): number {\n  return x.size;\n}\n', 'typescript', { logger });
    expect(next.symbols.map((s) => s.name)).toEqual(['parseConfig']);
  });
});
