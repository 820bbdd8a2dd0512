/**
 * Recommended generation models: code models that do fill-in-the-middle and
 * fit an ordinary 8 GB laptop on the CPU. All are Qwen2.5-Coder *base*
 * models (the base models are the ones trained for FIM and repository-level
 * completion; the Instruct ones are tuned for chat) in the official Qwen GGUF
 * repositories on Hugging Face.
 *
 * ```ts
 * findCatalogueEntry('qwen2.5-coder-1.5b')?.uri; // 'hf:Qwen/Qwen2.5-Coder-1.5B-GGUF/qwen2.5-coder-1.5b-q4_k_m.gguf'
 * ```
 *
 * Sizes are approximate (the download itself is verified against the size
 * the server reports). RAM is the model plus a 4,096-token context (f16 KV
 * cache and compute buffers) as node-llama-cpp's GgufInsights estimates it
 * for these shapes on the CPU.
 */

export interface CatalogueEntry {
  /** What `cvu models pull NAME` and `model.path` accept. */
  readonly name: string;
  /** Shorter names for the same entry (a size without a quantization picks the recommended one). */
  readonly aliases: readonly string[];
  /** A node-llama-cpp model URI (`hf:owner/repo/file.gguf`). */
  readonly uri: string;
  readonly family: string;
  /** Parameter count, in billions. */
  readonly parametersB: number;
  readonly quantization: 'Q8_0' | 'Q4_K_M';
  /** Approximate size on disk, in bytes. */
  readonly bytes: number;
  /** Approximate RAM with a 4k context, in bytes. */
  readonly ramAt4k: number;
  /** Whether the model declares FIM tokens (and Qwen's repo-level tokens). */
  readonly fim: boolean;
  /** sha256 of the file when known; otherwise the download is checked against the hash the Hub reports. */
  readonly sha256?: string;
  readonly description: string;
}

const MB = 1_000_000;

export const CATALOGUE: readonly CatalogueEntry[] = Object.freeze([
  {
    name: 'qwen2.5-coder-0.5b-q8_0',
    aliases: ['qwen2.5-coder-0.5b'],
    uri: 'hf:Qwen/Qwen2.5-Coder-0.5B-GGUF/qwen2.5-coder-0.5b-q8_0.gguf',
    family: 'Qwen2.5-Coder',
    parametersB: 0.49,
    quantization: 'Q8_0',
    bytes: 531 * MB,
    ramAt4k: 900 * MB,
    fim: true,
    description: 'smallest and fastest; good for 2-4 cores',
  },
  {
    name: 'qwen2.5-coder-0.5b-q4_k_m',
    aliases: [],
    uri: 'hf:Qwen/Qwen2.5-Coder-0.5B-GGUF/qwen2.5-coder-0.5b-q4_k_m.gguf',
    family: 'Qwen2.5-Coder',
    parametersB: 0.49,
    quantization: 'Q4_K_M',
    bytes: 400 * MB,
    ramAt4k: 770 * MB,
    fim: true,
    description: 'smallest download; its 896-wide layers do not fit Q4_K blocks, so llama.cpp stores most of them as Q5_0',
  },
  {
    name: 'qwen2.5-coder-1.5b-q4_k_m',
    aliases: ['qwen2.5-coder-1.5b', 'qwen2.5-coder'],
    uri: 'hf:Qwen/Qwen2.5-Coder-1.5B-GGUF/qwen2.5-coder-1.5b-q4_k_m.gguf',
    family: 'Qwen2.5-Coder',
    parametersB: 1.54,
    quantization: 'Q4_K_M',
    bytes: 986 * MB,
    ramAt4k: 1_430 * MB,
    fim: true,
    description: 'the default: much better completions than 0.5B, fast enough on 4+ cores',
  },
  {
    name: 'qwen2.5-coder-1.5b-q8_0',
    aliases: [],
    uri: 'hf:Qwen/Qwen2.5-Coder-1.5B-GGUF/qwen2.5-coder-1.5b-q8_0.gguf',
    family: 'Qwen2.5-Coder',
    parametersB: 1.54,
    quantization: 'Q8_0',
    bytes: 1_650 * MB,
    ramAt4k: 2_090 * MB,
    fim: true,
    description: 'best quality of the four; about half the speed of Q4_K_M on a CPU',
  },
]);

/** What `cvu models pull` with no argument (and no configured model) fetches. */
export const DEFAULT_MODEL_NAME = 'qwen2.5-coder-1.5b-q4_k_m';

/** The entry whose name or alias is `name` (case-insensitive), or null. */
export function findCatalogueEntry(name: string): CatalogueEntry | null {
  const n = name.trim().toLowerCase();
  return CATALOGUE.find((e) => e.name === n || e.aliases.includes(n)) ?? null;
}

/** The entry downloaded from `uri`, or null. */
export function findCatalogueEntryByUri(uri: string): CatalogueEntry | null {
  const u = uri.trim();
  return CATALOGUE.find((e) => e.uri === u) ?? null;
}
