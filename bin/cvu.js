#!/usr/bin/env node
// The `cvu` executable: the compiled CLI (`npm install` runs the build).
await import('../dist/clients/cli/cli.js');
