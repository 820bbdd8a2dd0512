import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { decodeSource, looksBinary, looksMinified, readSourceFile, readSourceFileSync, type ReadResult } from '../../indexer/file-reader.js';

let dir: string;
const MAX = 1_000_000;

beforeEach(async () => {
  dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'cvu-reader-'));
});

afterEach(async () => {
  vi.restoreAllMocks();
  await fs.promises.rm(dir, { recursive: true, force: true });
});

async function file(name: string, content: string | Uint8Array): Promise<string> {
  const abs = path.join(dir, name);
  await fs.promises.writeFile(abs, content);
  return abs;
}

async function read(name: string, content: string | Uint8Array, maxFileBytes = MAX): Promise<ReadResult> {
  return readSourceFile(await file(name, content), { maxFileBytes });
}

function ok(r: ReadResult): { text: string; size: number; warnings: string[] } {
  if (!r.ok) throw new Error(`expected text, got ${r.reason}: ${r.message}`);
  return r;
}

describe('readSourceFile: decoding', () => {
  it('reads plain UTF-8 as is, with its byte size', async () => {
    const r = ok(await read('a.ts', 'const π = "é";\n'));
    expect(r.text).toBe('const π = "é";\n');
    expect(r.size).toBe(Buffer.byteLength('const π = "é";\n'));
    expect(r.warnings).toEqual([]);
  });

  it('reads an empty file', async () => {
    expect(ok(await read('empty.ts', ''))).toEqual({ ok: true, text: '', size: 0, warnings: [] });
  });

  it('strips a UTF-8 BOM', async () => {
    const r = ok(await read('bom.ts', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('x = 1\n')])));
    expect(r.text).toBe('x = 1\n');
    expect(r.size).toBe(9);
  });

  it('turns CRLF and lone CR into LF', async () => {
    expect(ok(await read('crlf.ts', 'a\r\nb\r\n\r\nc')).text).toBe('a\nb\n\nc');
    expect(ok(await read('cr.ts', 'a\rb\r\rc\r')).text).toBe('a\nb\n\nc\n');
    expect(ok(await read('mixed.ts', 'a\r\nb\nc\rd')).text).toBe('a\nb\nc\nd');
  });

  it('replaces invalid UTF-8 with U+FFFD and warns, without failing', async () => {
    const latin1 = Buffer.from('// caf\xe9 na\xefve r\xe9sum\xe9\nconst x = 1;\n', 'latin1');
    const r = ok(await read('latin1.ts', latin1));
    expect(r.text).toBe('// caf\uFFFD na\uFFFDve r\uFFFDsum\uFFFD\nconst x = 1;\n');
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]).toMatch(/invalid UTF-8/);
  });

  it('decodes UTF-16LE and UTF-16BE with a BOM', async () => {
    const text = 'export const s = "héllo ✓";\r\nline2\n';
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    const be = Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text, 'utf16le').swap16()]);
    const rl = ok(await read('le.ts', le));
    expect(rl.text).toBe('export const s = "héllo ✓";\nline2\n');
    expect(rl.warnings.join()).toMatch(/UTF-16LE/);
    const rb = ok(await read('be.ts', be));
    expect(rb.text).toBe('export const s = "héllo ✓";\nline2\n');
    expect(rb.warnings.join()).toMatch(/UTF-16BE/);
    expect(rb.size).toBe(be.length);
  });
});

