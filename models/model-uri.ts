/**
 * Model URIs, as `cvu models pull` and `model.path` take them, and what Cvu
 * reads from one before node-llama-cpp's downloader runs.
 *
 * ```ts
 * isModelUri('hf:Qwen/Qwen2.5-Coder-0.5B-GGUF/qwen2.5-coder-0.5b-q8_0.gguf'); // true
 * parseModelUri('hf:owner/repo/dir/file.gguf#dev');  // { kind: 'hub-file', owner, repo, file: 'dir/file.gguf', branch: 'dev' }
 * probeUrl(parseModelUri(uri), huggingFaceEndpoint()); // what `pull` asks first (size, sha256, reachability)
 * await findDownloaded(uri, dir);                    // the file node-llama-cpp's own naming put in `dir`, or null
 * ```
 *
 * Forms: `hf:owner/repo/path/file.gguf[#branch]`, `hf:owner/repo[:QUANT]`
 * (node-llama-cpp picks the file), `https://…/file.gguf`.
 *
 * node-llama-cpp 3.22 does the download and the URI → local file mapping
 * (`createModelDownloader`, `resolveModelFile`), but keeps its URI parser,
 * Hub endpoint and token lookup private (its exports map is `.` and
 * `./commands` only), so the few pieces the probe and the model's name need
 * are read here.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CvuError } from '../core/errors.js';

export type ModelUri =
  /** One file of a Hub repository (on `branch`). */
  | { kind: 'hub-file'; owner: string; repo: string; file: string; branch: string }
  /** A Hub repository, optionally with a quantization tag: node-llama-cpp chooses its file. */
  | { kind: 'hub-repo'; owner: string; repo: string }
  | { kind: 'url'; url: string };

/** `hf:` and `http(s):` model URIs, as node-llama-cpp's downloader takes them. */
export function isModelUri(s: string): boolean {
  return /^(hf:|https?:\/\/)/i.test(s.trim());
}

const FORMS = 'expected hf:owner/repo/file.gguf, hf:owner/repo:QUANT or an https:// URL';

/**
 * Splits a model URI into the parts Cvu uses; CVU_ERR_USAGE for one that is not a model URI.
 * Hand-written: node-llama-cpp's parseModelUri is not exported (3.22), and the probe and the name are needed before its downloader runs.
 */
export function parseModelUri(uri: string): ModelUri {
  const u = uri.trim();
  const invalid = (why: string) => new CvuError('CVU_ERR_USAGE', `invalid model URI ${uri}: ${why}`, { status: 400 });
  if (/^https?:\/\//i.test(u)) {
    if (!URL.canParse(u)) throw invalid(FORMS);
    return { kind: 'url', url: u };
  }
  const body = u.replace(/^hf:(\/\/)?/i, '');
  const [owner, repoTag, ...rest] = body.split('/');
  if (!owner || !repoTag) throw invalid(FORMS);
  if (rest.length === 0 || repoTag.includes(':')) return { kind: 'hub-repo', owner, repo: repoTag.split(':')[0] };
  let file = rest.join('/');
  let branch = 'main';
  const hash = file.indexOf('#');
  if (hash >= 0) {
    branch = file.slice(hash + 1) || 'main';
    file = file.slice(0, hash);
  }
  if (!file) throw invalid('no file after the repository');
  return { kind: 'hub-file', owner, repo: repoTag, file, branch };
}

/** The file path a URI names (what the model is called after), or null when the Hub chooses it. */
export function namedFile(uri: ModelUri): string | null {
  return uri.kind === 'hub-file' ? uri.file : uri.kind === 'url' ? new URL(uri.url).pathname : null;
}

/**
 * What `pull` asks before downloading: the file itself (on the Hub, its
 * `resolve` URL, whose redirect carries the size and sha256), or the Hub's
 * model API for a repository whose file node-llama-cpp will choose.
 */
export function probeUrl(uri: ModelUri, endpoint: string): string {
  const seg = encodeURIComponent;
  if (uri.kind === 'url') return uri.url;
  if (uri.kind === 'hub-repo') return `${endpoint}api/models/${seg(uri.owner)}/${seg(uri.repo)}`;
  return `${endpoint}${seg(uri.owner)}/${seg(uri.repo)}/resolve/${seg(uri.branch)}/${uri.file.split('/').map(seg).join('/')}`;
}

/**
 * The Hugging Face endpoint node-llama-cpp resolves `hf:` URIs against (MODEL_ENDPOINT, HF_ENDPOINT, else huggingface.co).
 * Hand-written: node-llama-cpp's resolveHuggingFaceEndpoint is private and reads only process.env; this one takes the manager's env.
 */
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

/**
 * The Hub token node-llama-cpp would use: HF_TOKEN, else the huggingface-cli token file.
 * Hand-written: node-llama-cpp resolves it privately inside its downloader, and the probe must send the same token first.
 */
export function huggingFaceToken(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.HF_TOKEN) return env.HF_TOKEN;
  const hfHome = env.HF_HOME || path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'huggingface');
  try {
    return fs.readFileSync(env.HF_TOKEN_PATH || path.join(hfHome, 'token'), 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * The downloaded file `uri` stands for in `dir`, as node-llama-cpp names its
 * downloads (`resolveModelFile` without downloading: no network), or null.
 * Finds a model whose registry entry is gone, or one node-llama-cpp's own
 * CLI pulled into the folder.
 */
export async function findDownloaded(uri: string, dir: string, endpoint: string): Promise<string | null> {
  const { resolveModelFile } = await import('node-llama-cpp');
  try {
    return await resolveModelFile(uri.trim(), { directory: dir, download: false, cli: false, endpoints: { huggingFace: endpoint } });
  } catch {
    // Not there (or not all parts of a split model): the caller says which command fetches it.
    return null;
  }
}
