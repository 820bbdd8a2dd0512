/**
 * Generation models on disk: the catalogue, `pull`, `list`, `rm` and
 * `resolve` (config → a GGUF file, or a MODEL_MISSING error that says which
 * command fixes it).
 *
 * ```ts
 * const models = new ModelManager(cvuHome());
 * await models.pull('qwen2.5-coder-1.5b', { onProgress: (p) => bar.update(p.phase, p.downloadedBytes, p.totalBytes) });
 * const { file } = await models.resolve(config.model.path);
 * ```
 *
 * The parts, one module each:
 * - models/model-registry.ts: `$CVU_HOME/models/llm/registry.json` and the
 *   models folder (stray `.gguf` files are listed too);
 * - models/model-resolution.ts: which file a reference names (path, name,
 *   catalogue name, URI), and the MODEL_MISSING errors;
 * - models/model-uri.ts: the URI forms, the Hub endpoint and token;
 * - models/model-download.ts: the probe and node-llama-cpp's downloader
 *   under a stall watchdog (cut downloads resume);
 * - models/model-verification.ts: size, sha256 and GGUF header checks (a
 *   file that fails is removed).
 *
 * A local `.gguf` path is *referenced*, not copied (models are large and the
 * user chose where it lives): `rm` forgets it and leaves the file.
 */
import fs from 'node:fs';
import path from 'node:path';
import { CvuError } from '../core/errors.js';
import { silentLogger, type Logger } from '../core/log.js';
import type { CvuConfig } from '../config/schema.js';
import { CATALOGUE, DEFAULT_MODEL_NAME, type CatalogueEntry } from './catalogue.js';
import { abortedDownload, download, probe } from './model-download.js';
import { fileSize, isFile, modelNameFromFile } from './model-files.js';
import { llmModelsDir, ModelRegistry, type InstalledModel, type RegistryEntry } from './model-registry.js';
import { catalogueNames, parseModelReference, resolveModel, type ResolvedModel } from './model-resolution.js';
import { huggingFaceEndpoint, huggingFaceToken, namedFile, parseModelUri } from './model-uri.js';
import { checkGgufFile, sha256File, verifyDownload } from './model-verification.js';

// The parts' public names, for the manager's callers.
export { llmModelsDir, type InstalledModel } from './model-registry.js';
export type { ResolvedModel } from './model-resolution.js';
export { huggingFaceEndpoint, isModelUri } from './model-uri.js';
export { checkGgufFile } from './model-verification.js';

export interface PullProgress {
  phase: 'connecting' | 'downloading' | 'verifying';
  downloadedBytes: number;
  /** 0 while unknown. */
  totalBytes: number;
}

export interface PullOptions {
  onProgress?: (p: PullProgress) => void;
  signal?: AbortSignal;
  /** Register under this name instead of the catalogue name or the file name. */
  name?: string;
  /** Expected sha256 (hex) of the file. */
  sha256?: string;
  /** How long the host may take to answer the first request. Default 15 s. */
  connectTimeoutMs?: number;
  /** Abort when the download makes no progress for this long. Default 60 s. */
  stallTimeoutMs?: number;
  /** Base of a relative local path. Default: process.cwd(). */
  cwd?: string;
}

export interface PullResult {
  model: InstalledModel;
  /** False when the model was installed already and nothing was fetched. */
  downloaded: boolean;
}

export class ModelManager {
  /** `$CVU_HOME/models/llm`. */
  readonly dir: string;
  private readonly registry: ModelRegistry;
  private readonly pulls = new Map<string, Promise<PullResult>>();

  constructor(
    readonly home: string,
    private readonly log: Logger = silentLogger,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    this.dir = llmModelsDir(home);
    this.registry = new ModelRegistry(this.dir, log);
  }

  /** The recommended models, each marked installed or not. */
  async catalogue(): Promise<Array<CatalogueEntry & { installed: boolean }>> {
    const installed = await this.list();
    return CATALOGUE.map((e) => ({ ...e, installed: installed.some((m) => m.present && (m.catalogue === e.name || m.source === e.uri)) }));
  }