describe('readSourceFile: refusals', () => {
  it('rejects binary content behind a text name: NUL bytes', async () => {
    expect(await read('evil.ts', Buffer.alloc(10_000, 0))).toMatchObject({ ok: false, reason: 'binary' });
    expect(await read('one-nul.ts', Buffer.from('const a = 1;\n\0const b = 2;\n'))).toMatchObject({ ok: false, reason: 'binary' });
  });

  it('rejects a PNG named .txt and random bytes', async () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x41, 0x42]);
    expect(await read('img.txt', png)).toMatchObject({ ok: false, reason: 'binary' });
    let seed = 42;
    const random = Buffer.alloc(4096);
    for (let i = 0; i < random.length; i++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      random[i] = ((seed >> 16) & 0xff) || 1; // no NUL: the ratio test must catch it
    }
    expect(await read('noise.ts', random)).toMatchObject({ ok: false, reason: 'binary' });
  });

  it('rejects binary content even behind a UTF-16 BOM', async () => {
    const controls = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('\x01\x02\x03'.repeat(50), 'utf16le')]);
    expect(await read('fake16.ts', controls)).toMatchObject({ ok: false, reason: 'binary' });
    let seed = 7;
    const random = Buffer.alloc(4096);
    for (let i = 0; i < random.length; i++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      random[i] = ((seed >> 16) & 0xff) || 1;
    }
    random[0] = 0xfe;
    random[1] = 0xff;
    expect(await read('noise16.ts', random)).toMatchObject({ ok: false, reason: 'binary' });
    // Real UTF-16 text in a script with no ASCII at all stays text.
    const cjk = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('漢字かな交じり文の例。한국어 문장도 있다。\n'.repeat(40), 'utf16le')]);
    expect(ok(await read('cjk.txt', cjk)).text).toMatch(/^漢字/);
  });

  it('rejects a file over the bound by size, without reading it', async () => {
    const abs = await file('huge.ts', '');
    await fs.promises.truncate(abs, 50 * 1024 * 1024);
    const handle = await fs.promises.open(abs, 'r');
    const proto = Object.getPrototypeOf(handle) as { read: (...a: unknown[]) => unknown };
    await handle.close();
    const readSpy = vi.spyOn(proto, 'read');
    const r = await readSourceFile(abs, { maxFileBytes: 1_000_000 });
    expect(r).toMatchObject({ ok: false, reason: 'too-large' });
    expect(readSpy).not.toHaveBeenCalled();
    // Exactly at the bound is fine.
    expect(ok(await read('exact.ts', 'x'.repeat(100), 100)).text).toHaveLength(100);
    expect(await read('over.ts', 'x'.repeat(101), 100)).toMatchObject({ ok: false, reason: 'too-large' });
  });

  it('rejects minified content', async () => {
    const bundle = 'var a=1;'.repeat(2000) + '\n' + 'function f(a,b){return a+b}'.repeat(200);
    expect(await read('bundle.js', bundle)).toMatchObject({ ok: false, reason: 'minified' });
  });

  it('returns unreadable for a missing file, a folder, and a permission error', async () => {
    expect(await readSourceFile(path.join(dir, 'missing.ts'), { maxFileBytes: MAX })).toMatchObject({ ok: false, reason: 'unreadable' });
    await fs.promises.mkdir(path.join(dir, 'sub'));
    expect(await readSourceFile(path.join(dir, 'sub'), { maxFileBytes: MAX })).toMatchObject({ ok: false, reason: 'unreadable' });
    const abs = await file('locked.ts', 'x');
    vi.spyOn(fs.promises, 'open').mockRejectedValueOnce(Object.assign(new Error('EACCES'), { code: 'EACCES' }));
    expect(await readSourceFile(abs, { maxFileBytes: MAX })).toEqual({ ok: false, reason: 'unreadable', message: 'permission denied' });
  });

  it('refuses to read a secret, whoever asks', async () => {
    expect(await read('.env', 'TOKEN=1\n')).toMatchObject({ ok: false, reason: 'secret' });
    expect(await read('server.pem', '-----BEGIN PRIVATE KEY-----\n')).toMatchObject({ ok: false, reason: 'secret' });
  });

  it.skipIf(process.getuid?.() === 0)('returns unreadable for a file without read permission (real chmod)', async () => {
    const abs = await file('locked.ts', 'x');
    await fs.promises.chmod(abs, 0);
    expect(await readSourceFile(abs, { maxFileBytes: MAX })).toMatchObject({ ok: false, reason: 'unreadable' });
  });
});

describe('readSourceFileSync (a parse worker\'s read)', () => {
  it('answers as readSourceFile does, file for file', async () => {
    const cases: [string, string | Uint8Array][] = [
      ['a.ts', 'const π = "é";\n'],
      ['bom.ts', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('x\r\ny\r\n')])],
      ['le.ts', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('let a = 1;\n', 'utf16le')])],
      ['latin.ts', Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a])],
      ['nul.ts', Buffer.alloc(10_000, 0)],
      ['bundle.js', 'var a=1;'.repeat(2000)],
      ['big.ts', 'export const x = 1;\n'.repeat(5000)],
      ['.env', 'TOKEN=1\n'],
    ];
    for (const [name, content] of cases) {
      const abs = await file(name, content);
      expect(readSourceFileSync(abs, { maxFileBytes: MAX }), name).toEqual(await readSourceFile(abs, { maxFileBytes: MAX }));
    }
    const over = await file('over.ts', 'x'.repeat(101));
    expect(readSourceFileSync(over, { maxFileBytes: 100 })).toEqual(await readSourceFile(over, { maxFileBytes: 100 }));
    expect(readSourceFileSync(over, { maxFileBytes: 100 })).toMatchObject({ ok: false, reason: 'too-large' });
    for (const missing of [path.join(dir, 'missing.ts'), dir]) {
      expect(readSourceFileSync(missing, { maxFileBytes: MAX })).toEqual(await readSourceFile(missing, { maxFileBytes: MAX }));
    }
    expect(readSourceFileSync(dir, { maxFileBytes: MAX })).toMatchObject({ ok: false, reason: 'unreadable' });
  });

  it('refuses a file over the bound by size without reading it, and closes what it opened', async () => {
    const abs = await file('huge.ts', '');
    await fs.promises.truncate(abs, 50 * 1024 * 1024);
    const readSpy = vi.spyOn(fs, 'readSync');
    const closeSpy = vi.spyOn(fs, 'closeSync');
    expect(readSourceFileSync(abs, { maxFileBytes: 1_000_000 })).toMatchObject({ ok: false, reason: 'too-large' });
    expect(readSpy).not.toHaveBeenCalled();
    expect(closeSpy).toHaveBeenCalledTimes(1);
  });

  it('reads past the size fstat gave when the file grows meanwhile, up to the bound', async () => {
    const abs = await file('growing.ts', 'a = 1;\n');
    const fstat = fs.fstatSync;
    // fstat says 7 bytes; the file holds 2,807 by the time it is read (the buffer grows from 1 KB).
    vi.spyOn(fs, 'fstatSync').mockImplementationOnce((fd: number) => {
      const st = fstat(fd);
      fs.appendFileSync(abs, 'b = 2;\n'.repeat(400));
      return st;
    });
    expect(ok(readSourceFileSync(abs, { maxFileBytes: MAX })).text).toBe('a = 1;\n' + 'b = 2;\n'.repeat(400));
    vi.spyOn(fs, 'fstatSync').mockImplementationOnce((fd: number) => {
      const st = fstat(fd);
      fs.appendFileSync(abs, 'c = 3;\n'.repeat(700));
      return st;
    });
    expect(readSourceFileSync(abs, { maxFileBytes: 4000 })).toMatchObject({ ok: false, reason: 'too-large', message: expect.stringMatching(/grew past/) });
  });
});

