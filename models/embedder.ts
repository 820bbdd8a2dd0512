/**
 * The embedding runtime: a BERT-style ONNX model run by transformers.js on
 * onnxruntime-node, mean-pooled and L2-normalised.
 *
 * ```ts
 * const embedder = await loadEmbedder({ model: DEFAULT_EMBEDDING_MODEL, cacheDir, threads: 2 });
 * const [a, b] = await embedder.embed(['function parseConfig()', 'class UserStore']);
 * await embedder.dispose();
 * ```
 *
 * Where models come from:
 * - a local folder (absolute, `./relative`, `~/…`, or an existing relative
 *   directory): config.json, tokenizer.json, tokenizer_config.json and
 *   `onnx/model.onnx` (fp32) and/or `onnx/model_quantized.onnx` (q8);
 * - a Hub id (`owner/name`): the same layout under `cacheDir/owner/name`
 *   (where transformers.js's file cache puts a download). With
 *   `allowDownload` a missing model is fetched into that folder.
 *
 * Global state: nothing in transformers.js's `env` is changed. Every load
 * passes its own `cache_dir`, `local_files_only`, `dtype`, `device` and
 * `session_options`, so two embedders with different options coexist in one
 * process. The only global settings read are transformers.js's defaults
 * (`env.allowLocalModels` must stay true in Node, which is its default;
 * downloads also need `env.allowRemoteModels`, true by default).
 */
import { existsSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CvuError, isCvuError } from '../core/errors.js';
import { silentLogger, type Logger } from '../core/log.js';
import { DEFAULT_EMBEDDING_MODEL } from '../config/schema.js';
import { embedInTurns, EmbedTurns, type EmbedOptions } from './embed-turns.js';

/** The default lives with the config's defaults; re-exported for the model code's callers. */
export { DEFAULT_EMBEDDING_MODEL };

export type EmbeddingDtype = 'q8' | 'fp32' | 'auto';

export interface EmbedderOptions {
  /** A model id (looked up in, or downloaded into, cacheDir) or a local model folder (absolute or relative). */
  model: string;
  /** Where downloaded models live: `$CVU_HOME/models/embeddings`. */
  cacheDir: string;
  /** Intra-op threads for onnxruntime; always explicit (never let ORT pick on a shared machine). */
  threads: number;
  /** Default 'auto': q8 (`onnx/model_quantized.onnx`) when present, else fp32 (`onnx/model.onnx`). */
  dtype?: EmbeddingDtype;
  /** Fetch a missing model id from the Hub into cacheDir. Default false. */
  allowDownload?: boolean;
  /** Truncate each input to this many tokens (special tokens included). Default 256. */
  maxTokens?: number;
  /** Texts per model run. Default 16. */
  batchSize?: number;
  /** Aborts the load, and every later embed() call. */
  signal?: AbortSignal;
  log?: Logger;
}

export type { EmbedOptions, EmbedPriority } from './embed-turns.js';

export interface Embedder {
  /** The resolved model: the id, or the absolute folder path. */
  readonly model: string;
  readonly dimensions: number;
  /** The ONNX variant in use. */
  readonly dtype: 'q8' | 'fp32';
  /**
   * One mean-pooled, L2-normalised vector per text, in order. Batched; checks the signal between batches.
   * `background` work (indexing) yields to `interactive` work (a query) between its batches.
   */
  embed(texts: string[], opts?: EmbedOptions): Promise<Float32Array[]>;
  dispose(): Promise<void>;
}

// ---------------------------------------------------------------------------
// Model files
// ---------------------------------------------------------------------------

const ONNX_FILE = { q8: 'onnx/model_quantized.onnx', fp32: 'onnx/model.onnx' } as const;
const REQUIRED_FILES = ['config.json', 'tokenizer.json', 'tokenizer_config.json'] as const;
/** Hub ids: `name` or `owner/name` (the shape transformers.js's REPO_ID_REGEX accepts). */
const MODEL_ID = /^(?:[\w.-]+\/)?[\w.-]{1,96}$/;

