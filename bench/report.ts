/**
 * npm run bench:report — writes docs/benchmarks.md from the result files under bench/results/
 * (written by each benchmark's `--record`) and docs/benchmarks-history.md.
 */
import fs from 'node:fs';
import path from 'node:path';
import { benchmarksDocPath, currentBenchmarksDoc } from './benchmarks-doc.js';
import { benchRepo } from './result.js';

fs.writeFileSync(benchmarksDocPath, currentBenchmarksDoc());
console.log(`wrote ${path.relative(benchRepo, benchmarksDocPath)}`);
