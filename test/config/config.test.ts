import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultConfig, defineConfig, formatIssue, loadConfig, loadUserConfig, readWorkspaceConfig, resolveConfig, type ConfigIssue } from '../../config/index.js';
import { MAX_WORKSPACE_CONFIG_BYTES } from '../../config/load.js';
import { validateConfig } from '../../config/schema.js';
import { CvuConfigSchema } from '../../protocol/config.js';
import { Value } from 'typebox/value';
import { makeTempDir, removeDir, writeTree } from '../helpers/temp.js';

const dirs: string[] = [];
function temp(prefix = 'cvu-config-'): string {
  const d = makeTempDir(prefix);
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) removeDir(d);
});

/** A workspace whose config file holds `source`. */
function workspace(source: string, name = 'cvu.config.ts'): string {
  const root = temp('cvu-config-ws-');
  fs.writeFileSync(path.join(root, name), source);
  return root;
}

/** The issue about `key`, failing when there is none. */
function issueFor(issues: ConfigIssue[], key: string): ConfigIssue {
  const found = issues.find((i) => i.key === key);
  expect(found, `an issue for ${key} in ${JSON.stringify(issues)}`).toBeDefined();
  return found!;
}

describe('resolveConfig (a config object)', () => {
  it('merges a partial config over the defaults', () => {
    const c = resolveConfig({ index: { maxFileBytes: 10, chunk: { maxLines: 20 } } });
    expect(c.index.maxFileBytes).toBe(10);
    expect(c.index.chunk.maxLines).toBe(20);
    expect(c.index.chunk.minLines).toBe(defaultConfig().index.chunk.minLines);
    expect(c.embedding).toEqual(defaultConfig().embedding);
  });

  it('names the key of an unknown entry, a wrong type and a value out of bounds', () => {
    expect(() => resolveConfig({ index: { maxFileByte: 10 } })).toThrow(/index\.maxFileByte: unknown key/);
    expect(() => resolveConfig({ index: { chunk: { maxLines: 'many' } } })).toThrow(/index\.chunk\.maxLines: expected a number/);
    expect(() => resolveConfig({ embedding: { dtype: 'q4' } })).toThrow(/embedding\.dtype: expected one of/);
    expect(() => resolveConfig({ index: { ignore: 'dist' } })).toThrow(/index\.ignore: expected an array of strings/);
    expect(() => resolveConfig({ index: { maxFileBytes: 1e12 } })).toThrow(/index\.maxFileBytes: must be at most/);
  });

  it('accepts null for the embedding model (vectors off)', () => {
    expect(resolveConfig({ embedding: { model: null } }).embedding.model).toBeNull();
  });

  it('words each refusal for the config\'s author: list entries, fractions, infinities, nullable strings, lengths', () => {
    const problem = (value: unknown) => validateConfig(value, 'user').problems.map((p) => `${p.key}: ${p.message}`);
    expect(problem({ index: { ignore: ['a', 1] } })).toEqual(['index.ignore: expected an array of strings, got array']);
    expect(problem({ index: { ignore: ['x'.repeat(1001)] } })).toEqual(['index.ignore: an entry is longer than 1000 characters']);
    expect(problem({ index: { ignore: Array(10_001).fill('a') } })).toEqual(['index.ignore: more than 10000 entries']);
    expect(problem({ index: { batchSize: 1.5 } })).toEqual(['index.batchSize: expected an integer, got 1.5']);
    expect(problem({ completion: { prefixShare: Infinity } })).toEqual(['completion.prefixShare: expected a number, got number']);
    expect(problem({ completion: { prefixShare: 1.5 } })).toEqual(['completion.prefixShare: must be at most 1, got 1.5']);
    expect(problem({ prompts: { system: 5 } })).toEqual(['prompts.system: expected a string or null, got number']);
    expect(problem({ prompts: { ask: 'x'.repeat(16_385) } })).toEqual(['prompts.ask: longer than 16384 characters']);
    expect(problem({ embedding: { allowDownload: 'yes' } })).toEqual(['embedding.allowDownload: expected a boolean, got string']);
    expect(problem({ index: [] })).toEqual(['index: expected an object, got array']);
    expect(problem('everything')).toEqual(['(root): expected an object, got string']);
    // Several problems at once, each named; the valid keys beside them stand.
    const { config, problems } = validateConfig({ threads: -2, completion: { maxTokens: 0, debounceMs: 90 }, index: { chunk: { maxLines: 2, minLines: 3 } } }, 'user');
    expect(problems.map((p) => p.key)).toEqual(['threads', 'completion.maxTokens', 'index.chunk.maxLines']);
    expect(config).toEqual({ completion: { debounceMs: 90 }, index: { chunk: { minLines: 3 } } });
  });

  it('takes its defaults from the schema, which they pass; a workspace may set none of the keys the schema marks as the user\'s', () => {
    expect(Value.Check(CvuConfigSchema, defaultConfig())).toBe(true);
    expect(defaultConfig()).not.toBe(defaultConfig());
    expect(defaultConfig().index.ignore).not.toBe(defaultConfig().index.ignore);
    expect(validateConfig(defaultConfig(), 'user').problems).toEqual([]);
    const refused = validateConfig(defaultConfig(), 'workspace').problems;
    expect(refused.map((p) => p.key)).toEqual(['index.parseWorkers', 'embedding', 'model', 'threads', 'logLevel']);
    for (const p of refused) expect(p.message).toMatch(/^not allowed in a workspace config: .*\$CVU_HOME\/config\.ts/);
  });
});

