/**
 * The generation model runtime: one GGUF code model, loaded once per daemon
 * with node-llama-cpp on the CPU, shared by every feature, and unloaded after
 * `model.idleUnloadSeconds` without use.
 *
 * ```ts
 * const llm = new LlmRuntime({ home: cvuHome() });
 * const lease = await llm.acquire(config, { sequences: 2 }); // loads on first use; the fit check counts 2 sequences
 * try {
 *   const context = await llm.createContext();     // config.model.contextSize, the 2 sequences, explicit threads
 *   const budget = llm.tokenCounter().count(prompt);
 *   if (llm.fim.format === 'qwen-repo') … llm.fim.repoName …
 * } finally {
 *   lease.release();                               // restarts the idle timer
 * }
 * ```
 *
 * - Which model: `config.model.path` (CVU_MODEL lands there) through the
 *   {@link ModelManager}: a `.gguf` path, an installed or catalogue name, or a
 *   pulled `hf:` URI; nothing configured means the installed default. A model
 *   that is not there is CVU_ERR_MODEL_MISSING naming `cvu models pull …`.
 * - Memory: before loading, node-llama-cpp's GgufInsights estimates the RAM
 *   of the weights and of the context the caller will create: the load names
 *   its `sequences` (each gets `contextSize` cells of KV cache), and
 *   createContext() never allocates more than were counted. To that come the
 *   embedding model's threads, loaded or still to start, as far as they have
 *   not taken their memory yet (models/embedder-memory.ts). More than the
 *   free memory ({@link freeMemory}: os.freemem() or node-llama-cpp's RAM
 *   state, injectable) is CVU_ERR_MODEL_TOO_BIG with the breakdown. A file
 *   that is not a readable GGUF is CVU_ERR_MODEL_LOAD.
 * - Threads: `config.threads || defaultThreads()`, always passed explicitly,
 *   and the Llama instance's `maxThreads` is capped to it, so contexts never
 *   oversubscribe the cores.
 * - Lifetime: concurrent `load`s share one load; `acquire`/`release` count
 *   users; the idle timer runs only while nobody holds a lease, and the model
 *   is never unloaded while in use. `idleUnloadSeconds: 0` keeps it loaded.
 *   Asking for a different model, or for more sequences than the loaded
 *   one was checked for, waits for the current users, then swaps.
 */
import os from 'node:os';
import type { GgufInsights, Llama, LlamaContext, LlamaModel, Token } from 'node-llama-cpp';
import { CvuError } from '../core/errors.js';
import { cvuHome, defaultThreads } from '../core/home.js';
import { silentLogger, type Logger } from '../core/log.js';
import { estimateTokens, type TokenCounter } from '../core/tokens.js';
import type { CvuConfig } from '../config/schema.js';
import { embeddingMemory, type EmbeddingMemory } from './embedder-memory.js';
import { ModelManager, type ResolvedModel } from './model-manager.js';

/** How a model's fill-in-the-middle prompt is built. */
export type FimFormat =
  /** Qwen2.5-Coder: `<|repo_name|>`, `<|file_sep|>` file headers, then PSM infill tokens. */
  | 'qwen-repo'
  /** Prefix-suffix-middle infill tokens only. */
  | 'psm'
  /** No FIM tokens declared (`model.fimTemplate` may still describe a format). */
  | 'none';

export interface FimTokens {
  prefix: Token | null;
  suffix: Token | null;
  middle: Token | null;
  /** `<|fim_pad|>`, when it is one control token. */
  pad: Token | null;
  /** `<|repo_name|>`, when it is one control token. */
  repoName: Token | null;
  /** `<|file_sep|>`, when it is one control token. */
  fileSep: Token | null;
  format: FimFormat;
}

/** The weights and one context, as node-llama-cpp's GgufInsights estimates them ({@link estimateMemory}). */
export interface ContextsEstimate {
  /** Bytes for the weights (as node-llama-cpp will map or load them on the CPU). */
  model: number;
  /** Bytes for one context of `sequences` sequences of `contextSize` tokens each (KV cache and compute buffers). */
  context: number;
  contextSize: number;
  sequences: number;
  /** model + context. */
  needed: number;
}

/** What a load's fit check counted. */
export interface MemoryEstimate extends ContextsEstimate {
  /** The embedding model's threads in this process (`pending` of them is counted). */
  embedding: EmbeddingMemory;
  /** model + context + embedding.pending: what the load and the threads will still take from free memory. */
  needed: number;
  /** Free memory when the check ran. */
  free: number;
}

