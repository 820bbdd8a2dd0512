#!/usr/bin/env node
// The `cvu` executable: the compiled CLI (`npm install` runs the build).
import { spawnSync } from 'node:child_process';

// `cvu index` does its heavy work in this process. glibc gives every native thread
// (LanceDB, onnxruntime) its own malloc arena; two keep peak memory about 15% lower.
// The variable only counts at process start, so index re-runs itself once with it.
if (process.argv[2] === 'index' && process.platform === 'linux' && !process.env.MALLOC_ARENA_MAX) {
  const r = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, MALLOC_ARENA_MAX: '2' },
  });
  process.exit(r.status ?? 1);
}
await import('../dist/clients/cli/cli.js');
