/**
 * `cvu models list | pull [NAME|URI|PATH] | rm NAME | bench [NAME|PATH…]`:
 * generation model management, in-process (no daemon needed).
 */
import fs from 'node:fs';
import type { LlamaModel, Token } from 'node-llama-cpp';
import { loadConfig } from '../../../config/load.js';
import type { CvuConfig } from '../../../config/schema.js';
import { CvuError, isCvuError } from '../../../core/errors.js';
import { cvuHome } from '../../../core/home.js';
import { createLogger } from '../../../core/log.js';
import { CATALOGUE, DEFAULT_MODEL_NAME, findCatalogueEntry } from '../../../models/catalogue.js';
import { estimateMemory, formatBytes, freeMemory, getSharedLlama, resolveThreads } from '../../../models/llm.js';
import { isModelUri, ModelManager, type InstalledModel, type ResolvedModel } from '../../../models/model-manager.js';
import { intOption, parse, resolveRoot } from '../args.js';
import type { CommandIO } from '../io.js';
import { ProgressBar } from '../progress.js';

const USAGE = `usage:
  cvu models list [--json]                    installed models and the catalogue
  cvu models pull [NAME|URI|PATH] [--name N] [--sha256 HEX] [--timeout S] [--json]
                                              download (resumable, verified) or register a local .gguf
  cvu models rm NAME [--json]                 remove an installed model
  cvu models bench [NAME|PATH…] [--threads N] [--prompt-tokens N] [--gen-tokens N] [--target TPS] [--json]
                                              measure prompt and generation speed on this machine`;

export async function modelsCommand(argv: string[], io: CommandIO): Promise<number> {
  const [sub, ...rest] = argv;
  switch (sub) {
    case 'list':
    case 'ls':
      return listCommand(rest, io);
    case 'pull':
      return pullCommand(rest, io);
    case 'rm':
    case 'remove':
      return rmCommand(rest, io);
    case 'bench':
      return benchCommand(rest, io);
    default:
      throw new CvuError('CVU_ERR_USAGE', `${sub ? `unknown subcommand "${sub}"` : 'a subcommand is needed'}\n${USAGE}`, { status: 400 });
  }
}

function manager(): ModelManager {
  return new ModelManager(cvuHome(), createLogger());
}

async function config(root: string | undefined, io: CommandIO): Promise<{ config: CvuConfig; root: string }> {
  const r = resolveRoot(root, io.cwd);
  return { config: (await loadConfig(r)).config, root: r };
}

function installedJson(m: InstalledModel) {
  return { name: m.name, file: m.file, bytes: m.bytes, kind: m.kind, source: m.source, catalogue: m.catalogue, sha256: m.sha256, addedAt: m.addedAt, present: m.present };
}

// ---------------------------------------------------------------------------
// list
// ---------------------------------------------------------------------------

async function listCommand(argv: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parse(argv, {});
  if (positionals.length) throw new CvuError('CVU_ERR_USAGE', `models list takes no arguments\n${USAGE}`, { status: 400 });
  const models = manager();
  const installed = await models.list();
  const catalogue = await models.catalogue();
  if (values.json) {
    io.out(
      JSON.stringify({
        dir: models.dir,
        models: installed.map(installedJson),
        catalogue: catalogue.map((e) => ({
          name: e.name,
          aliases: e.aliases,
          uri: e.uri,
          parametersB: e.parametersB,
          quantization: e.quantization,
          bytes: e.bytes,
          ramAt4k: e.ramAt4k,
          installed: e.installed,
          description: e.description,
        })),
        default: DEFAULT_MODEL_NAME,
      }),
    );
    return 0;
  }
  if (installed.length === 0) io.out(`no models installed in ${models.dir}`);
  else {
    io.out(`installed (${models.dir}):`);
    const w = Math.max(...installed.map((m) => m.name.length));
    for (const m of installed) {
      const flag = m.present ? '' : '  [file missing]';
      io.out(`  ${m.name.padEnd(w)}  ${formatBytes(m.bytes).padStart(7)}  ${m.kind.padEnd(10)}  ${m.file}${flag}`);
    }
  }
  io.out('');
  io.out('catalogue (cvu models pull NAME):');
  const w = Math.max(...CATALOGUE.map((e) => e.name.length));
  for (const e of catalogue) {
    const mark = e.installed ? '[installed]' : e.name === DEFAULT_MODEL_NAME ? '[default]  ' : '           ';
    io.out(`  ${e.name.padEnd(w)}  ${mark}  ${formatBytes(e.bytes).padStart(7)} on disk, ~${formatBytes(e.ramAt4k)} RAM at 4k context — ${e.description}`);
  }
  return 0;
}