/** What the caller will allocate on the loaded model, for the fit check. */
export interface LoadOptions {
  /**
   * Sequences of the one context the caller creates (each `model.contextSize`
   * tokens). Default 1. A model loaded for fewer is swapped for a fresh load
   * whose check counts these.
   */
  sequences?: number;
}

export type LlmState = 'unloaded' | 'loading' | 'loaded' | 'error';

export interface LlmStatus {
  state: LlmState;
  /** The model's name (installed name, or file name); null before the first load. */
  name: string | null;
  file: string | null;
  /** Leases held right now. */
  inUse: number;
  loadedAt: string | null;
  lastUsedAt: string | null;
  /** The last load's error message, when state is 'error'. */
  error: string | null;
}

/** A loaded model: what a lease hands out. */
export interface LoadedLlm {
  readonly name: string;
  readonly file: string;
  readonly model: LlamaModel;
  readonly fim: FimTokens;
  readonly memory: MemoryEstimate;
  /** Threads every context of this model uses. */
  readonly threads: number;
  readonly loadMs: number;
}

export interface LlmLease {
  readonly llm: LoadedLlm;
  /** Ends this use; idempotent. The idle timer starts when the last lease ends. */
  release(): void;
}

export interface CreateContextOptions {
  /** Default: config.model.contextSize. */
  contextSize?: number;
  /** Default: config.threads || defaultThreads(). */
  threads?: number;
  /** Default: the sequences the load counted; more than it counted (over all live contexts) is refused. */
  sequences?: number;
  batchSize?: number;
}

export interface LlmRuntimeOptions {
  /** CVU_HOME (models live under `models/llm`). Default cvuHome(). */
  home?: string;
  /** Default: a ModelManager over `home`. */
  manager?: ModelManager;
  log?: Logger;
  /** Bytes of free memory; default {@link freeMemory}. Tests inject a tiny figure. */
  freeMemory?: () => number | Promise<number>;
  /** The embedding threads the fit check counts; default this process's (models/embedder-memory.ts). */
  embeddingMemory?: () => EmbeddingMemory;
  /** Base of a relative `model.path`. Default process.cwd(). */
  cwd?: string;
}

// ---------------------------------------------------------------------------
// node-llama-cpp (imported lazily: only the runtime needs the native addon)
// ---------------------------------------------------------------------------

type NodeLlamaCpp = typeof import('node-llama-cpp');
let nlcModule: Promise<NodeLlamaCpp> | null = null;
let sharedLlama: Promise<Llama> | null = null;
let llamaLog: Logger = silentLogger;

function nodeLlamaCpp(): Promise<NodeLlamaCpp> {
  nlcModule ??= import('node-llama-cpp');
  return nlcModule;
}

