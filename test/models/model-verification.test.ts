/** A finished download is kept only when it is the size the server gave, has the sha256 expected and reads as GGUF. */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CvuError } from '../../core/errors.js';
import { checkGgufFile, verifyDownload, type DownloadedFile } from '../../models/model-verification.js';
import { rejection } from '../helpers/errors.js';
import { makeTempDir, removeDir } from '../helpers/temp.js';
import { writeTinyLlama, type WrittenLlama } from '../../fixtures/models/tiny-llama.js';

let tmp: string;
let tiny: WrittenLlama;
let sha: string;

const failed = (why: string) => new CvuError('CVU_ERR_MODEL_DOWNLOAD', `download ${why}`);

/** A copy of the tiny model as a download left it, and what the downloader reports of it. */
function downloaded(name: string, totalSize = tiny.bytes, bytes: Buffer = fs.readFileSync(tiny.file)): DownloadedFile {
  const filePath = path.join(tmp, name);
  fs.writeFileSync(filePath, bytes);
  return { fileName: name, filePath, totalSize };
}

beforeAll(async () => {
  tmp = makeTempDir('cvu-verify-');
  tiny = await writeTinyLlama(path.join(tmp, 'tiny.gguf'));
  sha = createHash('sha256').update(fs.readFileSync(tiny.file)).digest('hex');
});

afterAll(() => removeDir(tmp));

describe('verifyDownload', () => {
  it('keeps a good file, hashing it with progress', async () => {
    const f = downloaded('good.gguf');
    const hashed: number[] = [];
    const r = await verifyDownload([f], f.filePath, { expect: { bytes: tiny.bytes, sha256: sha }, onProgress: (n) => hashed.push(n), failed });
    expect(r).toEqual({ bytes: tiny.bytes, sha256: sha });
    expect(hashed[0]).toBe(0);
    expect(hashed.at(-1)).toBe(tiny.bytes);
    expect(fs.existsSync(f.filePath)).toBe(true);
  });

  it('removes a file of another size than its server gave, or than the probe announced', async () => {
    const short = downloaded('short.gguf', tiny.bytes + 1);
    expect((await rejection(verifyDownload([short], short.filePath, { expect: { bytes: null, sha256: null }, failed }))).message).toContain(`instead of ${tiny.bytes + 1}`);
    expect(fs.existsSync(short.filePath)).toBe(false);

    const announced = downloaded('announced.gguf');
    const err = await rejection(verifyDownload([announced], announced.filePath, { expect: { bytes: tiny.bytes - 1, sha256: null }, failed }));
    expect(err.message).toContain(`the server announced ${tiny.bytes - 1}`);
    expect(fs.existsSync(announced.filePath)).toBe(false);
  });

  it('removes a file whose sha256 is not the one expected', async () => {
    const f = downloaded('corrupt.gguf');
    const err = await rejection(verifyDownload([f], f.filePath, { expect: { bytes: tiny.bytes, sha256: '0'.repeat(64) }, failed }));
    expect(err.code).toBe('CVU_ERR_MODEL_DOWNLOAD');
    expect(err.message).toContain(`sha256 ${sha}, expected ${'0'.repeat(64)}`);
    expect(fs.existsSync(f.filePath)).toBe(false);
  });

  it('removes every part of a download that is not a GGUF model', async () => {
    const text = Buffer.from('<html>not a model</html>');
    const parts = [downloaded('page-00001-of-00002.gguf', text.length, text), downloaded('page-00002-of-00002.gguf', text.length, text)];
    const err = await rejection(verifyDownload(parts, parts[0].filePath, { expect: { bytes: null, sha256: null }, failed }));
    expect(err.message).toContain('did not produce a valid GGUF file');
    expect(parts.map((p) => fs.existsSync(p.filePath))).toEqual([false, false]);
  });
});

describe('checkGgufFile', () => {
  it('reads the header with node-llama-cpp; a file that does not start as GGUF, or is not there, is MODEL_LOAD', async () => {
    await checkGgufFile(tiny.file);
    const text = path.join(tmp, 'notes.gguf');
    fs.writeFileSync(text, 'not a model');
    const err = await rejection(checkGgufFile(text));
    expect(err.code).toBe('CVU_ERR_MODEL_LOAD');
    expect(err.message).toContain('does not start with "GGUF"');
    const absent = await rejection(checkGgufFile(path.join(tmp, 'absent.gguf')));
    expect(absent.code).toBe('CVU_ERR_MODEL_LOAD');
    expect(absent.message).toContain('could not be read');
  });

  it('refuses a file cut off after its header or inside its tensor data', async () => {
    const whole = fs.readFileSync(tiny.file);
    for (const keep of [24, 4096, whole.length - 1024]) {
      const cut = path.join(tmp, `cut-${keep}.gguf`);
      fs.writeFileSync(cut, whole.subarray(0, keep));
      const err = await rejection(checkGgufFile(cut));
      expect(err.code, `${keep} bytes`).toBe('CVU_ERR_MODEL_LOAD');
      expect(err.message, `${keep} bytes`).toMatch(/truncated|not a valid GGUF/);
    }
  });
});