// ---------------------------------------------------------------------------
// pull
// ---------------------------------------------------------------------------

async function pullCommand(argv: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parse(argv, { name: { type: 'string' }, sha256: { type: 'string' }, timeout: { type: 'string' } });
  if (positionals.length > 1) throw new CvuError('CVU_ERR_USAGE', `models pull takes one model\n${USAGE}`, { status: 400 });
  if (values.sha256 !== undefined && !/^[0-9a-fA-F]{64}$/.test(values.sha256)) throw new CvuError('CVU_ERR_USAGE', '--sha256 expects 64 hex digits', { status: 400 });
  const timeoutS = intOption(values.timeout, 'timeout', 15);
  let target = positionals[0];
  if (!target) {
    // No argument: what the config names (when it is something to pull), else the catalogue default.
    const configured = (await config(values.root, io)).config.model.path;
    target = configured && (isModelUri(configured) || findCatalogueEntry(configured)) ? configured : DEFAULT_MODEL_NAME;
  }
  const bar = new ProgressBar(process.stderr, !values.json && Boolean(process.stderr.isTTY));
  const controller = new AbortController();
  const onSigint = () => controller.abort(new Error('interrupted'));
  process.once('SIGINT', onSigint);
  try {
    const result = await manager().pull(target, {
      name: values.name,
      sha256: values.sha256,
      connectTimeoutMs: timeoutS * 1000,
      signal: controller.signal,
      cwd: io.cwd,
      onProgress: (p) => {
        if (p.phase === 'connecting') bar.update(`connecting for ${target}`, 0, 0);
        else bar.update(`${p.phase === 'verifying' ? 'verifying' : 'downloading'} ${target} (MB)`, Math.round(p.downloadedBytes / 1e6), Math.round(p.totalBytes / 1e6));
      },
    });
    bar.done();
    const m = result.model;
    if (values.json) io.out(JSON.stringify({ model: installedJson(m), downloaded: result.downloaded }));
    else {
      const how = result.downloaded ? 'downloaded' : m.kind === 'linked' ? 'registered (the file stays where it is)' : 'already installed';
      io.out(`${m.name}: ${how}, ${formatBytes(m.bytes)} at ${m.file}`);
      io.out(`use it with model.path: '${m.name}' in $CVU_HOME/config.ts, or CVU_MODEL=${m.name}`);
    }
    return 0;
  } catch (err) {
    if (isCvuError(err, 'CVU_ERR_ABORTED')) throw new CvuError('CVU_ERR_ABORTED', `download of ${target} interrupted; run \`cvu models pull ${target}\` again to resume`, { status: 499 });
    throw err;
  } finally {
    bar.done();
    process.removeListener('SIGINT', onSigint);
  }
}

// ---------------------------------------------------------------------------
// rm
// ---------------------------------------------------------------------------

async function rmCommand(argv: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parse(argv, {});
  if (positionals.length !== 1) throw new CvuError('CVU_ERR_USAGE', `models rm takes one model name\n${USAGE}`, { status: 400 });
  const removed = await manager().rm(positionals[0]);
  if (values.json) io.out(JSON.stringify({ removed: installedJson(removed) }));
  else io.out(removed.kind === 'linked' ? `${removed.name}: forgotten (the file ${removed.file} was left in place)` : `${removed.name}: removed ${removed.file}`);
  return 0;
}

// ---------------------------------------------------------------------------
// bench
// ---------------------------------------------------------------------------

export interface BenchFigures {
  name: string;
  file: string;
  bytes: number;
  loadMs: number;
  /** Prompt evaluation (one batch of `promptTokens`). */
  promptTokens: number;
  promptMs: number;
  promptTokensPerSecond: number;
  /** Generation, one token at a time. */
  generatedTokens: number;
  generationMs: number;
  generationTokensPerSecond: number;
}

export interface BenchOptions {
  threads: number;
  promptTokens: number;
  generateTokens: number;
}

const BENCH_TEXT = `export async function retryUpload(file: string, attempts = 3): Promise<void> {
  for (let i = 0; i < attempts; i++) {
    try {
      const response = await fetch(url, { method: 'POST', body: await readFile(file) });
      if (response.ok) return;
    } catch (err) {
      console.warn('upload failed', err);
    }
    await sleep(2 ** i * 100);
  }
  throw new Error(\`upload of \${file} failed after \${attempts} attempts\`);
}
`;