/** One CPU-only Llama per process (prebuilt binaries, never a build from source). */
export function getSharedLlama(log?: Logger): Promise<Llama> {
  if (log) llamaLog = log;
  if (!sharedLlama) {
    const p = (async () => {
      const { getLlama, LlamaLogLevel } = await nodeLlamaCpp();
      return getLlama({
        gpu: false,
        build: 'never',
        logLevel: LlamaLogLevel.warn,
        logger: (level, message) => {
          const text = message.trim();
          if (!text) return;
          if (level === LlamaLogLevel.error || level === LlamaLogLevel.fatal) llamaLog.error(`llama.cpp: ${text}`);
          else llamaLog.warn(`llama.cpp: ${text}`);
        },
      });
    })();
    sharedLlama = p;
    // A failed start is retried by the next caller.
    p.catch(() => {
      if (sharedLlama === p) sharedLlama = null;
    });
  }
  return sharedLlama.catch((err: unknown) => {
    throw new CvuError('CVU_ERR_MODEL_LOAD', `node-llama-cpp could not start its CPU backend: ${(err as Error).message}`, { cause: err });
  });
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function formatBytes(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)} GB`;
  if (n >= 1e6) return `${Math.round(n / 1e6)} MB`;
  if (n >= 1e3) return `${Math.round(n / 1e3)} kB`;
  return `${n} B`;
}

/** One control token for `text`, or null. */
function controlToken(model: LlamaModel, text: string): Token | null {
  try {
    const ids = model.tokenize(text, true);
    return ids.length === 1 && model.isSpecialToken(ids[0]) ? ids[0] : null;
  } catch {
    return null;
  }
}

/** The FIM and repo-level tokens a model declares, and the prompt format they imply. */
export function detectFim(model: LlamaModel): FimTokens {
  const infill = model.tokens.infill;
  const prefix = infill.prefix ?? controlToken(model, '<|fim_prefix|>');
  const suffix = infill.suffix ?? controlToken(model, '<|fim_suffix|>');
  const middle = infill.middle ?? controlToken(model, '<|fim_middle|>');
  const pad = controlToken(model, '<|fim_pad|>');
  const repoName = controlToken(model, '<|repo_name|>');
  const fileSep = controlToken(model, '<|file_sep|>');
  const hasInfill = prefix !== null && suffix !== null && middle !== null;
  const format: FimFormat = hasInfill ? (repoName !== null && fileSep !== null ? 'qwen-repo' : 'psm') : 'none';
  return { prefix, suffix, middle, pad, repoName, fileSep, format };
}

/**
 * Memory a model could use now: the larger of os.freemem() and node-llama-cpp's
 * native RAM state. On Linux both read about MemAvailable; on macOS
 * os.freemem() counts only pages that are free outright (often a few hundred
 * MB on a machine with gigabytes reclaimable), so the native figure keeps the
 * check from refusing a model that fits.
 */
export async function freeMemory(llama?: Llama): Promise<number> {
  const node = os.freemem();
  if (!llama) return node;
  try {
    return Math.max(node, (await llama.getRamState()).free);
  } catch {
    return node;
  }
}

/**
 * Estimates the RAM of a model file plus one context of `sequences` sequences
 * of `contextSize` tokens, with node-llama-cpp's GgufInsights (what
 * node-llama-cpp itself reserves when it creates that context).
 */
export async function estimateMemory(file: string, contextSize: number, llama?: Llama, sequences = 1): Promise<ContextsEstimate> {
  if (!Number.isInteger(sequences) || sequences < 1) throw new CvuError('CVU_ERR_INTERNAL', `a context needs at least one sequence (got ${sequences})`);
  const { readGgufFileInfo, GgufInsights } = await nodeLlamaCpp();
  let insights: GgufInsights;
  try {
    const info = await readGgufFileInfo(file, { sourceType: 'filesystem', logWarnings: false });
    insights = await GgufInsights.from(info, llama);
  } catch (err) {
    throw new CvuError('CVU_ERR_MODEL_LOAD', `model file ${file} is not a readable GGUF file (${describe(err)}); it may be truncated or corrupt — download it again`, { cause: err });
  }
  const model = (await insights.estimateModelResourceRequirementsV2({ gpuLayers: 0 })).cpuRam;
  const context = (await insights.estimateContextResourceRequirementsV2({ contextSize, modelGpuLayers: 0, sequences })).cpuRam;
  return { model, context, contextSize, sequences, needed: model + context };
}

// ---------------------------------------------------------------------------
// The runtime
// ---------------------------------------------------------------------------

interface Loaded extends LoadedLlm {
  readonly config: CvuConfig;
  readonly loadedAt: Date;
  /** The contexts created on this model (createContext() counts the sequences of those not disposed). */
  readonly contexts: Set<LlamaContext>;
  /** Sequences of contexts being created. */
  creating: number;
}

/** Sequences of the live contexts on `c`, and of those being created. */
function sequencesInUse(c: Loaded): number {
  let n = c.creating;
  for (const context of c.contexts) {
    if (context.disposed) c.contexts.delete(context);
    else n += context.totalSequences;
  }
  return n;
}

export class LlmRuntime {
  readonly manager: ModelManager;
  private readonly log: Logger;
  private readonly freeMemory: (() => number | Promise<number>) | null;
  private readonly embeddingMemory: () => EmbeddingMemory;
  private readonly cwd: string | undefined;

  private current: Loaded | null = null;
  private loading: { file: string; sequences: number; promise: Promise<Loaded> } | null = null;
  private unloading: Promise<void> | null = null;
  private users = 0;
  private idleTimer: NodeJS.Timeout | null = null;
  private drained: Array<() => void> = [];
  private lastUsed: Date | null = null;
  private lastError: string | null = null;
  private lastName: { name: string; file: string } | null = null;
  private disposed = false;

  constructor(opts: LlmRuntimeOptions = {}) {
    this.log = opts.log ?? silentLogger;
    this.manager = opts.manager ?? new ModelManager(opts.home ?? cvuHome(), this.log);
    this.freeMemory = opts.freeMemory ?? null;
    this.embeddingMemory = opts.embeddingMemory ?? embeddingMemory;
    this.cwd = opts.cwd;
  }

  // -- state ----------------------------------------------------------------

  get state(): LlmState {
    if (this.current) return 'loaded';
    if (this.loading) return 'loading';
    return this.lastError ? 'error' : 'unloaded';
  }

  get loaded(): boolean {
    return this.current !== null;
  }

  status(): LlmStatus {
    const c = this.current;
    return {
      state: this.state,
      name: c?.name ?? this.lastName?.name ?? null,
      file: c?.file ?? this.lastName?.file ?? null,
      inUse: this.users,
      loadedAt: c?.loadedAt.toISOString() ?? null,
      lastUsedAt: this.lastUsed?.toISOString() ?? null,
      error: this.state === 'error' ? this.lastError : null,
    };
  }

  private need(): Loaded {
    if (this.current) return this.current;
    throw new CvuError('CVU_ERR_INTERNAL', 'no generation model is loaded; acquire() or load() it first');
  }

  /** The loaded node-llama-cpp model (throws when none is loaded). */
  get model(): LlamaModel {
    return this.need().model;
  }

  /** FIM and repo-level token ids of the loaded model. */
  get fim(): FimTokens {
    return this.need().fim;
  }

  /**
   * A counter backed by the model's own tokenizer (`model.tokenize`). It
   * follows the runtime: after an idle unload it falls back to the estimate
   * until the model is loaded again.
   */
  tokenCounter(): TokenCounter {
    const self = this;
    return {
      get name() {
        const c = self.current;
        return c && !c.model.disposed ? `llama:${c.name}` : estimateTokens.name;
      },
      count(text: string): number {
        const c = self.current;
        if (!c || c.model.disposed) return estimateTokens.count(text);
        return text.length === 0 ? 0 : c.model.tokenize(text, false).length;
      },
    };
  }

  // -- loading --------------------------------------------------------------

  /**
   * Loads the model `config` names (once; concurrent calls share the load) and
   * returns it; the fit check counts `opts.sequences` sequences.
   */
  async load(config: CvuConfig, opts: LoadOptions = {}): Promise<LoadedLlm> {
    if (this.disposed) throw new CvuError('CVU_ERR_INTERNAL', 'the model runtime was disposed');
    const sequences = opts.sequences ?? 1;
    if (!Number.isInteger(sequences) || sequences < 1) throw new CvuError('CVU_ERR_INTERNAL', `a context needs at least one sequence (got ${sequences})`);
    let resolved: ResolvedModel;
    try {
      resolved = await this.manager.resolve(config, { cwd: this.cwd });
    } catch (err) {
      this.lastError = describe(err);
      throw err;
    }
    for (;;) {
      const c = this.current;
      if (c && c.file === resolved.file && c.memory.sequences >= sequences && !c.model.disposed) {
        if (this.users === 0) this.scheduleIdle();
        return c;
      }
      const l = this.loading;
      if (l && l.file === resolved.file && l.sequences >= sequences) return l.promise;
      if (!l) break;
      // Another model is loading: let it finish, then take our turn.
      await l.promise.catch(() => {});
    }
    const promise = this.loadNow(resolved, config, sequences);
    const entry = { file: resolved.file, sequences, promise };
    this.loading = entry;
    promise.then(
      () => {
        if (this.loading === entry) this.loading = null;
      },
      () => {
        if (this.loading === entry) this.loading = null;
      },
    );
    return promise;
  }

  private async loadNow(resolved: ResolvedModel, config: CvuConfig, sequences: number): Promise<Loaded> {
    this.lastName = { name: resolved.name, file: resolved.file };
    try {
      // A different model (or this one, checked for fewer sequences) is loaded: wait until nobody uses it, then unload it first (memory).
      if (this.current) {
        await this.waitUntilIdle();
        await this.unloadNow('model changed');
      }
      if (this.unloading) await this.unloading;
      const loaded = await this.open(resolved, config, sequences);
      if (this.disposed) {
        await loaded.model.dispose().catch(() => {});
        throw new CvuError('CVU_ERR_INTERNAL', 'the model runtime was disposed');
      }
      this.current = loaded;
      this.lastError = null;
      if (this.users === 0) this.scheduleIdle();
      return loaded;
    } catch (err) {
      this.lastError = describe(err);
      throw err;
    }
  }

  private async open(resolved: ResolvedModel, config: CvuConfig, sequences: number): Promise<Loaded> {
    const started = performance.now();
    const threads = resolveThreads(config);
    const llama = await getSharedLlama(this.log);
    const estimate = await estimateMemory(resolved.file, config.model.contextSize, llama, sequences);
    let free: number;
    try {
      free = await (this.freeMemory ?? (() => freeMemory(llama)))();
    } catch {
      free = os.freemem();
    }
    const memory = fitCheck(estimate, this.embeddingMemory(), free);
    if (memory.needed > free) throw tooBig(resolved.name, memory);
    // Contexts of this Llama never use more threads than Cvu was given.
    llama.maxThreads = threads;
    let model: LlamaModel;
    try {
      model = await llama.loadModel({ modelPath: resolved.file, gpuLayers: 0 });
    } catch (err) {
      throw new CvuError('CVU_ERR_MODEL_LOAD', `model ${resolved.name} (${resolved.file}) failed to load: ${describe(err)}`, { cause: err });
    }
    const fim = detectFim(model);
    const loadMs = Math.round(performance.now() - started);
    this.log.info('generation model loaded', {
      model: resolved.name, file: resolved.file, fim: fim.format, threads, sequences, needed: memory.needed, weights: memory.model, context: memory.context, embedding: memory.embedding.pending, free, ms: loadMs,
    });
    return { name: resolved.name, file: resolved.file, model, fim, memory, threads, loadMs, config, loadedAt: new Date(), contexts: new Set(), creating: 0 };
  }

  // -- use ------------------------------------------------------------------

  /** Loads if needed (see {@link load}) and marks the model in use until `release()`; the idle timer is stopped meanwhile. */
  async acquire(config: CvuConfig, opts: LoadOptions = {}): Promise<LlmLease> {
    for (;;) {
      const llm = await this.load(config, opts);
      // An unload may have slipped in between the load and this turn: load again.
      if (this.current !== llm) continue;
      this.users++;
      this.clearIdle();
      this.lastUsed = new Date();
      let released = false;
      return {
        llm,
        release: () => {
          if (released) return;
          released = true;
          this.users--;
          this.lastUsed = new Date();
          if (this.users === 0) {
            for (const resolve of this.drained.splice(0)) resolve();
            if (this.current === llm) this.scheduleIdle();
          }
        },
      };
    }
  }

  /** Runs `fn` with the model acquired, releasing it afterwards. */
  async use<T>(config: CvuConfig, fn: (llm: LoadedLlm) => Promise<T>, opts: LoadOptions = {}): Promise<T> {
    const lease = await this.acquire(config, opts);
    try {
      return await fn(lease.llm);
    } finally {
      lease.release();
    }
  }

  /**
   * A context on the loaded model, with explicit threads, the configured
   * context size and the sequences the load counted. Create it while holding
   * a lease; it is disposed with the model when the model unloads. Sequences
   * beyond what the load's fit check counted (over all live contexts) are
   * refused: load with the sequences you will use.
   */
  async createContext(opts: CreateContextOptions = {}): Promise<LlamaContext> {
    const c = this.need();
    const contextSize = opts.contextSize ?? c.config.model.contextSize;
    const threads = opts.threads ?? c.threads;
    const sequences = opts.sequences ?? c.memory.sequences;
    const inUse = sequencesInUse(c);
    if (inUse + sequences > c.memory.sequences) {
      throw new CvuError(
        'CVU_ERR_INTERNAL',
        `a context of ${sequences} sequences on ${c.name} would make ${inUse + sequences}, but the memory check counted ${c.memory.sequences}; load the model with { sequences: ${inUse + sequences} }`,
      );
    }
    if (contextSize > c.memory.contextSize) {
      throw new CvuError('CVU_ERR_INTERNAL', `a ${contextSize}-token context on ${c.name} is larger than the memory check counted (${c.memory.contextSize})`);
    }
    c.creating += sequences;
    let context: LlamaContext;
    try {
      context = await c.model.createContext({
        contextSize,
        threads,
        sequences,
        ...(opts.batchSize !== undefined ? { batchSize: opts.batchSize } : {}),
      });
    } catch (err) {
      c.creating -= sequences;
      const { InsufficientMemoryError } = await nodeLlamaCpp();
      if (err instanceof InsufficientMemoryError) {
        throw new CvuError('CVU_ERR_MODEL_TOO_BIG', `not enough free memory for a ${contextSize}-token context on ${c.name} (${describe(err)}); lower model.contextSize`, { status: 503, cause: err });
      }
      throw new CvuError('CVU_ERR_MODEL_LOAD', `could not create a ${contextSize}-token context on ${c.name}: ${describe(err)}`, { cause: err });
    }
    c.creating -= sequences;
    c.contexts.add(context);
    return context;
  }

  // -- unloading ------------------------------------------------------------

  private clearIdle(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
  }

  private scheduleIdle(): void {
    this.clearIdle();
    const c = this.current;
    if (!c) return;
    const seconds = c.config.model.idleUnloadSeconds;
    if (!(seconds > 0)) return;
    this.idleTimer = setTimeout(() => {
      this.idleTimer = null;
      if (this.users > 0 || this.current !== c) return;
      this.unloadNow('idle').catch((err: unknown) => this.log.warn(`unloading the idle model failed: ${describe(err)}`));
    }, seconds * 1000);
    this.idleTimer.unref();
  }

  private waitUntilIdle(): Promise<void> {
    if (this.users === 0) return Promise.resolve();
    return new Promise((resolve) => this.drained.push(resolve));
  }

  private unloadNow(reason: string): Promise<void> {
    const c = this.current;
    if (!c) return this.unloading ?? Promise.resolve();
    this.current = null;
    this.clearIdle();
    const p = c.model
      .dispose()
      .then(() => this.log.info('generation model unloaded', { model: c.name, reason }))
      .catch((err: unknown) => this.log.warn(`disposing ${c.name} failed: ${describe(err)}`))
      .finally(() => {
        if (this.unloading === p) this.unloading = null;
      });
    this.unloading = p;
    return p;
  }

  /** Unloads the model once nobody uses it (a load in progress finishes first). */
  async unload(): Promise<void> {
    if (this.loading) await this.loading.promise.catch(() => {});
    await this.waitUntilIdle();
    await this.unloadNow('requested');
  }

  /** Unloads and refuses further loads. */
  async dispose(): Promise<void> {
    this.disposed = true;
    this.clearIdle();
    if (this.loading) await this.loading.promise.catch(() => {});
    await this.unloadNow('disposed');
  }
}

/** The fit check's figures: the load's estimate, plus the embedding threads' memory still to come. */
function fitCheck(estimate: ContextsEstimate, embedding: EmbeddingMemory, free: number): MemoryEstimate {
  return { ...estimate, embedding, needed: estimate.model + estimate.context + embedding.pending, free };
}

/** CVU_ERR_MODEL_TOO_BIG for a load whose figures do not fit: what is needed, part by part, what is free, and what to do. */
function tooBig(name: string, m: MemoryEstimate): CvuError {
  const parts = [
    `${formatBytes(m.model)} for the weights`,
    `${formatBytes(m.context)} for a context of ${m.sequences === 1 ? 'one sequence' : `${m.sequences} sequences`} of ${m.contextSize} tokens`,
  ];
  const e = m.embedding;
  if (e.pending > 0) {
    const threads = `${e.threads} embedding thread${e.threads === 1 ? '' : 's'} (${e.models.join(', ')})`;
    parts.push(`${formatBytes(e.pending)} still to come for ${threads}${e.held > 0 ? `, which already use ${formatBytes(e.held)}` : ''}`);
  }
  return new CvuError(
    'CVU_ERR_MODEL_TOO_BIG',
    `model ${name} needs about ${formatBytes(m.needed)} of memory (${parts.join(', ')}) but only ${formatBytes(m.free)} is free; ` +
      `use a smaller quantization or model (\`cvu models list\` shows the catalogue, e.g. qwen2.5-coder-0.5b-q8_0), lower model.contextSize` +
      `${e.pending > 0 ? ', lower embedding.batchSize or turn the embedding model off (embedding.model: null)' : ''}, or close other programs`,
    { status: 503 },
  );
}

/** Threads for generation: `config.threads`, or the machine's cores (`defaultThreads()`); never 0. */
export function resolveThreads(config: Pick<CvuConfig, 'threads'>): number {
  return config.threads > 0 ? config.threads : defaultThreads();
}

