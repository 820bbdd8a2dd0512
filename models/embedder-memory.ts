/**
 * The memory the embedding model's threads hold, or will hold, so that the
 * generation model's fit check (models/llm.ts) counts them: the daemon runs
 * the embedding model on two threads (models/embedder-lanes.ts), each with a
 * copy of the model, and the generation model must fit beside both.
 *
 * ```ts
 * const r = reserveEmbeddingThread(opts, 'background'); // before the thread starts
 * r.loaded();                                           // its model is loaded
 * embeddingMemory();  // { threads: 1, bytes, held, pending, models }
 * r.release();                                          // the thread ended
 * ```
 *
 * Each thread is an estimate from its ONNX file on disk and the factors in
 * {@link EMBEDDING_MEMORY}, measured on shape twins of MiniLM-L6 and
 * BERT-base (RELIABILITY.md, "Memory"). A thread
 * whose model is loaded already holds its weights, and free memory no longer
 * counts them: they are `held`, not `pending`. Its activations (onnxruntime's
 * arena, which grows to the largest batch run and keeps that size) stay
 * `pending` until the process ends: the arena may not have grown yet, and
 * counting it twice costs at most one batch's activations, while counting it
 * never would let the generation model take memory the next batch needs.
 */
import fs from 'node:fs';
import path from 'node:path';
import { embeddingModelFiles, type EmbedderOptions } from './embedder.js';

/** Measured costs of an embedding thread (RELIABILITY.md; MB are 10^6 bytes). */
export const EMBEDDING_MEMORY = Object.freeze({
  /** A worker thread with transformers.js loaded: 34 MB for a second thread with a 0.2 MB model. */
  threadBytes: 35e6,
  /** onnxruntime's native library, once per process: the first thread took 86 MB with that model, the second 34 MB. */
  runtimeBytes: 55e6,
  /**
   * A loaded session per byte of its ONNX file, less the thread: 2.65 (MiniLM q8; the q8 file's
   * uint8 embedding table is constant-folded to fp32), 2.14 (MiniLM fp32), 2.15 (BERT-base q8),
   * 1.79 (BERT-base fp32).
   */
  weightsFactor: 2.75,
  /**
   * Activations of a batch of B texts of T tokens, 4-byte floats:
   * 4·B·T·(attention·heads·T + ffn·intermediate) bytes. Fitted on both shapes at B 1–16,
   * T 128–512: attention 4.27, ffn 2.46–2.63; rounded up.
   */
  attentionFactor: 4.5,
  ffnFactor: 3,
});

/** What a thread runs: the index's batches, one query text at a time, or both (a lone thread). */
export type EmbeddingThreadRole = 'background' | 'queries' | 'all';

export interface EmbeddingThreadEstimate {
  /** The ONNX file sized, or null when it is not on disk yet (a download). */
  file: string | null;
  /** The thread, and its loaded session (from the file's size). */
  weights: number;
  /** onnxruntime's arena for the largest batch the thread runs. */
  activations: number;
  /** weights + activations. */
  bytes: number;
}

/** Attention heads and FFN width from the model's config.json (MiniLM-L6's when it does not say). */
function modelShape(dir: string): { heads: number; intermediate: number; maxPositions: number } {
  const shape = { heads: 12, intermediate: 1536, maxPositions: 512 };
  try {
    const c = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
    const n = (v: unknown, d: number) => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : d);
    return { heads: n(c.num_attention_heads, shape.heads), intermediate: n(c.intermediate_size, shape.intermediate), maxPositions: n(c.max_position_embeddings, shape.maxPositions) };
  } catch {
    return shape;
  }
}

/**
 * The memory one embedding thread holds with these options: the thread, its
 * session (the ONNX file's size times {@link EMBEDDING_MEMORY}.weightsFactor)
 * and the activations of its largest batch (`batchSize` texts of `maxTokens`
 * tokens; one text for a queries thread, which embeds one query at a time).
 * A model not on disk yet counts its thread and activations only.
 */
export function estimateEmbeddingThread(opts: Pick<EmbedderOptions, 'model' | 'cacheDir' | 'dtype' | 'batchSize' | 'maxTokens'>, role: EmbeddingThreadRole): EmbeddingThreadEstimate {
  const m = EMBEDDING_MEMORY;
  let files: { dir: string; onnx: string | null };
  try {
    files = embeddingModelFiles(opts);
  } catch {
    files = { dir: '', onnx: null };
  }
  let size = 0;
  if (files.onnx) {
    try {
      size = fs.statSync(files.onnx).size;
    } catch {
      files.onnx = null;
    }
  }
  const shape = modelShape(files.dir);
  const batch = role === 'queries' ? 1 : (opts.batchSize ?? 16);
  const tokens = Math.min(opts.maxTokens ?? 256, shape.maxPositions);
  const weights = Math.round(m.threadBytes + m.weightsFactor * size);
  const activations = Math.round(4 * batch * tokens * (m.attentionFactor * shape.heads * tokens + m.ffnFactor * shape.intermediate));
  return { file: files.onnx, weights, activations, bytes: weights + activations };
}

/** The embedding threads of this process, as the fit check counts them. */
export interface EmbeddingMemory {
  /** Threads running or planned (a queries thread is planned before its first query starts it). */
  threads: number;
  /** Of them, threads whose model is loaded. */
  loaded: number;
  /** Everything they hold once loaded and busy, onnxruntime's library included. */
  bytes: number;
  /** What loaded threads hold already (their weights, and the library), so free memory no longer has it. */
  held: number;
  /** bytes − held: what they will still take from free memory. */
  pending: number;
  /** The models, as their options name them. */
  models: string[];
}

export interface EmbeddingReservation {
  /** The thread's model loaded: its weights are held from now on. */
  loaded(): void;
  /** The thread ended (or never started); idempotent. */
  release(): void;
}

interface Entry {
  model: string;
  estimate: EmbeddingThreadEstimate;
  loaded: boolean;
  refresh: () => EmbeddingThreadEstimate;
}

const entries = new Set<Entry>();

/**
 * Counts a thread from now until `release()`. Take it before the thread
 * starts: the fit check must see a thread that is loading, or not started
 * yet, as memory still to come.
 */
export function reserveEmbeddingThread(opts: Pick<EmbedderOptions, 'model' | 'cacheDir' | 'dtype' | 'batchSize' | 'maxTokens'>, role: EmbeddingThreadRole): EmbeddingReservation {
  const refresh = () => estimateEmbeddingThread(opts, role);
  const entry: Entry = { model: opts.model, estimate: refresh(), loaded: false, refresh };
  entries.add(entry);
  return {
    loaded() {
      if (!entries.has(entry)) return;
      // A downloaded model is on disk only now.
      if (!entry.estimate.file) entry.estimate = entry.refresh();
      entry.loaded = true;
    },
    release() {
      entries.delete(entry);
    },
  };
}

/** The embedding threads counted now (reserved and not released). */
export function embeddingMemory(): EmbeddingMemory {
  const all = [...entries];
  const loaded = all.filter((e) => e.loaded);
  const runtime = all.length ? EMBEDDING_MEMORY.runtimeBytes : 0;
  const bytes = runtime + all.reduce((n, e) => n + e.estimate.bytes, 0);
  const held = (loaded.length ? EMBEDDING_MEMORY.runtimeBytes : 0) + loaded.reduce((n, e) => n + e.estimate.weights, 0);
  return { threads: all.length, loaded: loaded.length, bytes, held, pending: bytes - held, models: [...new Set(all.map((e) => e.model))] };
}