  /** Installed models: the registry, plus stray `.gguf` files in the models folder. Sorted by name. */
  async list(): Promise<InstalledModel[]> {
    return this.registry.list();
  }

  /**
   * The GGUF file `model.path` (or CVU_MODEL) names: a file path (relative to
   * `cwd`), an installed model's name, a catalogue name, or a URI that was
   * pulled. With nothing configured, the installed default model (or the
   * only installed one). Anything else is CVU_ERR_MODEL_MISSING with the
   * command that fixes it.
   */
  resolve(spec: string | null | Pick<CvuConfig, 'model'>, opts: { cwd?: string } = {}): Promise<ResolvedModel> {
    const value = spec !== null && typeof spec === 'object' ? spec.model.path : spec;
    return resolveModel(this.registry, value, { cwd: opts.cwd ?? process.cwd(), endpoint: huggingFaceEndpoint(this.env) });
  }

  /**
   * Installs a model: a catalogue name or alias, an `hf:`/`https:` URI
   * (downloaded, resumed, verified) or a local `.gguf` path (registered in
   * place). No argument: the catalogue default. Concurrent pulls of the same
   * thing share one download.
   */
  pull(nameOrUri: string = DEFAULT_MODEL_NAME, opts: PullOptions = {}): Promise<PullResult> {
    const ref = parseModelReference(nameOrUri, opts.cwd ?? process.cwd());
    if (ref.kind === 'path') return this.registerLocal(ref.file, opts);
    if (ref.kind === 'name' && !ref.entry) {
      return Promise.reject(
        new CvuError('CVU_ERR_USAGE', `unknown model ${ref.name}; the catalogue has ${catalogueNames()}; or pass hf:OWNER/REPO/FILE.gguf, an https:// URL or a .gguf path`, { status: 400 }),
      );
    }
    const uri = ref.kind === 'uri' ? ref.uri : ref.entry!.uri;
    const key = uri.toLowerCase();
    const running = this.pulls.get(key);
    if (running) return running;
    const p = this.downloadAndRegister(uri, ref.entry, opts).finally(() => this.pulls.delete(key));
    this.pulls.set(key, p);
    return p;
  }

  /** Registers a local GGUF file by reference (validating its header). */
  private async registerLocal(file: string, opts: PullOptions): Promise<PullResult> {
    if (!isFile(file)) throw new CvuError('CVU_ERR_MODEL_MISSING', `model file ${file} does not exist`, { status: 404 });
    await checkGgufFile(file);
    const name = (opts.name ?? modelNameFromFile(file)).trim();
    const clash = this.registry.nameTaken(name);
    if (clash && this.registry.abs(clash.file) !== file) {
      throw new CvuError('CVU_ERR_USAGE', `a model named ${clash.name} is already installed (${this.registry.abs(clash.file)}); pick another name with --name, or \`cvu models rm ${clash.name}\` first`, { status: 409 });
    }
    const entry: RegistryEntry = { name, file, bytes: fileSize(file) ?? 0, source: file, kind: 'linked', addedAt: new Date().toISOString() };
    if (opts.sha256) {
      const got = await sha256File(file, undefined, opts.signal);
      if (got !== opts.sha256.toLowerCase()) throw new CvuError('CVU_ERR_MODEL_LOAD', `model file ${file} has sha256 ${got}, expected ${opts.sha256}`);
      entry.sha256 = got;
    }
    this.registry.save(entry, (e) => clash !== undefined && e.name === clash.name);
    this.log.info('model registered', { name, file });
    return { model: this.registry.installed(entry), downloaded: false };
  }

