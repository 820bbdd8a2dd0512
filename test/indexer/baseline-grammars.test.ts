// The grammars whose huge lexer V8 must not recompile with its optimising compiler (indexer/languages.ts,
// keepLargeGrammarsOnBaseline): read from V8's own trace of what it compiles, in a child process.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(import.meta.url);

/** A function this large takes V8's optimising compiler half a second or more (bash's: 161 KB). */
const HUGE_FUNCTION_BYTES = 128 * 1024;

/** The size of each function body in a WebAssembly binary's code section. */
function functionSizes(bytes: Buffer): number[] {
  let p = 8; // magic and version
  const leb = (): number => {
    let value = 0;
    let shift = 0;
    let b: number;
    do {
      b = bytes[p++];
      value += (b & 0x7f) * 2 ** shift;
      shift += 7;
    } while (b & 0x80);
    return value;
  };
  while (p < bytes.length) {
    const id = bytes[p++];
    const size = leb();
    const end = p + size;
    if (id === 10) {
      const sizes: number[] = [];
      for (let n = leb(); n > 0; n--) {
        const body = leb();
        sizes.push(body);
        p += body;
      }
      return sizes;
    }
    p = end;
  }
  return [];
}

const ext: Record<string, string> = { bash: '.sh', powershell: '.ps1', typescript: '.ts' };
const samples: Record<string, string> = {
  bash: Array.from({ length: 12 }, (_, i) => `build_${i}() {\n  local out="$1"\n  if [ -z "$out" ]; then echo "usage: build_${i} DIR" >&2; return 1; fi\n  for f in src/*.c; do cc -c "$f" -o "$out/$(basename "\${f%.c}").o"; done\n}\n`).join('\n'),
  powershell: Array.from({ length: 12 }, (_, i) => `function Install-Part${i} {\n  param([string]$Path)\n  if (-not (Test-Path $Path)) { New-Item -ItemType Directory -Path $Path | Out-Null }\n  Get-ChildItem $Path | ForEach-Object { Write-Host $_.Name }\n}\n`).join('\n'),
  typescript: Array.from({ length: 40 }, (_, i) => `export function part${i}(items: string[], limit = ${i}): number {\n  let n = 0;\n  for (const item of items) if (item.length > limit) n += item.split(',').length;\n  return n;\n}\n`).join('\n'),
};

/**
 * Parses each language's sample `rounds` times in a fresh Node with V8's compilation trace on, and
 * returns the body sizes of the functions V8 recompiled with its optimising compiler. `how`: on the
 * main thread as V8 does by itself ('plain'); or through a parse pool's worker thread ('pool'), as
 * the indexer parses (the pool keeps the large grammars on the baseline when it is made).
 */
function optimisedFunctionSizes(langs: string[], how: 'plain' | 'pool', rounds = 20): number[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cvu-baseline-'));
  try {
    const files = langs.map((lang) => {
      const file = path.join(dir, `sample${ext[lang]}`);
      fs.writeFileSync(file, samples[lang]);
      return { path: path.basename(file), absPath: file, size: fs.statSync(file).size, mtimeMs: 0 };
    });
    const code = how === 'plain'
      ? `
        const m = await import(${JSON.stringify(path.join(repo, 'indexer/languages.ts'))});
        const fs = await import('node:fs');
        for (const f of ${JSON.stringify(files)}) {
          const parser = await m.parserFor(m.languageForPath(f.path));
          for (let i = 0; i < ${rounds}; i++) parser.parse(fs.readFileSync(f.absPath, 'utf8')).delete();
        }`
      : `
        const { ParsePool } = await import(${JSON.stringify(path.join(repo, 'indexer/parse-pool.ts'))});
        const pool = new ParsePool(1);
        for (const f of ${JSON.stringify(files)}) for (let i = 0; i < ${rounds}; i++) {
          const p = await pool.prepare(f, null, { maxFileBytes: 1 << 20, chunk: {} });
          // Parsed with its grammar: the sample's first definition is read from its tree.
          if (p.kind !== 'change' || !p.change.symbols.some((s) => /^(build_0|Install-Part0|part0)$/.test(s.name))) throw new Error('not parsed: ' + f.path);
        }
        await pool.close();`;
    // The optimising compiler runs in the background: give it time to start (Node waits for it to finish).
    const wait = 'await new Promise((r) => setTimeout(r, 1500));';
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--trace-wasm-compilation-times', '--input-type=module', '-e', code + wait], { cwd: repo, encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    return [...r.stdout.matchAll(/using TurboFan.*?bodysize (\d+)/g)].map((x) => Number(x[1]));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('grammars kept on the baseline compiler', () => {
  it('are exactly the bundled grammars with a function over 128 KB (bash and PowerShell)', () => {
    const dir = path.dirname(require.resolve('@vscode/tree-sitter-wasm/wasm/tree-sitter-bash.wasm'));
    const huge = fs.readdirSync(dir)
      .filter((f) => f.endsWith('.wasm'))
      .filter((f) => Math.max(0, ...functionSizes(fs.readFileSync(path.join(dir, f)))) > HUGE_FUNCTION_BYTES)
      .sort();
    // A grammar that grows past the bound, or one that shrinks below it, changes this list: keep
    // languages.ts's BASELINE_ONLY_GRAMMARS the same.
    expect(huge).toEqual(['tree-sitter-bash.wasm', 'tree-sitter-powershell.wasm']);
  });

  it('V8 optimises bash’s huge lexer within a few small files unless it is kept on the baseline', () => {
    // Without the pin (what V8 does by itself): the test below could not fail otherwise.
    expect(optimisedFunctionSizes(['bash'], 'plain').some((s) => s > HUGE_FUNCTION_BYTES)).toBe(true);
  }, 60_000);

  it('in the parse pool, no huge function is optimised, and everything else still is', () => {
    const sizes = optimisedFunctionSizes(['bash', 'powershell', 'typescript'], 'pool');
    expect(sizes.filter((s) => s > HUGE_FUNCTION_BYTES)).toEqual([]);
    // The flags were put back: the runtime and the TypeScript grammar still reach the optimising tier.
    expect(sizes.length).toBeGreaterThan(0);
  }, 60_000);
});
