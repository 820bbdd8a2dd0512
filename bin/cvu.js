#!/usr/bin/env node
// The `cvu` executable: the compiled CLI (npm install runs the build).
import { main, processIO } from '../dist/clients/cli/main.js';

process.exitCode = await main(process.argv.slice(2), processIO);