function benchPrompt(model: LlamaModel, n: number): Token[] {
  const piece = model.tokenize(BENCH_TEXT, false);
  if (piece.length === 0) throw new CvuError('CVU_ERR_MODEL_LOAD', 'the model tokenizes the benchmark text to nothing');
  const out: Token[] = [];
  while (out.length < n) out.push(...piece);
  return out.slice(0, n);
}

/**
 * Measures one model on this machine: load, prompt evaluation of
 * `promptTokens` in one batch, then `generateTokens` generated one at a time
 * (greedy; end-of-text does not stop it), with `threads` threads.
 */
export async function benchModel(model: ResolvedModel & { bytes: number }, opts: BenchOptions): Promise<BenchFigures> {
  const llama = await getSharedLlama();
  llama.maxThreads = opts.threads;
  const started = performance.now();
  let m: LlamaModel;
  try {
    m = await llama.loadModel({ modelPath: model.file, gpuLayers: 0 });
  } catch (err) {
    throw new CvuError('CVU_ERR_MODEL_LOAD', `model ${model.name} (${model.file}) failed to load: ${(err as Error).message}`, { cause: err });
  }
  const loadMs = performance.now() - started;
  try {
    const contextSize = Math.ceil((opts.promptTokens + opts.generateTokens + 64) / 256) * 256;
    const context = await m.createContext({ contextSize, threads: opts.threads, batchSize: Math.max(opts.promptTokens, 32) });
    try {
      const sequence = context.getSequence();
      const prompt = benchPrompt(m, opts.promptTokens);
      // Warm-up: the first evaluation pays one-time allocations.
      await sequence.evaluateWithoutGeneratingNewTokens(prompt.slice(0, 8));
      await sequence.clearHistory();

      const head = prompt.slice(0, -1);
      const t0 = performance.now();
      await sequence.evaluateWithoutGeneratingNewTokens(head);
      const promptMs = performance.now() - t0;

      let generated = 0;
      const t1 = performance.now();
      for await (const _ of sequence.evaluate([prompt[prompt.length - 1]], { temperature: 0, yieldEogToken: true })) {
        if (++generated >= opts.generateTokens) break;
      }
      const generationMs = performance.now() - t1;
      const rate = (n: number, ms: number) => (ms > 0 ? Number(((n * 1000) / ms).toFixed(2)) : 0);
      return {
        name: model.name,
        file: model.file,
        bytes: model.bytes,
        loadMs: Math.round(loadMs),
        promptTokens: head.length,
        promptMs: Number(promptMs.toFixed(1)),
        promptTokensPerSecond: rate(head.length, promptMs),
        generatedTokens: generated,
        generationMs: Number(generationMs.toFixed(1)),
        generationTokensPerSecond: rate(generated, generationMs),
      };
    } finally {
      await context.dispose();
    }
  } finally {
    await m.dispose();
  }
}

type BenchRow = BenchFigures & { meetsTarget: boolean };
type BenchFailure = { name: string; file: string | null; error: { code: string; message: string } };