type Source = { kind: 'folder'; dir: string } | { kind: 'id'; id: string; dir: string };

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function resolveSource(model: string, cacheDir: string): Source {
  const m = model.trim();
  const expanded = m === '~' || m.startsWith('~/') ? path.join(os.homedir(), m.slice(1)) : m;
  const explicitPath = path.isAbsolute(expanded) || expanded !== m || m.startsWith('.') || m.includes('\\') || m.split('/').length > 2;
  if (explicitPath || isDir(path.resolve(expanded)) || !MODEL_ID.test(m) || m.includes('..')) {
    return { kind: 'folder', dir: path.resolve(expanded) };
  }
  return { kind: 'id', id: m, dir: path.resolve(cacheDir, ...m.split('/')) };
}

interface FolderState {
  missing: string[];
  dtype: 'q8' | 'fp32' | null;
}

/** Which required files a folder lacks, and the dtype it can serve. */
function inspectFolder(dir: string, wanted: EmbeddingDtype): FolderState {
  const missing: string[] = REQUIRED_FILES.filter((f) => !isFile(path.join(dir, f)));
  const has = (d: 'q8' | 'fp32') => isFile(path.join(dir, ONNX_FILE[d]));
  let dtype: 'q8' | 'fp32' | null = null;
  if (wanted === 'auto') dtype = has('q8') ? 'q8' : has('fp32') ? 'fp32' : null;
  else dtype = has(wanted) ? wanted : null;
  if (!dtype) missing.push(wanted === 'auto' ? `${ONNX_FILE.q8} or ${ONNX_FILE.fp32}` : ONNX_FILE[wanted]);
  return { missing, dtype };
}

/**
 * The folder and ONNX file `loadEmbedder` would load for these options, when
 * they are on disk (null `onnx` otherwise: a model still to download). Reads
 * the file system only; models/embedder-memory.ts sizes a thread from it.
 */
export function embeddingModelFiles(opts: Pick<EmbedderOptions, 'model' | 'cacheDir' | 'dtype'>): { dir: string; onnx: string | null; dtype: 'q8' | 'fp32' | null } {
  const source = resolveSource(opts.model, opts.cacheDir);
  const { dtype } = inspectFolder(source.dir, opts.dtype ?? 'auto');
  return { dir: source.dir, onnx: dtype ? path.join(source.dir, ONNX_FILE[dtype]) : null, dtype };
}

// ---------------------------------------------------------------------------
// transformers.js (imported lazily: it is heavy and only the embedder needs it)
// ---------------------------------------------------------------------------

type Transformers = typeof import('@huggingface/transformers');
let transformersModule: Promise<Transformers> | null = null;
function loadTransformers(): Promise<Transformers> {
  transformersModule ??= import('@huggingface/transformers');
  return transformersModule;
}

/** The parts of a transformers.js tokenizer this module uses. */
interface TokenizerLike {
  (text: string, options: { add_special_tokens?: boolean; return_tensor: false }): { input_ids: number[]; token_type_ids?: number[] };
  readonly model_max_length: number;
  readonly pad_token_id: number | undefined;
  readonly all_special_ids: number[];
}

/** The parts of a transformers.js PreTrainedModel this module uses. */
interface ModelLike {
  (inputs: Record<string, unknown>): Promise<Record<string, { data: unknown; dims: number[] } | undefined>>;
  readonly config: { max_position_embeddings?: number };
  readonly sessions?: Record<string, { inputNames?: string[] }>;
  dispose(): Promise<unknown>;
}

function sessionOptions(threads: number): Record<string, unknown> {
  return {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    // No busy-waiting after a run: the cores are shared with generation.
    extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
  };
}

function abortError(): CvuError {
  return new CvuError('CVU_ERR_ABORTED', 'embedding aborted', { status: 499 });
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function isNotFound(err: unknown): boolean {
  return err instanceof Error && err.name === 'ModelFileNotFoundError';
}

function isNetworkFailure(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: string; cause?: { code?: string } }).cause?.code ?? (err as { code?: string }).code;
  return (
    (err.name === 'TypeError' && /fetch failed/i.test(err.message)) ||
    ['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT'].includes(code ?? '')
  );
}

