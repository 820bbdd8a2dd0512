import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { indexedWorkspace, type IndexedWorkspace } from '../helpers/indexed-workspace.js';

/**
 * Questions in words against a small tree where the answer, a test of it and a caller of it share
 * the question's words: the definition must come first (no embedding model: the lexical tier).
 */
const TREE: Record<string, string> = {
  'src/upload/retry.ts': [
    "import type { Upload } from './upload.js';",
    '',
    '/** Schedules another attempt for an upload that failed, waiting twice as long after each failure. */',
    'export function scheduleUploadRetry(upload: Upload, attempt: number): number {',
    '  const delay = Math.min(30_000, 500 * 2 ** attempt);',
    '  upload.timer = setTimeout(() => upload.start(), delay);',
    '  return delay;',
    '}',
    '',
  ].join('\n'),
  'src/upload/queue.ts': [
    "import { scheduleUploadRetry } from './retry.js';",
    "import type { Upload } from './upload.js';",
    '',
    'export function onUploadFailed(upload: Upload, attempt: number, log: (line: string) => void): void {',
    '  // a failed upload is retried later: schedule the retry and say when it will start',
    '  const wait = scheduleUploadRetry(upload, attempt);',
    '  log(`upload ${upload.id} failed (attempt ${attempt}), retry of the upload in ${wait} ms`);',
    '}',
    '',
  ].join('\n'),
  'src/upload/upload.ts': [
    'export interface Upload {',
    '  id: string;',
    '  timer?: ReturnType<typeof setTimeout>;',
    '  start(): void;',
    '}',
    '',
  ].join('\n'),
  'test/upload/retry.test.ts': [
    "import { scheduleUploadRetry } from '../../src/upload/retry.js';",
    '',
    "describe('retries of failed uploads', () => {",
    "  it('schedules the retry of a failed upload, and waits longer after each failed attempt', () => {",
    "    const upload = { id: 'u1', start() {} };",
    '    expect(scheduleUploadRetry(upload, 0)).toBe(500);',
    '    expect(scheduleUploadRetry(upload, 1)).toBe(1000);',
    '  });',
    '});',
    '',
  ].join('\n'),
  'src/cache/purge.py': [
    'def purge_stale(cache, now):',
    '    """Removes the entries whose time to live has expired."""',
    '    for key in [k for k, e in cache.items() if e.expires_at <= now]:',
    '        del cache[key]',
    '',
  ].join('\n'),
  'src/cache/worker.py': [
    'from .purge import purge_stale',
    '',
    '',
    'def tick(cache, clock):',
    '    # remove the expired entry of every cache at each tick',
    '    purge_stale(cache, clock())',
    '    return len(cache)',
    '',
  ].join('\n'),
};

describe('search for a question in words', () => {
  let w: IndexedWorkspace;
  beforeAll(async () => {
    w = await indexedWorkspace(TREE);
  });
  afterAll(() => w.close());

  it('ranks the definition that does it above its test and its caller', async () => {
    const hits = await w.ws.search('how are failed uploads retried?', { limit: 5 });
    expect(hits[0]).toMatchObject({ path: 'src/upload/retry.ts', symbol: 'scheduleUploadRetry' });
    // the test and the caller still answer, below it
    expect(hits.map((h) => h.path)).toEqual(expect.arrayContaining(['test/upload/retry.test.ts', 'src/upload/queue.ts']));
  });

  it('matches a definition by its doc, in other inflections, above a caller that has the very words', async () => {
    const hits = await w.ws.search('remove an expired entry', { limit: 3 });
    expect(hits[0]).toMatchObject({ path: 'src/cache/purge.py', symbol: 'purge_stale' });
    expect(hits.map((h) => h.path)).toContain('src/cache/worker.py');
  });

  it('still answers a name with its definition first', async () => {
    const hits = await w.ws.search('scheduleUploadRetry', { limit: 3 });
    expect(hits[0]).toMatchObject({ path: 'src/upload/retry.ts', source: 'symbol' });
  });
});

describe('search snippets', () => {
  let w: IndexedWorkspace;
  beforeAll(async () => {
    w = await indexedWorkspace({
      'src/a.ts': 'export const other = 1;\n\n/** Parses the walrus manifest. */\nexport function parseWalrusManifest(s: string) {\n  return s.split(";");\n}\n',
      'src/b.ts': '/** Loads the walrus manifest from disk. */\nexport function loadWalrusManifest() {\n  return "m";\n}\n',
    });
  });
  afterAll(() => w.close());

  it('show the lines of the chunk from the file, and leave out a file gone from disk before the index learns of it', async () => {
    const hits = await w.ws.search('walrus manifest', { limit: 5 });
    expect(hits.map((h) => h.path).sort()).toEqual(['src/a.ts', 'src/b.ts']);
    const a = hits.find((h) => h.path === 'src/a.ts')!;
    const lines = fs.readFileSync(path.join(w.root, 'src/a.ts'), 'utf8').split('\n');
    expect(a.text).toBe(lines.slice(a.startLine - 1, a.endLine).join('\n'));
    expect(a.text).toContain('export function parseWalrusManifest(s: string) {');
    fs.rmSync(path.join(w.root, 'src/b.ts'));
    // Past the lines cache's recheck (workspace/file-lines.ts), and before any update removes it from the index.
    await new Promise((r) => setTimeout(r, 1100));
    expect((await w.ws.search('walrus manifest', { limit: 5 })).map((h) => h.path)).toEqual(['src/a.ts']);
  });
});