async function benchCommand(argv: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parse(argv, {
    threads: { type: 'string' },
    'prompt-tokens': { type: 'string' },
    'gen-tokens': { type: 'string' },
    target: { type: 'string' },
  });
  const { config: cfg, root } = await config(values.root, io);
  const threads = intOption(values.threads, 'threads', resolveThreads(cfg));
  const promptTokens = intOption(values['prompt-tokens'], 'prompt-tokens', 256);
  const generateTokens = intOption(values['gen-tokens'], 'gen-tokens', 32);
  const target = intOption(values.target, 'target', 15);
  if (promptTokens < 2) throw new CvuError('CVU_ERR_USAGE', '--prompt-tokens must be at least 2', { status: 400 });

  const models = manager();
  const installed = await models.list();
  const todo: Array<{ spec: string; resolved: (ResolvedModel & { bytes: number }) | null; error?: unknown }> = [];
  if (positionals.length) {
    for (const spec of positionals) {
      try {
        const r = await models.resolve(spec, { cwd: io.cwd });
        const bytes = installed.find((m) => m.file === r.file)?.bytes ?? fs.statSync(r.file).size;
        todo.push({ spec, resolved: { ...r, bytes } });
      } catch (err) {
        todo.push({ spec, resolved: null, error: err });
      }
    }
  } else {
    for (const m of installed.filter((x) => x.present)) todo.push({ spec: m.name, resolved: { name: m.name, file: m.file, via: 'name', bytes: m.bytes } });
    if (todo.length === 0 && cfg.model.path) {
      // Nothing installed, but the config (or CVU_MODEL) points at a file: bench that.
      try {
        const r = await models.resolve(cfg.model.path, { cwd: root });
        todo.push({ spec: cfg.model.path, resolved: { ...r, bytes: fs.statSync(r.file).size } });
      } catch (err) {
        todo.push({ spec: cfg.model.path, resolved: null, error: err });
      }
    }
  }
  if (todo.length === 0) {
    throw new CvuError('CVU_ERR_MODEL_MISSING', `no models installed to benchmark; run \`cvu models pull ${DEFAULT_MODEL_NAME}\` or pass a .gguf path`, { status: 503 });
  }

  const rows: BenchRow[] = [];
  const failures: BenchFailure[] = [];
  const bar = new ProgressBar(process.stderr, !values.json && Boolean(process.stderr.isTTY));
  for (const [i, item] of todo.entries()) {
    bar.update(`benchmarking ${item.spec}`, i, todo.length);
    if (!item.resolved) {
      const e = item.error;
      failures.push({ name: item.spec, file: null, error: { code: isCvuError(e) ? e.code : 'CVU_ERR_INTERNAL', message: (e as Error).message } });
      continue;
    }
    try {
      const mem = await estimateMemory(item.resolved.file, promptTokens + generateTokens + 64);
      const free = await freeMemory(await getSharedLlama());
      if (mem.needed > free) {
        throw new CvuError('CVU_ERR_MODEL_TOO_BIG', `needs about ${formatBytes(mem.needed)} but only ${formatBytes(free)} is free`, { status: 503 });
      }
      const fig = await benchModel(item.resolved, { threads, promptTokens, generateTokens });
      rows.push({ ...fig, meetsTarget: fig.generationTokensPerSecond >= target });
    } catch (err) {
      failures.push({ name: item.resolved.name, file: item.resolved.file, error: { code: isCvuError(err) ? err.code : 'CVU_ERR_INTERNAL', message: (err as Error).message } });
    }
  }
  bar.done();

  // The most capable model (largest) that is fast enough; if none is, the fastest.
  const fast = rows.filter((r) => r.meetsTarget).sort((a, b) => b.bytes - a.bytes || b.generationTokensPerSecond - a.generationTokensPerSecond);
  const fastest = [...rows].sort((a, b) => b.generationTokensPerSecond - a.generationTokensPerSecond)[0];
  const recommended = fast[0] ?? null;
  const reason = recommended
    ? `the largest model generating at least ${target} tokens/s with ${threads} threads`
    : fastest
      ? `no model reaches ${target} tokens/s with ${threads} threads; the fastest is ${fastest.name} (${fastest.generationTokensPerSecond} tokens/s)`
      : 'no model could be measured';

  if (values.json) {
    io.out(
      JSON.stringify({
        threads,
        promptTokens,
        generateTokens,
        targetTokensPerSecond: target,
        models: rows,
        failed: failures,
        recommended: recommended?.name ?? null,
        fastest: fastest?.name ?? null,
        reason,
      }),
    );
  } else {
    io.out(`threads ${threads}, prompt ${promptTokens} tokens, generation ${generateTokens} tokens, target ≥ ${target} tokens/s`);
    const w = Math.max(...rows.map((r) => r.name.length), ...failures.map((f) => f.name.length), 5);
    io.out(`  ${'model'.padEnd(w)}  ${'size'.padStart(7)}  ${'prompt tok/s'.padStart(12)}  ${'gen tok/s'.padStart(9)}  ${'load ms'.padStart(7)}`);
    for (const r of rows) {
      io.out(`  ${r.name.padEnd(w)}  ${formatBytes(r.bytes).padStart(7)}  ${r.promptTokensPerSecond.toFixed(1).padStart(12)}  ${r.generationTokensPerSecond.toFixed(1).padStart(9)}  ${String(r.loadMs).padStart(7)}${r.meetsTarget ? '' : '  (below target)'}`);
    }
    for (const f of failures) io.out(`  ${f.name.padEnd(w)}  failed: ${f.error.message} [${f.error.code}]`);
    io.out(recommended ? `recommended: ${recommended.name} — ${reason}` : reason);
  }
  return rows.length > 0 ? 0 : 1;
}
