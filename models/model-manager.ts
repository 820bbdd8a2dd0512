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
 * Storage: `$CVU_HOME/models/llm/`, with `registry.json` naming each model
 * (name, file, size, where it came from, sha256 when known).
 * - Downloads (`hf:` URIs, `https://` URLs, catalogue names) go through
 *   node-llama-cpp's downloader (ipull) into that folder. A cut download
 *   leaves its `.ipull` partial file and the next `pull` resumes it; a file
 *   already there whose size matches the remote one is not fetched again.
 *   Before the download a HEAD request with a short timeout checks that the
 *   host answers (offline, `pull` fails in milliseconds instead of letting
 *   the downloader retry forever) and reads the size and, on the Hugging Face
 *   Hub, the sha256 of the file (`X-Linked-Etag`). After it, the file is
 *   checked: its size against the server's, its sha256 when one is known
 *   (the catalogue's, `--sha256`, or the Hub's) and its GGUF header. A file
 *   that fails is removed.
 * - A local `.gguf` path is *referenced*, not copied (models are large and
 *   the user chose where it lives): `rm` forgets it and leaves the file.
 * - Stray `.gguf` files dropped into the folder are listed too, by file name.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CvuError, isCvuError } from '../core/errors.js';
import { silentLogger, type Logger } from '../core/log.js';
import type { CvuConfig } from '../config/schema.js';
import { CATALOGUE, DEFAULT_MODEL_NAME, findCatalogueEntry, findCatalogueEntryByUri, type CatalogueEntry } from './catalogue.js';

export function llmModelsDir(home: string): string {
  return path.join(home, 'models', 'llm');
}

export interface InstalledModel {
  /** The name `model.path`, `CVU_MODEL` and `cvu models rm` accept. */
  name: string;
  /** Absolute path of the GGUF file (the first part of a split model). */
  file: string;
  /** Size on disk (all parts). */
  bytes: number;
  /** The URI it was downloaded from, or the local path it was registered from. */
  source: string;
  /** `downloaded` into the models folder, or `linked` to a file elsewhere. */
  kind: 'downloaded' | 'linked';
  /** ISO time it was installed; null for a stray file found in the folder. */
  addedAt: string | null;
  sha256: string | null;
  /** The catalogue entry it corresponds to, if any. */
  catalogue: string | null;
  /** False when the file has gone (a linked file deleted or moved). */
  present: boolean;
}

export interface ResolvedModel {
  name: string;
  file: string;
  /** How `model.path` named it. */
  via: 'path' | 'name' | 'uri' | 'default';
}

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

interface RegistryEntry {
  name: string;
  /** Downloaded: relative to the models folder; linked: absolute. */
  file: string;
  /** Other files of a split model, relative like `file`. */
  parts?: string[];
  bytes: number;
  source: string;
  kind: 'downloaded' | 'linked';
  addedAt: string;
  sha256?: string;
  catalogue?: string;
}

interface Registry {
  version: 1;
  models: RegistryEntry[];
}

type Target =
  | { kind: 'path'; file: string }
  | { kind: 'uri'; uri: string; entry: CatalogueEntry | null }
  | { kind: 'name'; name: string; entry: CatalogueEntry | null };

const REGISTRY = 'registry.json';
const GGUF_MAGIC = Buffer.from('GGUF');
const NETWORK_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENETUNREACH', 'EHOSTUNREACH', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_SOCKET']);

/** `hf:` and `http(s):` model URIs, as node-llama-cpp's downloader takes them. */
export function isModelUri(s: string): boolean {
  return /^(hf:|https?:\/\/)/i.test(s.trim());
}

function looksLikePath(s: string): boolean {
  return path.isAbsolute(s) || s.startsWith('.') || s.startsWith('~') || s.includes('\\') || s.includes('/') || /\.gguf$/i.test(s);
}

function expandHome(p: string): string {
  return p === '~' || p.startsWith('~/') ? path.join(os.homedir(), p.slice(1)) : p;
}

function isFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

function fileSize(p: string): number | null {
  try {
    return fs.statSync(p).size;
  } catch {
    return null;
  }
}

function seconds(ms: number): string {
  return ms < 10_000 ? `${Number((ms / 1000).toFixed(1))} s` : `${Math.round(ms / 1000)} s`;
}

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.message && !err.message.includes(cause.message) ? `${err.message}: ${cause.message}` : err.message;
}

function isNetworkError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { cause?: { code?: string } }).cause?.code ?? (err as { code?: string }).code ?? '';
  return NETWORK_CODES.has(code) || (err.name === 'TypeError' && /fetch failed/i.test(err.message));
}

/** The Hugging Face endpoint node-llama-cpp resolves `hf:` URIs against (MODEL_ENDPOINT, HF_ENDPOINT, else huggingface.co). */
export function huggingFaceEndpoint(env: NodeJS.ProcessEnv = process.env): string {
  const pick = [env.MODEL_ENDPOINT, env.HF_ENDPOINT, 'https://huggingface.co/'].find((u) => {
    if (!u) return false;
    try {
      return /^https?:$/.test(new URL(u).protocol);
    } catch {
      return false;
    }
  })!;
  return pick.endsWith('/') ? pick : `${pick}/`;
}

/** The Hub token node-llama-cpp would use: HF_TOKEN, else the huggingface-cli token file. */
function huggingFaceToken(env: NodeJS.ProcessEnv): string | undefined {
  if (env.HF_TOKEN) return env.HF_TOKEN;
  const file = env.HF_TOKEN_PATH || path.join(env.HF_HOME || path.join(os.homedir(), '.cache', 'huggingface'), 'token');
  try {
    return fs.readFileSync(file, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

type ParsedUri = { kind: 'hf-file'; user: string; repo: string; file: string; branch: string } | { kind: 'hf-repo'; user: string; repo: string } | { kind: 'url'; url: string };

function parseUri(uri: string): ParsedUri {
  const u = uri.trim();
  if (/^https?:\/\//i.test(u)) return { kind: 'url', url: u };
  const body = u.replace(/^hf:(\/\/)?/i, '');
  const [user, repoTag, ...rest] = body.split('/');
  if (!user || !repoTag) throw new CvuError('CVU_ERR_USAGE', `invalid model URI ${uri}: expected hf:owner/repo/file.gguf, hf:owner/repo:QUANT or an https:// URL`, { status: 400 });
  if (rest.length === 0 || repoTag.includes(':')) return { kind: 'hf-repo', user, repo: repoTag.split(':')[0] };
  let file = rest.join('/');
  let branch = 'main';
  const hash = file.indexOf('#');
  if (hash >= 0) {
    branch = file.slice(hash + 1) || 'main';
    file = file.slice(0, hash);
  }
  if (!file) throw new CvuError('CVU_ERR_USAGE', `invalid model URI ${uri}: no file after the repository`, { status: 400 });
  return { kind: 'hf-file', user, repo: repoTag, file, branch };
}

/** A name for a model fetched from `uri`: its file name without `.gguf` (and without a split suffix). */
function nameFromFile(file: string): string {
  return path
    .basename(file)
    .replace(/\?.*$/, '')
    .replace(/(-\d{5}-of-\d{5})?\.gguf$/i, '')
    .toLowerCase();
}

async function sha256File(file: string, onBytes?: (n: number) => void, signal?: AbortSignal): Promise<string> {
  const hash = createHash('sha256');
  let done = 0;
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 4 << 20 })) {
    if (signal?.aborted) throw new CvuError('CVU_ERR_ABORTED', 'model verification aborted', { status: 499 });
    hash.update(chunk as Buffer);
    done += (chunk as Buffer).length;
    onBytes?.(done);
  }
  return hash.digest('hex');
}

/** Throws CVU_ERR_MODEL_LOAD unless `file` starts like a GGUF file and node-llama-cpp can read its header. */
export async function checkGgufFile(file: string): Promise<void> {
  let magic = Buffer.alloc(0);
  try {
    const fd = fs.openSync(file, 'r');
    try {
      magic = Buffer.alloc(4);
      fs.readSync(fd, magic, 0, 4, 0);
    } finally {
      fs.closeSync(fd);
    }
  } catch (err) {
    throw new CvuError('CVU_ERR_MODEL_LOAD', `model file ${file} could not be read: ${describe(err)}`, { cause: err });
  }
  if (!magic.equals(GGUF_MAGIC)) throw new CvuError('CVU_ERR_MODEL_LOAD', `model file ${file} is not a GGUF file (it does not start with "GGUF")`);
  try {
    const { readGgufFileInfo } = await import('node-llama-cpp');
    await readGgufFileInfo(file, { sourceType: 'filesystem', logWarnings: false });
  } catch (err) {
    throw new CvuError('CVU_ERR_MODEL_LOAD', `model file ${file} is not a valid GGUF file (${describe(err)}); it may be truncated or corrupt`, { cause: err });
  }
}

export class ModelManager {
  /** `$CVU_HOME/models/llm`. */
  readonly dir: string;
  private readonly pulls = new Map<string, Promise<PullResult>>();

  constructor(
    readonly home: string,
    private readonly log: Logger = silentLogger,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    this.dir = llmModelsDir(home);
  }

  /** The recommended models, each marked installed or not. */
  async catalogue(): Promise<Array<CatalogueEntry & { installed: boolean }>> {
    const installed = await this.list();
    return CATALOGUE.map((e) => ({ ...e, installed: installed.some((m) => m.present && (m.catalogue === e.name || m.source === e.uri)) }));
  }

  // -------------------------------------------------------------------------
  // Registry
  // -------------------------------------------------------------------------

  private readRegistry(): Registry {
    try {
      const raw = JSON.parse(fs.readFileSync(path.join(this.dir, REGISTRY), 'utf8')) as Partial<Registry>;
      const models = Array.isArray(raw.models) ? raw.models.filter((m): m is RegistryEntry => typeof m?.name === 'string' && typeof m?.file === 'string') : [];
      return { version: 1, models };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.log.warn(`model registry ${path.join(this.dir, REGISTRY)} is unreadable (${describe(err)}); starting a new one`);
      return { version: 1, models: [] };
    }
  }

  private writeRegistry(reg: Registry): void {
    fs.mkdirSync(this.dir, { recursive: true });
    const file = path.join(this.dir, REGISTRY);
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(reg, null, 2) + '\n');
    fs.renameSync(tmp, file);
  }

  private abs(file: string): string {
    return path.isAbsolute(file) ? file : path.join(this.dir, file);
  }

  private toInstalled(e: RegistryEntry): InstalledModel {
    const file = this.abs(e.file);
    const sizes = [file, ...(e.parts ?? []).map((p) => this.abs(p))].map(fileSize);
    const present = sizes.every((s) => s !== null);
    return {
      name: e.name,
      file,
      bytes: present ? sizes.reduce<number>((a, b) => a + (b ?? 0), 0) : e.bytes,
      source: e.source,
      kind: e.kind,
      addedAt: e.addedAt,
      sha256: e.sha256 ?? null,
      catalogue: e.catalogue ?? findCatalogueEntryByUri(e.source)?.name ?? null,
      present,
    };
  }

  /** Installed models: the registry, plus stray `.gguf` files in the models folder. Sorted by name. */
  async list(): Promise<InstalledModel[]> {
    const reg = this.readRegistry();
    const out = reg.models.map((e) => this.toInstalled(e));
    const known = new Set(reg.models.flatMap((e) => [this.abs(e.file), ...(e.parts ?? []).map((p) => this.abs(p))]));
    let files: string[] = [];
    try {
      files = fs.readdirSync(this.dir).filter((f) => /\.gguf$/i.test(f));
    } catch {
      /* no folder yet */
    }
    for (const f of files) {
      const file = path.join(this.dir, f);
      if (known.has(file) || !isFile(file)) continue;
      // The later parts of a split model belong to its first part.
      if (/-(\d{5})-of-\d{5}\.gguf$/i.test(f) && !/-00001-of-\d{5}\.gguf$/i.test(f)) continue;
      const name = nameFromFile(f);
      if (out.some((m) => m.name === name)) continue;
      out.push({ name, file, bytes: fileSize(file) ?? 0, source: file, kind: 'downloaded', addedAt: null, sha256: null, catalogue: null, present: true });
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  private async findInstalled(name: string): Promise<InstalledModel | null> {
    const n = name.trim().toLowerCase();
    const all = await this.list();
    const exact = all.find((m) => m.name.toLowerCase() === n);
    if (exact) return exact;
    const entry = findCatalogueEntry(n);
    return entry ? (all.find((m) => m.catalogue === entry.name || m.source === entry.uri) ?? null) : null;
  }

  // -------------------------------------------------------------------------
  // resolve
  // -------------------------------------------------------------------------

  private classify(spec: string, cwd: string): Target {
    const s = spec.trim();
    if (isModelUri(s)) return { kind: 'uri', uri: s, entry: findCatalogueEntryByUri(s) };
    const entry = findCatalogueEntry(s);
    if (entry) return { kind: 'name', name: s, entry };
    if (looksLikePath(s)) return { kind: 'path', file: path.resolve(cwd, expandHome(s)) };
    return { kind: 'name', name: s, entry: null };
  }

  /**
   * The GGUF file `model.path` (or CVU_MODEL) names: a file path (relative to
   * `cwd`), an installed model's name, a catalogue name, or a URI that was
   * pulled. With nothing configured, the installed default model (or the
   * only installed one). Anything else is CVU_ERR_MODEL_MISSING with the
   * command that fixes it.
   */
  async resolve(spec: string | null | Pick<CvuConfig, 'model'>, opts: { cwd?: string } = {}): Promise<ResolvedModel> {
    const value = spec !== null && typeof spec === 'object' ? spec.model.path : spec;
    const cwd = opts.cwd ?? process.cwd();
    if (value === null || value.trim() === '') return this.resolveDefault();
    const target = this.classify(value, cwd);
    switch (target.kind) {
      case 'path': {
        if (isFile(target.file)) {
          const installed = (await this.list()).find((m) => m.file === target.file);
          return { name: installed?.name ?? nameFromFile(target.file), file: target.file, via: 'path' };
        }
        const why = fs.existsSync(target.file) ? 'is not a file' : 'does not exist';
        throw new CvuError(
          'CVU_ERR_MODEL_MISSING',
          `model file ${target.file} ${why} (model.path or CVU_MODEL names it); fix the path, or run \`cvu models pull ${DEFAULT_MODEL_NAME}\` and set model.path to that name`,
          { status: 503 },
        );
      }
      case 'uri': {
        const all = await this.list();
        const hit = all.find((m) => m.present && (m.source === target.uri || (target.entry !== null && m.catalogue === target.entry.name)));
        if (hit) return { name: hit.name, file: hit.file, via: 'uri' };
        throw new CvuError('CVU_ERR_MODEL_MISSING', `model ${target.uri} is not downloaded; run \`cvu models pull ${target.uri}\``, { status: 503 });
      }
      case 'name': {
        const hit = await this.findInstalled(target.name);
        if (hit?.present) return { name: hit.name, file: hit.file, via: 'name' };
        if (hit) {
          throw new CvuError(
            'CVU_ERR_MODEL_MISSING',
            `model ${hit.name} is registered but its file ${hit.file} is gone; run \`cvu models rm ${hit.name}\` and \`cvu models pull ${hit.kind === 'linked' ? 'PATH' : hit.source}\``,
            { status: 503 },
          );
        }
        if (target.entry) {
          throw new CvuError('CVU_ERR_MODEL_MISSING', `model ${target.entry.name} is not downloaded; run \`cvu models pull ${target.name}\``, { status: 503 });
        }
        throw new CvuError(
          'CVU_ERR_MODEL_MISSING',
          `model ${target.name} is neither installed nor in the catalogue (${CATALOGUE.map((e) => e.name).join(', ')}); run \`cvu models pull NAME\` with one of those, \`cvu models pull hf:OWNER/REPO/FILE.gguf\`, or set model.path to a .gguf file`,
          { status: 503 },
        );
      }
    }
  }

  private async resolveDefault(): Promise<ResolvedModel> {
    const present = (await this.list()).filter((m) => m.present);
    const preferred = present.find((m) => m.catalogue === DEFAULT_MODEL_NAME) ?? present.find((m) => m.catalogue !== null) ?? present[0];
    if (preferred) return { name: preferred.name, file: preferred.file, via: 'default' };
    throw new CvuError(
      'CVU_ERR_MODEL_MISSING',
      `no generation model is configured or installed; run \`cvu models pull ${DEFAULT_MODEL_NAME}\` (or set model.path / CVU_MODEL to a .gguf file)`,
      { status: 503 },
    );
  }

  // -------------------------------------------------------------------------
  // pull
  // -------------------------------------------------------------------------

  /**
   * Installs a model: a catalogue name or alias, an `hf:`/`https:` URI
   * (downloaded, resumed, verified) or a local `.gguf` path (registered in
   * place). No argument: the catalogue default. Concurrent pulls of the same
   * thing share one download.
   */
  pull(nameOrUri: string = DEFAULT_MODEL_NAME, opts: PullOptions = {}): Promise<PullResult> {
    const target = this.classify(nameOrUri, opts.cwd ?? process.cwd());
    if (target.kind === 'path') return this.registerLocal(target.file, opts);
    if (target.kind === 'name' && !target.entry) {
      return Promise.reject(
        new CvuError(
          'CVU_ERR_USAGE',
          `unknown model ${target.name}; the catalogue has ${CATALOGUE.map((e) => e.name).join(', ')}; or pass hf:OWNER/REPO/FILE.gguf, an https:// URL or a .gguf path`,
          { status: 400 },
        ),
      );
    }
    const uri = target.kind === 'uri' ? target.uri : target.entry!.uri;
    const key = uri.toLowerCase();
    const running = this.pulls.get(key);
    if (running) return running;
    const p = this.download(uri, target.entry, opts).finally(() => this.pulls.delete(key));
    this.pulls.set(key, p);
    return p;
  }

  /** Registers a local GGUF file by reference (validating its header). */
  private async registerLocal(file: string, opts: PullOptions): Promise<PullResult> {
    if (!isFile(file)) throw new CvuError('CVU_ERR_MODEL_MISSING', `model file ${file} does not exist`, { status: 404 });
    await checkGgufFile(file);
    const name = (opts.name ?? nameFromFile(file)).trim();
    const reg = this.readRegistry();
    const clash = reg.models.find((m) => m.name.toLowerCase() === name.toLowerCase());
    if (clash && this.abs(clash.file) !== file) {
      throw new CvuError('CVU_ERR_USAGE', `a model named ${clash.name} is already installed (${this.abs(clash.file)}); pick another name with --name, or \`cvu models rm ${clash.name}\` first`, { status: 409 });
    }
    const entry: RegistryEntry = { name, file, bytes: fileSize(file) ?? 0, source: file, kind: 'linked', addedAt: new Date().toISOString() };
    if (opts.sha256) {
      const got = await sha256File(file, undefined, opts.signal);
      if (got !== opts.sha256.toLowerCase()) throw new CvuError('CVU_ERR_MODEL_LOAD', `model file ${file} has sha256 ${got}, expected ${opts.sha256}`);
      entry.sha256 = got;
    }
    reg.models = reg.models.filter((m) => m !== clash);
    reg.models.push(entry);
    this.writeRegistry(reg);
    this.log.info('model registered', { name, file });
    return { model: this.toInstalled(entry), downloaded: false };
  }

  private async download(uri: string, entry: CatalogueEntry | null, opts: PullOptions): Promise<PullResult> {
    const signal = opts.signal;
    const abortError = () => new CvuError('CVU_ERR_ABORTED', `download of ${uri} aborted`, { status: 499, cause: signal?.reason });
    if (signal?.aborted) throw abortError();

    // Installed already (and its files still there): nothing to fetch.
    const existing = (await this.list()).find((m) => m.present && (m.source === uri || (entry !== null && m.catalogue === entry.name)));
    if (existing) return { model: existing, downloaded: false };

    const parsed = parseUri(uri);
    // A name taken by another model is refused before anything is fetched.
    const wanted = opts.name ?? entry?.name ?? (parsed.kind === 'hf-file' ? nameFromFile(parsed.file) : parsed.kind === 'url' ? nameFromFile(new URL(parsed.url).pathname) : null);
    const taken = wanted ? this.readRegistry().models.find((m) => m.name.toLowerCase() === wanted.toLowerCase() && m.source !== uri) : undefined;
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
    progress('connecting', 0, entry?.bytes ?? 0);

    const remote = await this.probe(uri, parsed, endpoint, token, opts.connectTimeoutMs ?? 15_000, signal);
    const expectedSha = (opts.sha256 ?? entry?.sha256 ?? remote.sha256 ?? null)?.toLowerCase() ?? null;

    fs.mkdirSync(this.dir, { recursive: true });
    const { createModelDownloader } = await import('node-llama-cpp');
    const stallMs = opts.stallTimeoutMs ?? 60_000;
    let lastProgress = Date.now();
    let downloader: Awaited<ReturnType<typeof createModelDownloader>> | null = null;
    let stalled = false;
    const failed = (why: string, cause?: unknown) =>
      new CvuError(
        'CVU_ERR_MODEL_DOWNLOAD',
        `download of ${uri} ${why}; run \`cvu models pull ${entry?.name ?? uri}\` again to resume, or download the .gguf file yourself and run \`cvu models pull PATH\``,
        { status: 502, cause },
      );

    // ipull retries a lost connection forever: a watchdog turns a stall into an error.
    let rejectWatch: (e: unknown) => void = () => {};
    const watch = new Promise<never>((_, reject) => (rejectWatch = reject));
    watch.catch(() => {});
    const timer = setInterval(() => {
      if (Date.now() - lastProgress > stallMs) {
        stalled = true;
        rejectWatch(failed(`made no progress for ${seconds(stallMs)}`));
      }
    }, Math.min(1000, Math.max(50, stallMs / 4)));
    timer.unref();
    const onAbort = () => rejectWatch(abortError());
    signal?.addEventListener('abort', onAbort, { once: true });

    try {
      const creating = createModelDownloader({
        modelUri: uri,
        dirPath: this.dir,
        showCliProgress: false,
        skipExisting: true,
        deleteTempFileOnCancel: false,
        endpoints: { huggingFace: endpoint },
        ...(token ? { tokens: { huggingFace: token } } : {}),
        onProgress: (s) => {
          lastProgress = Date.now();
          progress('downloading', s.downloadedSize, s.totalSize);
        },
      });
      // A downloader that arrives after a stall or an abort is closed at once.
      creating.then(
        (d) => {
          if (stalled || signal?.aborted) void d.cancel({ deleteTempFile: false }).catch(() => {});
        },
        () => {},
      );
      downloader = await Promise.race([creating, watch]);
      lastProgress = Date.now();
      const d = downloader;
      await Promise.race([d.download(), watch]);
    } catch (err) {
      if (downloader) await downloader.cancel({ deleteTempFile: false }).catch(() => {});
      if (isCvuError(err)) throw err;
      if (signal?.aborted) throw abortError();
      throw failed(`failed (${describe(err)})`, err);
    } finally {
      clearInterval(timer);
      signal?.removeEventListener('abort', onAbort);
    }

    // Verify: sizes, sha256 (single-file models), GGUF header.
    const files = downloader.filesInfo;
    const file = downloader.entrypointFilePath;
    const remove = () => {
      for (const f of files) fs.rmSync(f.filePath, { force: true });
    };
    const total = files.reduce((n, f) => n + (fileSize(f.filePath) ?? 0), 0);
    for (const f of files) {
      const size = fileSize(f.filePath);
      if (size === null || (f.totalSize > 0 && size !== f.totalSize)) {
        remove();
        throw failed(`left ${f.fileName} at ${size ?? 0} bytes instead of ${f.totalSize}; the file was removed`);
      }
    }
    if (remote.bytes !== null && files.length === 1 && total !== remote.bytes) {
      remove();
      throw failed(`gave ${total} bytes, but the server announced ${remote.bytes}; the file was removed`);
    }
    let sha: string | null = null;
    if (expectedSha && files.length === 1) {
      progress('verifying', 0, total);
      sha = await sha256File(file, (n) => progress('verifying', n, total), signal);
      if (sha !== expectedSha) {
        remove();
        throw failed(`is corrupt: sha256 ${sha}, expected ${expectedSha}; the file was removed`);
      }
    }
    try {
      await checkGgufFile(file);
    } catch (err) {
      remove();
      throw failed(`did not produce a valid GGUF file (${(err as Error).message}); the file was removed`, err);
    }

    const uriFile = parsed.kind === 'hf-file' ? parsed.file : parsed.kind === 'url' ? new URL(parsed.url).pathname : downloader.entrypointFilename;
    const name = (opts.name ?? entry?.name ?? nameFromFile(uriFile)).trim();
    const reg = this.readRegistry();
    reg.models = reg.models.filter((m) => m.name.toLowerCase() !== name.toLowerCase() && this.abs(m.file) !== file);
    const rel = (p: string) => path.relative(this.dir, p);
    const record: RegistryEntry = {
      name,
      file: rel(file),
      ...(files.length > 1 ? { parts: files.map((f) => rel(f.filePath)).filter((p) => p !== rel(file)) } : {}),
      bytes: total,
      source: uri,
      kind: 'downloaded',
      addedAt: new Date().toISOString(),
      ...(sha ? { sha256: sha } : {}),
      ...(entry ? { catalogue: entry.name } : {}),
    };
    reg.models.push(record);
    this.writeRegistry(reg);
    this.log.info('model downloaded', { name, file, bytes: total });
    return { model: this.toInstalled(record), downloaded: true };
  }

  /**
   * One HEAD request with a short timeout before the downloader starts: a
   * closed network fails here, plainly, in milliseconds. On the Hub the
   * redirect carries the file's size and sha256 (X-Linked-Size, X-Linked-Etag).
   */
  private async probe(uri: string, parsed: ParsedUri, endpoint: string, token: string | undefined, timeoutMs: number, signal?: AbortSignal): Promise<{ bytes: number | null; sha256: string | null }> {
    const url =
      parsed.kind === 'url'
        ? parsed.url
        : parsed.kind === 'hf-file'
          ? `${endpoint}${encodeURIComponent(parsed.user)}/${encodeURIComponent(parsed.repo)}/resolve/${encodeURIComponent(parsed.branch)}/${parsed.file.split('/').map(encodeURIComponent).join('/')}`
          : `${endpoint}api/models/${encodeURIComponent(parsed.user)}/${encodeURIComponent(parsed.repo)}`;
    const host = new URL(url).host;
    const timeout = AbortSignal.timeout(timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    let res: Response;
    try {
      res = await fetch(url, {
        // The Hub's model API answers GET; files answer HEAD (with their size and sha256 on the redirect).
        method: parsed.kind === 'hf-repo' ? 'GET' : 'HEAD',
        redirect: parsed.kind === 'hf-file' ? 'manual' : 'follow',
        signal: combined,
        headers: token && parsed.kind !== 'url' ? { authorization: `Bearer ${token}` } : {},
      });
    } catch (err) {
      if (signal?.aborted) throw new CvuError('CVU_ERR_ABORTED', `download of ${uri} aborted`, { status: 499, cause: signal.reason });
      const why = timeout.aborted ? `did not answer within ${seconds(timeoutMs)}` : isNetworkError(err) ? `is unreachable (${describe(err)})` : `failed (${describe(err)})`;
      throw new CvuError(
        'CVU_ERR_MODEL_DOWNLOAD',
        `cannot download ${uri}: ${host} ${why}. Check the network (or HTTPS_PROXY / HF_ENDPOINT), or download the .gguf file on another machine and run \`cvu models pull PATH\``,
        { status: 502, cause: err },
      );
    }
    if (res.status === 401 || res.status === 403) {
      throw new CvuError('CVU_ERR_MODEL_DOWNLOAD', `cannot download ${uri}: ${host} answered ${res.status} (access denied)${token ? '' : '; a gated or private model needs HF_TOKEN set'}`, { status: 502 });
    }
    if (res.status === 404) {
      throw new CvuError('CVU_ERR_MODEL_DOWNLOAD', `cannot download ${uri}: ${host} has no such file (404); check the repository and file name`, { status: 502 });
    }
    await res.body?.cancel().catch(() => {});
    // A server that does not do HEAD still answered: reachable, nothing more known.
    if (res.status === 405 || res.status === 501) return { bytes: null, sha256: null };
    if (res.status >= 400) throw new CvuError('CVU_ERR_MODEL_DOWNLOAD', `cannot download ${uri}: ${host} answered ${res.status} ${res.statusText}`, { status: 502 });
    const num = (v: string | null) => (v && /^\d+$/.test(v) ? Number(v) : null);
    const etag = (res.headers.get('x-linked-etag') ?? '').replace(/^W\//, '').replace(/"/g, '').toLowerCase();
    const bytes = num(res.headers.get('x-linked-size')) ?? (res.status >= 300 ? null : num(res.headers.get('content-length')));
    return { bytes: parsed.kind === 'hf-repo' ? null : bytes, sha256: /^[0-9a-f]{64}$/.test(etag) ? etag : null };
  }

  // -------------------------------------------------------------------------
  // rm
  // -------------------------------------------------------------------------

  /** Removes an installed model: deletes a downloaded file, forgets a linked one (its file stays). */
  async rm(name: string): Promise<InstalledModel> {
    const hit = await this.findInstalled(name);
    if (!hit) {
      const names = (await this.list()).map((m) => m.name);
      throw new CvuError('CVU_ERR_NOT_FOUND', `no installed model named ${name} (${names.length ? `installed: ${names.join(', ')}` : 'none installed'})`, { status: 404 });
    }
    const reg = this.readRegistry();
    const record = reg.models.find((m) => m.name === hit.name);
    if (hit.kind === 'downloaded') {
      const files = [hit.file, ...(record?.parts ?? []).map((p) => this.abs(p))];
      for (const f of files) {
        // Only files inside the models folder are ever deleted.
        if (path.relative(this.dir, f).startsWith('..')) continue;
        fs.rmSync(f, { force: true });
        fs.rmSync(`${f}.ipull`, { force: true });
      }
    }
    if (record) {
      reg.models = reg.models.filter((m) => m !== record);
      this.writeRegistry(reg);
    }
    this.log.info('model removed', { name: hit.name, file: hit.file, kind: hit.kind });
    return { ...hit, present: hit.kind === 'linked' && isFile(hit.file) };
  }
}