/** Races a promise against an abort signal (the promise keeps running; `onLate` disposes what it yields). */
function raceAbort<T>(p: Promise<T>, signal: AbortSignal | undefined, onLate: (v: T) => void): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) {
    p.then(onLate, () => {});
    return Promise.reject(abortError());
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      p.then(onLate, () => {});
      reject(abortError());
    };
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        if (signal.aborted) onLate(v);
        else resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

// ---------------------------------------------------------------------------
// Loading
// ---------------------------------------------------------------------------

export async function loadEmbedder(opts: EmbedderOptions): Promise<Embedder> {
  const log = opts.log ?? silentLogger;
  if (!Number.isInteger(opts.threads) || opts.threads < 1) throw new CvuError('CVU_ERR_USAGE', `embedder threads must be a positive integer (got ${opts.threads})`);
  const maxTokens = opts.maxTokens ?? 256;
  const batchSize = opts.batchSize ?? 16;
  if (!Number.isInteger(maxTokens) || maxTokens < 2) throw new CvuError('CVU_ERR_USAGE', `embedder maxTokens must be an integer ≥ 2 (got ${maxTokens})`);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new CvuError('CVU_ERR_USAGE', `embedder batchSize must be a positive integer (got ${batchSize})`);
  const wanted: EmbeddingDtype = opts.dtype ?? 'auto';
  if (opts.signal?.aborted) throw abortError();

  const source = resolveSource(opts.model, opts.cacheDir);
  const resolvedName = source.kind === 'id' ? source.id : source.dir;
  const state = inspectFolder(source.dir, wanted);

  let load: { location: string; dtype: 'q8' | 'fp32'; localOnly: boolean };
  if (state.missing.length === 0 && state.dtype) {
    // Present on disk (a folder, or a cached id): load by absolute path, never touching the network.
    load = { location: source.dir, dtype: state.dtype, localOnly: true };
  } else if (source.kind === 'folder') {
    const why = isDir(source.dir) ? `is missing ${state.missing.join(', ')}` : 'does not exist';
    throw new CvuError(
      'CVU_ERR_MODEL_MISSING',
      `embedding model folder ${source.dir} ${why}; point the embedding model at a folder with config.json, tokenizer.json, tokenizer_config.json and onnx/model.onnx or onnx/model_quantized.onnx, or use a model id such as ${DEFAULT_EMBEDDING_MODEL} and run \`cvu models pull\``,
    );
  } else if (!opts.allowDownload) {
    const where = isDir(source.dir) ? `${source.dir} is missing ${state.missing.join(', ')}` : `nothing at ${source.dir}`;
    throw new CvuError(
      'CVU_ERR_MODEL_MISSING',
      `embedding model ${source.id} is not downloaded (${where}); run \`cvu models pull\` to download it, or set the embedding model to a local folder`,
    );
  } else {
    load = { location: source.id, dtype: wanted === 'fp32' ? 'fp32' : 'q8', localOnly: false };
  }

  const started = Date.now();
  const common = { cache_dir: path.resolve(opts.cacheDir), local_files_only: load.localOnly };

  const loadModel = async (T: Transformers, dtype: 'q8' | 'fp32') =>
    (await T.AutoModel.from_pretrained(load.location, {
      ...common,
      dtype,
      device: 'cpu',
      session_options: sessionOptions(opts.threads) as never,
    })) as unknown as ModelLike;

  const loading = (async () => {
    const T = await loadTransformers();
    const tokenizer = (await T.AutoTokenizer.from_pretrained(load.location, common)) as unknown as TokenizerLike;
    let dtype = load.dtype;
    let model: ModelLike;
    try {
      model = await loadModel(T, dtype);
    } catch (err) {
      // A Hub model without a q8 file: fall back to fp32 when the caller did not insist on q8.
      if (load.localOnly || wanted !== 'auto' || !isNotFound(err)) throw err;
      dtype = 'fp32';
      model = await loadModel(T, dtype);
    }
    return { tokenizer, model, dtype };
  })();

  let parts: { tokenizer: TokenizerLike; model: ModelLike; dtype: 'q8' | 'fp32' };
  try {
    parts = await raceAbort(loading, opts.signal, (p) => void p.model.dispose().catch(() => {}));
  } catch (err) {
    throw toLoadError(err, resolvedName, load.localOnly);
  }

  const embedder = new OnnxEmbedder(resolvedName, parts.tokenizer, parts.model, parts.dtype, { maxTokens, batchSize, signal: opts.signal });
  try {
    await embedder.probe();
  } catch (err) {
    await embedder.dispose().catch(() => {});
    if (isCvuError(err) && err.code !== 'CVU_ERR_INTERNAL') throw err;
    throw new CvuError('CVU_ERR_MODEL_LOAD', `embedding model ${resolvedName} loaded but failed to run: ${describe(err)}`, { cause: err });
  }
  log.info('embedding model loaded', { model: resolvedName, dtype: parts.dtype, dimensions: embedder.dimensions, threads: opts.threads, ms: Date.now() - started });
  return embedder;
}