  /** Probe, download, verify, register; nothing is fetched when the model is installed already or its name is taken. */
  private async downloadAndRegister(uri: string, entry: CatalogueEntry | null, opts: PullOptions): Promise<PullResult> {
    const signal = opts.signal;
    if (signal?.aborted) throw abortedDownload(uri, signal);

    // Installed already (and its files still there): nothing to fetch.
    const existing = this.registry.list().find((m) => m.present && (m.source === uri || (entry !== null && m.catalogue === entry.name)));
    if (existing) return { model: existing, downloaded: false };

    const parsed = parseModelUri(uri);
    const named = namedFile(parsed);
    // A name taken by another model is refused before anything is fetched.
    const wanted = opts.name ?? entry?.name ?? (named !== null ? modelNameFromFile(named) : null);
    const taken = wanted ? this.registry.nameTaken(wanted, (m) => m.source === uri) : undefined;
    if (taken) {
      throw new CvuError('CVU_ERR_USAGE', `a model named ${taken.name} is already installed (from ${taken.source}); pick another name with --name, or \`cvu models rm ${taken.name}\` first`, { status: 409 });
    }
    const endpoint = huggingFaceEndpoint(this.env);
    const token = huggingFaceToken(this.env);
    const progress = (phase: PullProgress['phase'], downloadedBytes: number, totalBytes: number) => {
      try {
        opts.onProgress?.({ phase, downloadedBytes, totalBytes });
      } catch {
        /* a progress callback never breaks a download */
      }
    };
    const failed = (why: string, cause?: unknown) =>
      new CvuError(
        'CVU_ERR_MODEL_DOWNLOAD',
        `download of ${uri} ${why}; run \`cvu models pull ${entry?.name ?? uri}\` again to resume, or download the .gguf file yourself and run \`cvu models pull PATH\``,
        { status: 502, cause },
      );
    progress('connecting', 0, entry?.bytes ?? 0);

    const remote = await probe(uri, parsed, { endpoint, ...(token ? { token } : {}), timeoutMs: opts.connectTimeoutMs ?? 15_000, ...(signal ? { signal } : {}) });
    const got = await download(uri, {
      dir: this.dir, endpoint, ...(token ? { token } : {}), stallMs: opts.stallTimeoutMs ?? 60_000, ...(signal ? { signal } : {}),
      onBytes: (n, total) => progress('downloading', n, total),
      failed,
    });
    const verified = await verifyDownload(got.files, got.entrypoint, {
      expect: { bytes: remote.bytes, sha256: (opts.sha256 ?? entry?.sha256 ?? remote.sha256 ?? null)?.toLowerCase() ?? null },
      onProgress: (n, total) => progress('verifying', n, total),
      ...(signal ? { signal } : {}),
      failed,
    });

    const file = got.entrypoint;
    const name = (opts.name ?? entry?.name ?? modelNameFromFile(named ?? got.entrypointFilename)).trim();
    const rel = (p: string) => path.relative(this.dir, p);
    const record: RegistryEntry = {
      name,
      file: rel(file),
      ...(got.files.length > 1 ? { parts: got.files.map((f) => rel(f.filePath)).filter((p) => p !== rel(file)) } : {}),
      bytes: verified.bytes,
      source: uri,
      kind: 'downloaded',
      addedAt: new Date().toISOString(),
      ...(verified.sha256 ? { sha256: verified.sha256 } : {}),
      ...(entry ? { catalogue: entry.name } : {}),
    };
    this.registry.save(record, (m) => m.name.toLowerCase() === name.toLowerCase() || this.registry.abs(m.file) === file);
    this.log.info('model downloaded', { name, file, bytes: verified.bytes });
    return { model: this.registry.installed(record), downloaded: true };
  }

  /** Removes an installed model: deletes a downloaded file, forgets a linked one (its file stays). */
  async rm(name: string): Promise<InstalledModel> {
    const hit = this.registry.find(name);
    if (!hit) {
      const names = this.registry.list().map((m) => m.name);
      throw new CvuError('CVU_ERR_NOT_FOUND', `no installed model named ${name} (${names.length ? `installed: ${names.join(', ')}` : 'none installed'})`, { status: 404 });
    }
    const record = this.registry.entries().find((m) => m.name === hit.name);
    if (hit.kind === 'downloaded') {
      for (const f of record ? this.registry.filesOf(record) : [hit.file]) {
        // Only files inside the models folder are ever deleted.
        if (path.relative(this.dir, f).startsWith('..')) continue;
        fs.rmSync(f, { force: true });
        fs.rmSync(`${f}.ipull`, { force: true });
      }
    }
    if (record) this.registry.forget(record.name);
    this.log.info('model removed', { name: hit.name, file: hit.file, kind: hit.kind });
    return { ...hit, present: hit.kind === 'linked' && isFile(hit.file) };
  }
}
