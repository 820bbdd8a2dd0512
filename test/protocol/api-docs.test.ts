// docs/api.md is what protocol/api-docs.ts renders from the current schemas: a schema changed without
// `npm run docs:api` fails here. And the rendering leaves nothing of the contract out.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../core/errors.js';
import { renderApiDocs } from '../../protocol/api-docs.js';
import { ROUTES, errorsOf, type RouteContract } from '../../protocol/routes.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

describe('docs/api.md', () => {
  const rendered = renderApiDocs();

  it('is what `npm run docs:api` writes from the current schemas', () => {
    const onDisk = fs.readFileSync(path.join(repo, 'docs/api.md'), 'utf8');
    // Not toBe on the whole text: a line-by-line diff says which part is stale.
    expect(onDisk.split('\n'), 'docs/api.md is stale: run `npm run docs:api`').toEqual(rendered.split('\n'));
  });

  it('has every route with its fields, its stream events and its errors, and every error code', () => {
    const sections = rendered.split(/^### /m);
    const routes: RouteContract[] = Object.values(ROUTES);
    for (const route of routes) {
      const section = sections.find((s) => s.startsWith(`${route.method} ${route.url}\n`));
      expect(section, `${route.method} ${route.url}`).toBeDefined();
      const body = route.body as { properties?: Record<string, unknown> } | undefined;
      for (const field of Object.keys(body?.properties ?? {})) expect(section).toMatch(new RegExp(`\\| \`${field}\\??\` \\|`));
      for (const event of Object.keys(route.stream?.events ?? {})) expect(section).toContain(`| \`${event}\` |`);
      for (const e of route.errors) expect(section).toContain(`| ${e.status} | \`${e.code}\` |`);
      expect(errorsOf(route).length).toBeGreaterThan(route.errors.length);
    }
    for (const code of Object.keys(ErrorCodes)) expect(rendered).toContain(`| \`${code}\` |`);
    // Every type a table links to is described under Types.
    for (const [, anchor] of rendered.matchAll(/\]\(#([a-z0-9-]+)\)/g)) {
      expect(rendered.split('\n').some((l) => /^#{2,3} /.test(l) && l.slice(l.indexOf(' ') + 1).toLowerCase().replace(/[^a-z0-9 -]/g, '').replace(/ /g, '-') === anchor), `#${anchor}`).toBe(true);
    }
  });
});