function toLoadError(err: unknown, model: string, localOnly: boolean): CvuError {
  if (isCvuError(err)) return err;
  if (!localOnly && (isNotFound(err) || isNetworkFailure(err))) {
    return new CvuError(
      'CVU_ERR_MODEL_MISSING',
      `embedding model ${model} could not be downloaded (${describe(err)}); check the network and run \`cvu models pull\`, or set the embedding model to a local folder`,
      { cause: err },
    );
  }
  return new CvuError('CVU_ERR_MODEL_LOAD', `embedding model ${model} failed to load: ${describe(err)}`, { cause: err });
}

// ---------------------------------------------------------------------------
// Running
// ---------------------------------------------------------------------------

interface Encoded {
  ids: number[];
  types: number[] | null;
}

class OnnxEmbedder implements Embedder {
  dimensions = 0;
  private disposed = false;
  private readonly turns = new EmbedTurns();
  private readonly limit: number;
  private readonly padId: number;
  private readonly specialIds: Set<number>;
  private readonly inputNames: Set<string> | null;

  constructor(
    readonly model: string,
    private readonly tokenizer: TokenizerLike,
    private readonly session: ModelLike,
    readonly dtype: 'q8' | 'fp32',
    private readonly opts: { maxTokens: number; batchSize: number; signal?: AbortSignal },
  ) {
    const bounds = [opts.maxTokens, tokenizer.model_max_length, session.config?.max_position_embeddings].filter(
      (n): n is number => typeof n === 'number' && Number.isFinite(n) && n > 0,
    );
    this.limit = Math.max(2, Math.min(...bounds));
    this.padId = tokenizer.pad_token_id ?? 0;
    this.specialIds = new Set(tokenizer.all_special_ids ?? []);
    const names = session.sessions?.model?.inputNames;
    this.inputNames = names ? new Set(names) : null;
  }

  /** Runs one tiny input to learn the width and prove the graph runs. */
  async probe(): Promise<void> {
    const [v] = await this.embed(['cvu']);
    if (!v || v.length === 0) throw new Error('the model produced an empty embedding');
  }

  embed(texts: string[], opts: EmbedOptions = {}): Promise<Float32Array[]> {
    if (this.disposed) return Promise.reject(new CvuError('CVU_ERR_INTERNAL', `embedder for ${this.model} was disposed`));
    return this.embedNow(texts, opts);
  }

  private checkAbort(signal?: AbortSignal): void {
    if (signal?.aborted || this.opts.signal?.aborted) throw abortError();
    if (this.disposed) throw new CvuError('CVU_ERR_INTERNAL', `embedder for ${this.model} was disposed`);
  }

  private async embedNow(texts: string[], opts: EmbedOptions): Promise<Float32Array[]> {
    this.checkAbort(opts.signal);
    if (texts.length === 0) return [];
    const encoded = texts.map((t) => this.encode(t));
    return embedInTurns(this.turns, encoded.map((e) => e.ids.length), this.opts.batchSize, opts, () => this.checkAbort(opts.signal), (batch) => this.runBatch(batch.map((i) => encoded[i])));
  }