describe('a workspace config is read as data', () => {
  it('is typed by defineConfig to the keys a workspace may set (npm run typecheck fails otherwise)', () => {
    expect(defineConfig({ index: { ignore: ['a'] }, completion: { maxTokens: 8 }, prompts: { system: 's' } })).toEqual({ index: { ignore: ['a'] }, completion: { maxTokens: 8 }, prompts: { system: 's' } });
    // @ts-expect-error the model is the user's to choose
    defineConfig({ model: { path: 'x.gguf' } });
    // @ts-expect-error thread counts are the user's
    defineConfig({ index: { parseWorkers: 4 } });
  });

  it('reads defineConfig({...}) of literals: strings, numbers, booleans, null, arrays, templates, as const, satisfies, unary minus', async () => {
    const root = workspace(`import { defineConfig } from 'cvu';
// a comment
export default defineConfig({
  index: {
    ignore: ['gen/**', "a\\tb", \`tmpl\\u0041\`, 'caf\\u00e9', 'x\\u{1F600}'] as const,
    maxFileBytes: 0x800,
    chunk: { maxLines: 1_00, },
  },
  'completion': { prefixShare: 0.5, maxTokens: 48 },
  prompts: { system: null, explain: \`Explain {code}
in {language}\` },
} satisfies Record<string, unknown>);
`);
    const { values, issues, file } = await readWorkspaceConfig(root);
    expect(issues).toEqual([]);
    expect(file).toBe(path.join(root, 'cvu.config.ts'));
    expect(values).toEqual({
      index: { ignore: ['gen/**', 'a\tb', 'tmplA', 'café', 'x\u{1F600}'], maxFileBytes: 2048, chunk: { maxLines: 100 } },
      completion: { prefixShare: 0.5, maxTokens: 48 },
      prompts: { system: null, explain: 'Explain {code}\nin {language}' },
    });
  });

  it('reads a plain object default export, module.exports in a .js file, and JSON', async () => {
    expect((await readWorkspaceConfig(workspace(`export default { completion: { maxTokens: -1 } };`))).issues[0]).toMatchObject({ key: 'completion.maxTokens', message: expect.stringMatching(/at least 1/), line: 1 });
    expect((await readWorkspaceConfig(workspace(`module.exports = { index: { ignore: ['a'] } };`, 'cvu.config.js'))).values).toEqual({ index: { ignore: ['a'] } });
    const json = await readWorkspaceConfig(workspace(`{\n  "index": { "ignore": ["b/**"] },\n  "model": { "path": "/x.gguf" }\n}\n`, 'cvu.config.json'));
    expect(json.values).toEqual({ index: { ignore: ['b/**'] } });
    expect(issueFor(json.issues, 'model')).toMatchObject({ line: 3, column: 3 });
  });

  it('names file:line:column and key for a call, an identifier, a spread, a getter, a computed key and a substitution, and keeps the rest', async () => {
    const root = workspace(`import os from 'node:os';
const base = { ignore: [] };
export default defineConfig({
  index: {
    ...base,
    maxFileBytes: os.totalmem(),
    ignore: ['ok', dist],
    get batchSize() { return 8; },
    ['chunk']: { maxLines: 10 },
  },
  completion: { maxTokens: 32, debounceMs: \`\${1}\` },
  prompts: { system: 'You are terse.' },
});
`);
    const { values, issues, file } = await readWorkspaceConfig(root);
    expect(values).toEqual({ index: {}, completion: { maxTokens: 32 }, prompts: { system: 'You are terse.' } });
    expect(issueFor(issues, 'index.maxFileBytes')).toMatchObject({ file, line: 6, column: 19, message: expect.stringMatching(/a call \(os\.totalmem\(\)\) is not a literal/) });
    expect(issueFor(issues, 'index.ignore')).toMatchObject({ line: 7, column: 20, message: expect.stringMatching(/an identifier \(dist\)/) });
    expect(issueFor(issues, 'completion.debounceMs')).toMatchObject({ line: 11, message: expect.stringMatching(/template string with \$\{…\}/) });
    const index = issues.filter((i) => i.key === 'index').map((i) => [i.line, i.message]);
    expect(index).toEqual([
      [5, expect.stringMatching(/a spread/)],
      [8, expect.stringMatching(/a getter or setter/)],
      [9, expect.stringMatching(/a computed key/)],
    ]);
    // Statements beside the export are reported, and never run.
    expect(issues.find((i) => i.line === 2)?.message).toMatch(/not read/);
    expect(formatIssue(issueFor(issues, 'index.maxFileBytes'))).toBe(`${file}:6:19: index.maxFileBytes: a call (os.totalmem()) is not a literal (a workspace config is read, not run)`);
  });

  it('refuses what only the user decides: the model, the embedding model, thread counts, the log level', async () => {
    const root = workspace(`export default {
  index: { ignore: ['vendor/**'], parseWorkers: 8 },
  model: { path: '/home/me/evil.gguf' },
  embedding: { model: 'attacker/model', allowDownload: true },
  threads: 64,
  logLevel: 'debug',
};
`);
    const { values, issues } = await readWorkspaceConfig(root);
    expect(values).toEqual({ index: { ignore: ['vendor/**'] } });
    expect(issueFor(issues, 'index.parseWorkers')).toMatchObject({ line: 2, message: expect.stringMatching(/not allowed in a workspace config: thread counts/) });
    expect(issueFor(issues, 'model')).toMatchObject({ line: 3, column: 3, message: expect.stringMatching(/model is the user's choice.*CVU_MODEL/) });
    expect(issueFor(issues, 'embedding')).toMatchObject({ line: 4, message: expect.stringMatching(/embedding model \(a download\)/) });
    expect(issueFor(issues, 'threads').line).toBe(5);
    expect(issueFor(issues, 'logLevel').line).toBe(6);
  });

  it('runs none of a config that tries to run code', async () => {
    const marker = path.join(temp('cvu-config-marker-'), 'ran');
    const attempts = [
      `import fs from 'node:fs';\nfs.writeFileSync(${JSON.stringify(marker)}, 'top-level');\nexport default {};`,
      `export default (() => { require('fs').writeFileSync(${JSON.stringify(marker)}, 'iife'); return {}; })();`,
      `export default { get index() { require('fs').writeFileSync(${JSON.stringify(marker)}, 'getter'); return {}; } };`,
      `export default { index: await import('data:text/javascript,import fs from "node:fs"; fs.writeFileSync(${JSON.stringify(marker)}, "import")') };`,
      `export default defineConfig({ prompts: { system: { toString() { require('fs').writeFileSync(${JSON.stringify(marker)}, 'toString'); return 's'; } } } });`,
      `const fs = require('fs'); module.exports = { index: { ignore: [fs.writeFileSync(${JSON.stringify(marker)}, 'require') ?? 'x'] } };`,
      `export default new Proxy({}, { get() { require('fs').writeFileSync(${JSON.stringify(marker)}, 'proxy'); } });`,
    ];
    for (const source of attempts) {
      const { issues } = await readWorkspaceConfig(workspace(source));
      expect(issues.length, source).toBeGreaterThan(0);
    }
    expect(fs.existsSync(marker)).toBe(false);
  });

  it('refuses a 50 MB literal, a 100,000-level nesting, a file that is not UTF-8, a folder, and a link out of the workspace', async () => {
    const big = await readWorkspaceConfig(workspace(`export default { prompts: { system: '${'x'.repeat(50 * 1024 * 1024)}' } };`));
    expect(big).toMatchObject({ values: {}, issues: [{ line: 0, key: '', message: expect.stringMatching(new RegExp(`over the ${MAX_WORKSPACE_CONFIG_BYTES}-byte limit`)) }] });

    const deep = await readWorkspaceConfig(workspace(`export default { index: { ignore: ${'['.repeat(30_000)}${']'.repeat(30_000)} } };`));
    expect(issueFor(deep.issues, 'index.ignore').message).toMatch(/nested deeper than/);
    const deeper = await readWorkspaceConfig(workspace(`export default ${'{a:'.repeat(20_000)}1${'}'.repeat(20_000)};`));
    expect(deeper.issues.length).toBeGreaterThan(0);

    const root = temp();
    fs.writeFileSync(path.join(root, 'cvu.config.ts'), Buffer.from([0x65, 0x78, 0xff, 0xfe, 0x0a]));
    expect((await readWorkspaceConfig(root)).issues[0].message).toMatch(/not valid UTF-8/);

    const folder = temp();
    fs.mkdirSync(path.join(folder, 'cvu.config.ts'));
    expect((await readWorkspaceConfig(folder)).issues[0].message).toMatch(/not a regular file/);

    const outside = temp('cvu-config-outside-');
    fs.writeFileSync(path.join(outside, 'secret.ts'), `export default { index: { ignore: ['SECRET-OUTSIDE'] } };`);
    const linked = temp();
    fs.symlinkSync(path.join(outside, 'secret.ts'), path.join(linked, 'cvu.config.ts'));
    const read = await readWorkspaceConfig(linked);
    expect(read.values).toEqual({});
    expect(read.issues[0].message).toMatch(/outside the workspace; not read/);

    const dangling = temp();
    fs.symlinkSync(path.join(outside, 'missing.ts'), path.join(dangling, 'cvu.config.ts'));
    expect((await readWorkspaceConfig(dangling)).issues[0].message).toMatch(/could not be read \(ENOENT\)/);
  });

  it('does not block on a FIFO named cvu.config.ts', async () => {
    const root = temp();
    const fifo = path.join(root, 'cvu.config.ts');
    try {
      (await import('node:child_process')).execFileSync('mkfifo', [fifo]);
    } catch {
      return; // no mkfifo here
    }
    expect((await readWorkspaceConfig(root)).issues[0].message).toMatch(/not a regular file/);
  });

  it('never merges a __proto__ key into the config', async () => {
    const { values, issues } = await readWorkspaceConfig(workspace(`export default { "__proto__": { polluted: true }, index: { constructor: 1 } };`));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(values).toEqual({ index: {} });
    expect(issues.map((i) => i.key)).toEqual(['__proto__', 'index.constructor']);
  });

  it('reports a syntax error with its position and reads what it can', async () => {
    const { issues } = await readWorkspaceConfig(workspace(`export default {\n  index: { ignore: ['a', }, \n};\n`));
    expect(issues.length).toBeGreaterThan(0);
    expect(issues[0].line).toBeGreaterThan(0);
    expect((await readWorkspaceConfig(workspace(`const x = 1;\n`))).issues.map((i) => i.message)).toContainEqual(expect.stringMatching(/no `export default` found/));
  });
});

describe('config precedence: defaults < user config < workspace config < environment', () => {
  it('runs the user config, resolves its relative model path against its folder, and lets the workspace set only its own part', async () => {
    const home = temp('cvu-config-home-');
    fs.writeFileSync(
      path.join(home, 'config.ts'),
      `import { defineUserConfig } from 'cvu';\nconst cores = 1 + 1;\nexport default defineUserConfig({ threads: cores, model: { path: './models/mine.gguf', contextSize: 2048 }, completion: { maxTokens: 32, debounceMs: 90 }, index: { ignore: ['user/**'] } });\n`,
    );
    const root = workspace(`export default { completion: { maxTokens: 48 }, model: { path: '/tmp/theirs.gguf' }, index: { ignore: ['ws/**'] } };`);
    const loaded = await loadConfig(root, { home, env: {} });
    expect(loaded.userFile).toBe(path.join(home, 'config.ts'));
    expect(loaded.config.threads).toBe(2);
    expect(loaded.config.model.path).toBe(path.join(home, 'models', 'mine.gguf'));
    expect(loaded.config.model.contextSize).toBe(2048);
    expect(loaded.config.completion).toMatchObject({ maxTokens: 48, debounceMs: 90 });
    expect(loaded.config.index.ignore).toEqual(['ws/**']);
    expect(issueFor(loaded.issues, 'model').file).toBe(path.join(root, 'cvu.config.ts'));

    const env = await loadConfig(root, { home, env: { CVU_MODEL: '/models/env.gguf', CVU_EMBEDDING_MODEL: 'none' } });
    expect(env.config.model.path).toBe('/models/env.gguf');
    expect(env.config.embedding.model).toBeNull();
  });

  it('reports a user config that fails to load or has a bad key, and goes on with the rest', async () => {
    const home = temp('cvu-config-home-');
    fs.writeFileSync(path.join(home, 'config.json'), JSON.stringify({ threads: -1, completion: { maxTokens: 16 } }));
    const layer = await loadUserConfig(home);
    expect(layer.values).toEqual({ completion: { maxTokens: 16 } });
    expect(layer.issues).toEqual([{ file: path.join(home, 'config.json'), line: 0, column: 0, key: 'threads', message: 'must be at least 0, got -1' }]);

    const broken = temp('cvu-config-home-');
    fs.writeFileSync(path.join(broken, 'config.ts'), `export default {{{;\n`);
    expect((await loadUserConfig(broken)).issues[0].message).toMatch(/could not be loaded/);
    const root = temp();
    expect((await loadConfig(root, { home: broken, env: {} })).config).toEqual(defaultConfig());
  });

  it('takes the index settings of a literal workspace config', async () => {
    const root = temp();
    writeTree(root, { 'cvu.config.mts': `export default { index: { ignore: ['gen/**'], maxFileBytes: 4096 } } as const;\n` });
    const { config, file, issues } = await loadConfig(root, { home: temp(), env: {} });
    expect(issues).toEqual([]);
    expect(file).toBe(path.join(root, 'cvu.config.mts'));
    expect(config.index).toMatchObject({ ignore: ['gen/**'], maxFileBytes: 4096 });
  });
});
