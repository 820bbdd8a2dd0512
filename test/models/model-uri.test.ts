/** Model URIs: the forms Cvu takes, what the probe asks, and the Hub endpoint and token it uses. */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CvuError } from '../../core/errors.js';
import { huggingFaceEndpoint, huggingFaceToken, isModelUri, namedFile, parseModelUri, probeUrl } from '../../models/model-uri.js';
import { makeTempDir, removeDir } from '../helpers/temp.js';

const HUB = 'https://hub.example/';

function usageError(uri: string): CvuError {
  try {
    parseModelUri(uri);
  } catch (err) {
    if (err instanceof CvuError) return err;
    throw err;
  }
  throw new Error(`${uri} parsed`);
}

describe('model URIs', () => {
  it('tells URIs from names and paths', () => {
    expect(isModelUri('hf:Qwen/Qwen2.5-Coder-0.5B-GGUF/qwen2.5-coder-0.5b-q8_0.gguf')).toBe(true);
    expect(isModelUri('  HTTPS://example.com/m.gguf')).toBe(true);
    expect(isModelUri('qwen2.5-coder-1.5b')).toBe(false);
    expect(isModelUri('./models/m.gguf')).toBe(false);
  });

  it('reads a Hub file, with folders and a branch, and probes its resolve URL', () => {
    const uri = parseModelUri('hf:owner/Repo-GGUF/sub dir/model q8.gguf#dev');
    expect(uri).toEqual({ kind: 'hub-file', owner: 'owner', repo: 'Repo-GGUF', file: 'sub dir/model q8.gguf', branch: 'dev' });
    expect(namedFile(uri)).toBe('sub dir/model q8.gguf');
    expect(probeUrl(uri, HUB)).toBe('https://hub.example/owner/Repo-GGUF/resolve/dev/sub%20dir/model%20q8.gguf');
    // `hf://` is the same URI; no branch is main.
    expect(parseModelUri('hf://owner/repo/m.gguf')).toEqual({ kind: 'hub-file', owner: 'owner', repo: 'repo', file: 'm.gguf', branch: 'main' });
  });

  it('reads a Hub repository with or without a quantization: the file is chosen at download', () => {
    for (const s of ['hf:owner/repo:Q4_K_M', 'hf:owner/repo']) {
      const uri = parseModelUri(s);
      expect(uri).toEqual({ kind: 'hub-repo', owner: 'owner', repo: 'repo' });
      expect(namedFile(uri)).toBeNull();
      expect(probeUrl(uri, HUB)).toBe('https://hub.example/api/models/owner/repo');
    }
  });

  it('takes an https URL as it is', () => {
    const uri = parseModelUri('https://example.com/models/Tiny-00001-of-00002.gguf?download=true');
    expect(uri).toEqual({ kind: 'url', url: 'https://example.com/models/Tiny-00001-of-00002.gguf?download=true' });
    expect(namedFile(uri)).toBe('/models/Tiny-00001-of-00002.gguf');
    expect(probeUrl(uri, HUB)).toBe('https://example.com/models/Tiny-00001-of-00002.gguf?download=true');
  });

  it('refuses what is not a model URI, saying which forms are', () => {
    for (const bad of ['hf:owner', 'hf:', 'https://']) {
      const err = usageError(bad);
      expect(err.code, bad).toBe('CVU_ERR_USAGE');
      expect(err.status).toBe(400);
      expect(err.message, bad).toContain('hf:owner/repo/file.gguf');
    }
    expect(usageError('hf:owner/repo/#dev').message).toContain('no file after the repository');
  });
});

describe('the Hub', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach(removeDir));

  it('is MODEL_ENDPOINT, else HF_ENDPOINT, else huggingface.co; a value that is no http(s) URL is passed over', () => {
    expect(huggingFaceEndpoint({})).toBe('https://huggingface.co/');
    expect(huggingFaceEndpoint({ HF_ENDPOINT: 'http://127.0.0.1:9/hub' })).toBe('http://127.0.0.1:9/hub/');
    expect(huggingFaceEndpoint({ MODEL_ENDPOINT: 'https://mirror.example/', HF_ENDPOINT: 'http://127.0.0.1:9/' })).toBe('https://mirror.example/');
    expect(huggingFaceEndpoint({ MODEL_ENDPOINT: 'not a url', HF_ENDPOINT: 'ftp://x/' })).toBe('https://huggingface.co/');
  });

  it('token: HF_TOKEN, else the token file (HF_TOKEN_PATH, HF_HOME, XDG_CACHE_HOME), as node-llama-cpp finds it', () => {
    const home = makeTempDir('cvu-hf-');
    dirs.push(home);
    fs.mkdirSync(path.join(home, 'huggingface'));
    fs.writeFileSync(path.join(home, 'huggingface', 'token'), 'hf_from_cache\n');
    fs.writeFileSync(path.join(home, 'explicit'), 'hf_explicit');
    expect(huggingFaceToken({ HF_TOKEN: 'hf_env', XDG_CACHE_HOME: home })).toBe('hf_env');
    expect(huggingFaceToken({ XDG_CACHE_HOME: home })).toBe('hf_from_cache');
    expect(huggingFaceToken({ HF_HOME: path.join(home, 'huggingface') })).toBe('hf_from_cache');
    expect(huggingFaceToken({ HF_TOKEN_PATH: path.join(home, 'explicit'), XDG_CACHE_HOME: home })).toBe('hf_explicit');
    expect(huggingFaceToken({ HF_HOME: path.join(home, 'nothing-here') })).toBeUndefined();
  });
});
