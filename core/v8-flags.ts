/**
 * V8 flags Cvu sets at run time, process-wide (worker threads included): V8's defaults suit a
 * browser tab, not a process that parses a tree of files on two cores.
 */
import v8 from 'node:v8';

/**
 * How far past what the last full collection left alive V8 lets a heap grow before it collects
 * again, in percent. By default the factor follows the allocation rate, up to about 4×: a first
 * index allocates fast (every file's rows arrive from a parse worker, are converted to Arrow and
 * written) while little of it stays alive, so the daemon's heap grew to three times its live data
 * (a 12,500-file tree: about 75 MB alive, 230 MB of heap). At 50% it stays near 140 MB, collected
 * incrementally as before, the index no slower beyond noise.
 */
const HEAP_GROWING_PERCENT = 50;

/**
 * Bounds the heap's growth for the whole process, its worker threads included. For the
 * long-running processes that index (the daemon, `cvu index`), called once at their start.
 */
export function boundHeapGrowth(): void {
  try {
    v8.setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  } catch {
    // A runtime without the flag keeps its default.
  }
}

/**
 * How much bytecode a function runs before V8 considers optimising it, in bytes: four times V8's
 * default of 132 KB. A parse worker's first few hundred files ran while V8's optimising compiler,
 * on threads of its own, recompiled the chunker, the symbol extractors and the full-text fields
 * over and over; on two cores those threads took the cores the workers parse on. Delayed, a cold
 * pool prepared the seven bench:index code bases (1,314 files) in 8–10% less time and CPU, four runs
 * each alternating; 12,500 files of the bench:scale tree 3–12% less (2 runs each). Earlier
 * optimisation (a budget of 8 or 32 KB) cost 10–30% more; no optimising tier past the baseline, 30%.
 */
const INTERRUPT_BUDGET = 4 * 132 * 1024;
let tierUpDelayed = false;

/** Delays V8's optimising tier for the whole process; called before parse workers start (indexer/parse-pool.ts). */
export function delayTierUp(): void {
  if (tierUpDelayed) return;
  tierUpDelayed = true;
  try {
    v8.setFlagsFromString(`--interrupt-budget=${INTERRUPT_BUDGET}`);
  } catch {
    // A runtime without the flag keeps its default.
  }
}

/**
 * Compiles a WebAssembly module whose code stays on V8's baseline compiler (Liftoff): every
 * function compiled now, none recompiled by the optimising compiler (TurboFan) later. V8 reads
 * these flags when it compiles a module's functions, and hands that compiled module to every later
 * compilation of the same bytes in the process, worker threads included (its module cache), while
 * the module object is alive. Flags are process-wide: call this before any other thread compiles
 * WebAssembly, or that thread's code may miss its own tier-up.
 */
export function compileBaselineOnly(bytes: BufferSource): WebAssembly.Module {
  const flags = ['wasm-dynamic-tiering', 'wasm-tier-up', 'wasm-lazy-compilation'];
  try {
    for (const f of flags) v8.setFlagsFromString(`--no-${f}`);
    return new WebAssembly.Module(bytes);
  } finally {
    for (const f of flags) v8.setFlagsFromString(`--${f}`);
  }
}
