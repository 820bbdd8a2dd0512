import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

function readVersion(): string {
  // Source (core/) and build (dist/core/) sit at different depths below package.json.
  for (const rel of ['../package.json', '../../package.json']) {
    try {
      const pkg = require(rel) as { name?: string; version?: string };
      if (pkg.name === 'cvu' && pkg.version) return pkg.version;
    } catch {
      // try the next depth
    }
  }
  return '0.0.0';
}

export const VERSION = readVersion();
