// `npm run build` replaces core/typebox's compiled re-export with one file (bin/bundle-dist.mjs): that
// file imports nothing, and exports what the product uses of typebox, working as the package does.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Type as SourceType, Value as SourceValue } from '../../core/typebox.js';
import { bundleDir, runBundleDist } from '../helpers/bundle-dist.js';
import { removeDir } from '../helpers/temp.js';

describe('the typebox bundle', () => {
  let dir: string;
  let file: string;
  beforeAll(() => {
    dir = bundleDir();
    file = path.join(dir, 'typebox.js');
    // What tsc makes of core/typebox.ts.
    fs.writeFileSync(file, "export * from 'typebox';\nexport { Value } from 'typebox/value';\n");
    runBundleDist(['--typebox', file]);
  });
  afterAll(() => removeDir(dir));

  it('imports nothing', () => {
    expect(fs.readFileSync(file, 'utf8')).not.toMatch(/^\s*(import|export)\b[^;]*\bfrom\s*['"]/m);
  });

  it('builds and checks schemas as the package does', async () => {
    const bundled = (await import(pathToFileURL(file).href)) as typeof import('../../core/typebox.js');
    const schema = bundled.Type.Object({ path: bundled.Type.String(), line: bundled.Type.Integer({ minimum: 1 }) });
    expect(schema).toEqual(SourceType.Object({ path: SourceType.String(), line: SourceType.Integer({ minimum: 1 }) }));
    for (const value of [{ path: 'a.ts', line: 3 }, { path: 'a.ts', line: 0 }, { path: 1, line: 3 }, {}]) {
      expect(bundled.Value.Check(schema, value)).toBe(SourceValue.Check(schema, value));
    }
    expect(bundled.Value.Check(schema, { path: 'a.ts', line: 3 })).toBe(true);
    expect(bundled.IsObject(schema)).toBe(true);
  });
});
