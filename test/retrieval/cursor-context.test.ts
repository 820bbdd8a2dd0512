import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../config/schema.js';
import { Workspace } from '../../daemon/workspace.js';
import { makeTempDir, removeDir, writeTree } from '../helpers/temp.js';

const TREE = {
  'src/geometry/shapes.ts': `export interface Shape {
  area(): number;
}

export class Circle implements Shape {
  constructor(readonly radius: number) {}
  area(): number {
    return Math.PI * this.radius ** 2;
  }
}

export class Square implements Shape {
  constructor(readonly side: number) {}
  area(): number {
    return this.side * this.side;
  }
}
`,
  'src/geometry/measure.ts': `import { Circle, type Shape } from './shapes.js';

export function totalArea(shapes: Shape[]): number {
  return shapes.reduce((sum, s) => sum + s.area(), 0);
}

export function largestCircle(circles: Circle[]): Circle | undefined {
  return [...circles].sort((a, b) => b.radius - a.radius)[0];
}
`,
  'src/other/measure-copy.ts': `export function totalArea(values: number[]): number {
  return values.length;
}
`,
  'src/app.ts': `import { totalArea } from './geometry/measure.js';
import { Circle } from './geometry/shapes.js';

export function report(): string {
  const shapes = [new Circle(1), new Circle(2)];
  const area = totalArea(shapes);
  return \`area \${area}\`;
}
`,
};

describe('cursor context (POST /context)', () => {
  let home: string;
  let root: string;
  let ws: Workspace;
  beforeEach(async () => {
    home = makeTempDir('cvu-home-');
    root = makeTempDir('cvu-ctx-');
    writeTree(root, TREE);
    const config = defaultConfig();
    config.embedding.model = null;
    ws = await Workspace.open(root, { home, config });
    await ws.sync();
  });
  afterEach(async () => {
    await ws.close();
    removeDir(home);
    removeDir(root);
  });

  it('hands the definitions the code at the cursor uses, from other files, signatures first', async () => {
    const { snippets, tokens } = await ws.context({ path: 'src/app.ts', position: { line: 6, character: 2 }, budgetTokens: 400 });
    expect(tokens).toBeGreaterThan(0);
    expect(tokens).toBeLessThanOrEqual(400);
    expect(snippets.every((s) => s.path !== 'src/app.ts')).toBe(true);
    const paths = snippets.map((s) => `${s.path}:${s.startLine}`);
    // The imported totalArea ranks above the same name in a file app.ts does not import.
    expect(paths).toContain('src/geometry/measure.ts:3');
    expect(paths.indexOf('src/geometry/measure.ts:3')).toBeLessThan(paths.indexOf('src/other/measure-copy.ts:1') === -1 ? Infinity : paths.indexOf('src/other/measure-copy.ts:1'));
    const circle = snippets.find((s) => s.symbol === 'Circle');
    expect(circle).toMatchObject({ path: 'src/geometry/shapes.ts', startLine: 5, source: 'symbol' });
    // A long definition is shown by its signature, not its body.
    expect(circle!.text.split('\n')[0]).toBe('export class Circle implements Shape {');
    for (const s of snippets) expect(s.text).toBe(ws_lines(root, s.path).slice(s.startLine - 1, s.endLine).join('\n'));
  });

  it('uses the unsaved buffer, not the file on disk', async () => {
    const text = `import { largestCircle } from './geometry/measure.js';\n\nexport function biggest() {\n  return largestCircle([]);\n}\n`;
    const { snippets } = await ws.context({ path: 'src/app.ts', text, position: { line: 3, character: 2 } });
    expect(snippets[0]).toMatchObject({ path: 'src/geometry/measure.ts', symbol: 'largestCircle', source: 'symbol' });
  });

  it('never exceeds the budget and drops overlapping snippets', async () => {
    for (const budget of [1, 10, 50, 200]) {
      const { snippets, tokens } = await ws.context({ path: 'src/app.ts', position: { line: 5, character: 0 }, budgetTokens: budget });
      expect(tokens).toBeLessThanOrEqual(budget);
      const sum = snippets.reduce((a, s) => a + Math.ceil(s.text.length / 4), 0);
      expect(sum).toBe(tokens);
      for (const a of snippets) for (const b of snippets) {
        if (a !== b && a.path === b.path) expect(a.endLine < b.startLine || b.endLine < a.startLine).toBe(true);
      }
    }
  });

  it('includes regions edited recently in other files', async () => {
    writeTree(root, { 'src/geometry/shapes.ts': TREE['src/geometry/shapes.ts'] + '\nexport const UNIT_SQUARE = new Square(1);\n' });
    await ws.update(['src/geometry/shapes.ts']);
    const { snippets } = await ws.context({ path: 'src/other/measure-copy.ts', position: { line: 1, character: 0 }, budgetTokens: 2000 });
    expect(snippets.some((s) => s.source === 'recent' && s.path === 'src/geometry/shapes.ts' && s.text.includes('UNIT_SQUARE'))).toBe(true);
  });

  it('answers for a position past the end of a short buffer and for an empty one', async () => {
    expect((await ws.context({ path: 'src/app.ts', text: '', position: { line: 0, character: 0 } })).snippets).toBeInstanceOf(Array);
    expect((await ws.context({ path: 'src/new-file.ts', text: 'totalArea(', position: { line: 99, character: 0 } })).snippets[0]?.symbol).toBe('totalArea');
  });

  it('stops when aborted', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(ws.context({ path: 'src/app.ts', position: { line: 5, character: 0 }, signal: ac.signal })).rejects.toMatchObject({ code: 'CVU_ERR_ABORTED' });
  });
});

import fs from 'node:fs';
function ws_lines(root: string, rel: string): string[] {
  return fs.readFileSync(path.join(root, rel), 'utf8').split('\n');
}