  /** Token ids for one text, truncated to the limit while keeping a trailing special token ([SEP]). */
  private encode(text: string): Encoded {
    const tokenize = (s: string) => this.tokenizer(s, { add_special_tokens: true, return_tensor: false });
    // Tokenising a huge text only to keep its first few hundred tokens is waste: cut at a word
    // boundary well past the limit (whole words tokenise the same), and fall back to the full
    // text when the cut turns out too short.
    let enc: { input_ids: number[]; token_type_ids?: number[] } | null = null;
    const budget = this.limit * 24;
    if (text.length > budget) {
      const cut = text.slice(0, budget).search(/\s\S*$/);
      if (cut > 0) {
        const partial = tokenize(text.slice(0, cut));
        if (partial.input_ids.length > this.limit) enc = partial;
      }
    }
    enc ??= tokenize(text);
    let ids = enc.input_ids;
    let types = enc.token_type_ids ?? null;
    if (ids.length > this.limit) {
      const last = ids.length - 1;
      const keepLast = this.specialIds.has(ids[last]);
      const head = keepLast ? this.limit - 1 : this.limit;
      ids = keepLast ? [...ids.slice(0, head), ids[last]] : ids.slice(0, head);
      if (types) types = keepLast ? [...types.slice(0, head), types[last]] : types.slice(0, head);
    }
    return { ids, types };
  }

  private async runBatch(batch: Encoded[]): Promise<Float32Array[]> {
    const T = await loadTransformers();
    const B = batch.length;
    const S = Math.max(...batch.map((e) => e.ids.length));
    const ids = new BigInt64Array(B * S).fill(BigInt(this.padId));
    const mask = new BigInt64Array(B * S);
    const types = new BigInt64Array(B * S);
    batch.forEach((e, b) => {
      for (let s = 0; s < e.ids.length; s++) {
        ids[b * S + s] = BigInt(e.ids[s]);
        mask[b * S + s] = 1n;
        if (e.types) types[b * S + s] = BigInt(e.types[s]);
      }
    });
    const feeds: Record<string, unknown> = {
      input_ids: new T.Tensor('int64', ids, [B, S]),
      attention_mask: new T.Tensor('int64', mask, [B, S]),
    };
    if (!this.inputNames || this.inputNames.has('token_type_ids')) feeds.token_type_ids = new T.Tensor('int64', types, [B, S]);

    const outputs = await this.session(feeds);
    const hidden = outputs.last_hidden_state ?? outputs.token_embeddings;
    if (!hidden) throw new CvuError('CVU_ERR_MODEL_LOAD', `embedding model ${this.model} has no last_hidden_state output`);
    if (!(hidden.data instanceof Float32Array) || hidden.dims.length !== 3 || hidden.dims[0] !== B || hidden.dims[1] !== S) {
      throw new CvuError('CVU_ERR_MODEL_LOAD', `embedding model ${this.model} returned last_hidden_state of shape [${hidden.dims.join(', ')}], expected [${B}, ${S}, hidden] float32`);
    }
    const H = hidden.dims[2];
    if (this.dimensions === 0) this.dimensions = H;
    return meanPoolNormalize(hidden.data, batch.map((e) => e.ids.length), S, H);
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    // Waiting calls wake, see the embedder disposed and fail; the batch running finishes first.
    await this.turns.idle();
    await this.session.dispose();
  }
}

/** Mean over each row's first `lengths[b]` positions (right padding), then L2 normalisation. */
function meanPoolNormalize(data: Float32Array, lengths: number[], S: number, H: number): Float32Array[] {
  return lengths.map((len, b) => {
    const acc = new Float64Array(H);
    for (let s = 0; s < len; s++) {
      const off = (b * S + s) * H;
      for (let h = 0; h < H; h++) acc[h] += data[off + h];
    }
    let norm = 0;
    for (let h = 0; h < H; h++) norm += acc[h] * acc[h];
    norm = Math.sqrt(norm);
    const v = new Float32Array(H);
    if (norm > 0) for (let h = 0; h < H; h++) v[h] = acc[h] / norm;
    return v;
  });
}