describe('looksBinary', () => {
  it('tells text from binary', () => {
    expect(looksBinary(new Uint8Array())).toBe(false);
    expect(looksBinary(Buffer.from('plain text\twith tabs\r\nand \x1b[31mANSI colours\x1b[0m\n'))).toBe(false);
    expect(looksBinary(Buffer.from('日本語のテキスト, emoji 🎉, accents é ü\n'.repeat(50)))).toBe(false);
    expect(looksBinary(Buffer.from('caf\xe9 na\xefve\n'.repeat(100), 'latin1'))).toBe(false);
    expect(looksBinary(Buffer.from('BZh is how this text starts\n'))).toBe(false);
    expect(looksBinary(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('utf-16 text', 'utf16le')]))).toBe(false);
    expect(looksBinary(Buffer.from('a\0b'))).toBe(true);
    expect(looksBinary(Buffer.from('\x7fELF and then text'))).toBe(true);
    expect(looksBinary(Buffer.from('%PDF-1.7\n'))).toBe(true);
    expect(looksBinary(Buffer.from('PK\x03\x04rest'))).toBe(true);
    expect(looksBinary(Buffer.from('\x01\x02\x03\x04\x05 mostly control bytes \x06\x07\x08\x0e\x0f\x10\x11'))).toBe(true);
    // Bytes that are neither control characters nor valid UTF-8.
    const high = Buffer.alloc(2000);
    for (let i = 0; i < high.length; i++) high[i] = 0x80 + ((i * 37) % 128);
    expect(looksBinary(high)).toBe(true);
    // A NUL past the first 8 KB is not looked at.
    expect(looksBinary(Buffer.concat([Buffer.alloc(9000, 0x61), Buffer.from([0])]))).toBe(false);
  });
});

describe('looksMinified', () => {
  it('flags minified code but not ordinary code or prose', () => {
    const code = Array.from({ length: 200 }, (_, i) => `  const value${i} = compute(${i}, options); // note ${i}`).join('\n');
    expect(looksMinified(code)).toBe(false);
    expect(looksMinified('x'.repeat(500))).toBe(false); // too small to judge
    const prose = Array.from({ length: 20 }, () => 'This paragraph is written on one line, as many Markdown files are. '.repeat(8)).join('\n\n');
    expect(looksMinified(prose)).toBe(false);
    expect(looksMinified('!function(e,t){"use strict";var n=e.document;' + 'a.b=c(d,e);'.repeat(500))).toBe(true);
    const lines = Array.from({ length: 10 }, () => '.a{color:red}.b{margin:0;padding:0}'.repeat(20)).join('\n');
    expect(looksMinified(lines)).toBe(true);
    expect(looksMinified(JSON.stringify({ data: Array.from({ length: 500 }, (_, i) => ({ id: i, name: `item ${i}` })) }))).toBe(true);
  });
});

describe('decodeSource', () => {
  it('is the same pipeline for a buffer in memory', () => {
    expect(decodeSource(Buffer.from('a\r\nb'))).toEqual({ ok: true, text: 'a\nb', warnings: [] });
    expect(decodeSource(Buffer.from([0, 1, 2]))).toMatchObject({ ok: false, reason: 'binary' });
  });
});
