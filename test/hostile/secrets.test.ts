/**
 * Issue 6, part 4 (hostile input): secrets never reach the index, an answer
 * or a log. A workspace holds `.env` files, SSH keys, `*.pem`, credentials
 * and the like, each with a unique marker; it is indexed by a real Daemon
 * (a real Workspace and LanceDB store) that logs to a real log file at debug
 * level. Then every chunk row, the files table, the raw bytes under CVU_HOME,
 * /search, /context and the model routes' refusals are checked for the
 * markers. A control marker in ordinary code proves the scans can see.
 */
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFileLogger, type FileLogger } from '../../daemon/log-file.js';
import type { Workspace } from '../../workspace/workspace.js';
import { isSecretPath } from '../../indexer/ignore-rules.js';
import { setEnv } from '../helpers/env.js';
import { makeTempDir, removeDir, writeTree } from '../helpers/temp.js';
import type { RawAnswer } from '../helpers/http.js';
import { serveDaemon, type ServedDaemon } from '../helpers/served-daemon.js';
import { until } from '../helpers/wait.js';

const TOKEN = 'd'.repeat(64);
const CONTROL = 'zqxControlMarker7301';

/** Secret files and the marker each holds (identifier-shaped, so an index would tokenize them). */
const SECRET_FILES: Record<string, string> = {
  '.env': 'zqxSecretEnvMarker01',
  '.env.local': 'zqxSecretEnvLocal02',
  '.env.example': 'zqxSecretEnvExample03',
  'config/.env.production': 'zqxSecretEnvProd04',
  '.envrc': 'zqxSecretEnvrc05',
  id_rsa: 'zqxSecretIdRsa06',
  '.ssh/id_ed25519': 'zqxSecretEd25519x07',
  '.ssh/config': 'zqxSecretSshConfig08',
  'keys/server.pem': 'zqxSecretPem09',
  'keys/tls.key': 'zqxSecretTlsKey10',
  'certs/client.p12': 'zqxSecretP12x11',
  'credentials.json': 'zqxSecretCredJson12',
  'deploy/service-account-prod.json': 'zqxSecretSvcAcct13',
  'config/secrets.yaml': 'zqxSecretYaml14',
  '.npmrc': 'zqxSecretNpmrc15',
  '.netrc': 'zqxSecretNetrc16',
  '.git-credentials': 'zqxSecretGitCred17',
  '.aws/credentials': 'zqxSecretAws18',
  'infra/terraform.tfstate': 'zqxSecretTfstate19',
  'infra/terraform.tfstate.backup': 'zqxSecretTfBackup20',
  'tools/.env/settings.py': 'zqxSecretEnvDir21',
  'api/.pgpass': 'zqxSecretPgpass22',
};
const MARKERS = Object.values(SECRET_FILES);

function secretContent(rel: string, marker: string): string {
  if (rel.endsWith('.pem') || rel.endsWith('.key') || rel.includes('id_')) return `-----BEGIN OPENSSH PRIVATE KEY-----\n${marker}\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n`;
  if (rel.endsWith('.json') || rel.endsWith('tfstate') || rel.endsWith('.backup')) return JSON.stringify({ type: 'service_account', private_key: marker, token: `${marker}_token` }, null, 2) + '\n';
  if (rel.endsWith('.py')) return `API_KEY = "${marker}"\ndef ${marker}_fn():\n    return API_KEY\n`;
  return `API_TOKEN=${marker}\nexport DB_PASSWORD=${marker}\n${marker} = "${marker}"\n`;
}

type Answer = RawAnswer;

let home: string;
let root: string;
let served: ServedDaemon;
let logFile: FileLogger;
let ws: Workspace;
let restoreEnv: () => void;

function call(method: string, url: string, body?: unknown): Promise<Answer> {
  return served.call(method, url, { body });
}

/** The markers (any case) found in a text. */
function leaked(text: string): string[] {
  const lower = text.toLowerCase();
  return MARKERS.filter((m) => lower.includes(m.toLowerCase()));
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p));
    else if (e.isFile()) out.push(p);
  }
  return out;
}


beforeAll(async () => {
  home = makeTempDir('cvu-hostile-secrets-home-');
  root = makeTempDir('cvu-hostile-secrets-ws-');
  restoreEnv = setEnv({ CVU_HOME: home, CVU_EMBEDDING_MODEL: 'none', CVU_MODEL: undefined });
  const tree: Record<string, string> = {
    'src/app.ts': `import { loadEnv } from './env';\n\nexport const ${CONTROL} = 1;\n\nexport function readToken(): string {\n  return process.env.API_TOKEN ?? '';\n}\n`,
    'src/env.ts': `export function loadEnv(file = '.env'): Record<string, string> {\n  return {};\n}\n`,
    // Ignore files that try to bring secrets back in: secrets stay out whatever they say.
    '.gitignore': '!.env\n!*.pem\n!id_rsa\n',
    '.cvuignore': '!.env*\n!credentials.json\n!.ssh/\n',
  };
  for (const [rel, marker] of Object.entries(SECRET_FILES)) tree[rel] = secretContent(rel, marker);
  writeTree(root, tree);
  // A link inside the workspace, under an innocent name, to a secret file.
  fs.symlinkSync(path.join(root, '.env'), path.join(root, 'src', 'settings.ts'));
  fs.symlinkSync(path.join(root, 'keys'), path.join(root, 'src', 'keydir'));

  logFile = createFileLogger({ dir: path.join(home, 'logs'), level: 'debug' });
  served = await serveDaemon({ home, token: TOKEN, logger: logFile.logger });
  await served.register(root);
  ws = served.daemon.resolvePath('src/app.ts').ws;
}, 60_000);

afterAll(async () => {
  await served?.close();
  await logFile?.close();
  for (const d of [home, root]) if (d) removeDir(d);
  restoreEnv?.();
});

describe('secrets never reach the index, an answer or a log', () => {
  it('every secret file of the fixture is a secret by name', () => {
    for (const rel of Object.keys(SECRET_FILES)) expect(isSecretPath(rel), rel).toBe(true);
    expect(isSecretPath('src/app.ts')).toBe(false);
  });

  it('secret-looking names are secrets wherever they sit (property)', () => {
    const dir = fc.array(fc.stringOf(fc.constantFrom(...'abc-_0'.split('')), { minLength: 1, maxLength: 6 }), { maxLength: 3 });
    const name = fc.oneof(
      fc.constantFrom('.env', '.ENV', '.envrc', 'credentials.json', 'Credentials.JSON', '.npmrc', '.netrc', '.git-credentials', 'secrets.yml', 'secrets.json', '.pgpass'),
      fc.stringOf(fc.constantFrom(...'abcXY-_.0'.split('')), { maxLength: 8 }).map((s) => `.env.${s}`),
      fc.tuple(fc.constantFrom('id_rsa', 'id_dsa', 'id_ecdsa', 'id_ed25519'), fc.constantFrom('', '.pub', '_work', '.old')).map(([a, b]) => a + b),
      fc.tuple(fc.stringOf(fc.constantFrom(...'abc-_0'.split('')), { minLength: 1, maxLength: 8 }), fc.constantFrom('pem', 'key', 'p12', 'pfx', 'jks', 'PEM', 'Key', 'ppk', 'kdbx', 'tfstate')).map(([a, b]) => `${a}.${b}`),
    );
    const secretDir = fc.constantFrom('.ssh', '.aws', '.gnupg', '.env', '.SSH');
    fc.assert(
      fc.property(dir, name, (d, n) => {
        expect(isSecretPath([...d, n].join('/')), [...d, n].join('/')).toBe(true);
      }),
      { seed: 0x5ec, numRuns: 300 },
    );
    fc.assert(
      fc.property(dir, secretDir, dir, fc.stringOf(fc.constantFrom(...'abc.0'.split('')), { minLength: 1, maxLength: 8 }), (a, s, b, n) => {
        expect(isSecretPath([...a, s, ...b, n].join('/'))).toBe(true);
      }),
      { seed: 0x5ed, numRuns: 200 },
    );
  });

  it('the index holds no secret: chunk rows (text, fts, refs, symbols, headers) and the files table', async () => {
    const chunks = await ws.store.allChunks();
    expect(chunks.length).toBeGreaterThan(0);
    const all = chunks.map((c) => [c.path, c.text, c.fts, c.refs, c.symbol ?? '', c.header ?? '', c.container ?? ''].join('\n')).join('\n');
    // The control marker in ordinary code is there (in the text and, lower-cased, in the fts column): the scan can see.
    expect(all).toContain(CONTROL);
    expect(chunks.some((c) => c.fts.includes(CONTROL.toLowerCase()))).toBe(true);
    expect(leaked(all)).toEqual([]);
    for (const c of chunks) expect(isSecretPath(c.path), c.path).toBe(false);
    const paths = [...ws.store.files.keys()];
    expect(paths).toContain('src/app.ts');
    for (const p of paths) expect(isSecretPath(p), p).toBe(false);
    expect(paths).not.toContain('src/settings.ts');
  });

  it('no byte under CVU_HOME (LanceDB files, metadata) holds a secret marker', async () => {
    await ws.store.optimize(true);
    const files = filesUnder(home).filter((f) => !f.startsWith(path.join(home, 'logs')));
    expect(files.length).toBeGreaterThan(0);
    const hits: string[] = [];
    let controlSeen = false;
    for (const f of files) {
      const bytes = fs.readFileSync(f).toString('latin1');
      if (bytes.includes(CONTROL)) controlSeen = true;
      for (const m of leaked(bytes)) hits.push(`${path.relative(home, f)}: ${m}`);
    }
    expect(controlSeen, 'the control marker is stored uncompressed somewhere, so this scan means something').toBe(true);
    expect(hits).toEqual([]);
  });

  it('/search for the markers and for secret words answers no secret', async () => {
    const ctl = await call('POST', '/search', { root, query: CONTROL, limit: 50 });
    expect(ctl.status, ctl.text).toBe(200);
    expect(ctl.text).toContain(CONTROL);
    for (const q of [...MARKERS, 'API_TOKEN DB_PASSWORD', 'BEGIN OPENSSH PRIVATE KEY', 'private_key service_account token', 'aws credentials', 'password secret key']) {
      const r = await call('POST', '/search', { root, query: q, limit: 200 });
      expect(r.status, r.text).toBe(200);
      expect(leaked(r.text), q).toEqual([]);
      for (const s of r.body.results) expect(isSecretPath(s.path), s.path).toBe(false);
    }
  });

  it('/context answers no secret, from ordinary files or from the secret files themselves', async () => {
    const bodies: unknown[] = [
      { path: 'src/app.ts', position: { line: 5, character: 10 } },
      { path: 'src/app.ts', text: 'const t = process.env.API_TOKEN;\nconst k = readPrivateKey("id_rsa");\n', position: { line: 1, character: 20 } },
      { path: 'src/new.ts', text: 'loadEnv(".env")\n', position: { line: 0, character: 5 } },
    ];
    for (const rel of Object.keys(SECRET_FILES)) bodies.push({ path: rel, position: { line: 1, character: 0 } });
    bodies.push({ path: 'src/settings.ts', position: { line: 1, character: 0 } }, { path: 'src/keydir/server.pem', position: { line: 1, character: 0 } });
    for (const b of bodies) {
      const r = await call('POST', '/context', b);
      expect(r.status, r.text).toBeLessThan(500);
      expect(leaked(r.text), JSON.stringify(b)).toEqual([]);
    }
  });

  it('the model routes refuse a secret file (directly or through a link) before any model is involved', async () => {
    const targets = [...Object.keys(SECRET_FILES), 'src/settings.ts', 'src/keydir/server.pem', path.join(root, '.env')];
    for (const p of targets) {
      for (const [route, body] of [
        ['/complete', { path: p, position: { line: 0, character: 0 } }],
        ['/explain', { path: p, lines: { start: 1, end: 1 } }],
        ['/refactor', { path: p, lines: { start: 1, end: 1 }, instruction: 'x' }],
      ] as const) {
        const r = await call('POST', route, body);
        expect(r.status, `${route} ${p}: ${r.text}`).toBe(403);
        expect(r.body.error.code).toBe('CVU_ERR_FORBIDDEN');
        expect(leaked(r.text)).toEqual([]);
      }
    }
  });

  it('a secret changed and re-indexed by name is still kept out', async () => {
    fs.writeFileSync(path.join(root, '.env'), 'API_TOKEN=zqxSecretEnvMarker01 # rotated\n');
    fs.writeFileSync(path.join(root, 'keys', 'new.pem'), '-----BEGIN PRIVATE KEY-----\nzqxSecretPem09\n');
    await ws.update(['.env', 'keys/new.pem', 'id_rsa', 'src/settings.ts', 'src/keydir/new.pem']);
    const chunks = await ws.store.allChunks();
    expect(leaked(chunks.map((c) => `${c.text}\n${c.fts}`).join('\n'))).toEqual([]);
    for (const p of ws.store.files.keys()) expect(isSecretPath(p), p).toBe(false);
    expect([...ws.store.files.keys()]).not.toContain('src/settings.ts');
  });

  it('the daemon log file (debug level) holds no secret', async () => {
    // Credentials handed to the logger itself, as fields or quoted in a message, are censored.
    logFile.logger.warn(`a client sent Authorization: Bearer ${TOKEN} and HF_TOKEN=hf_zqxSecretHubToken23abcdefgh`, {
      token: TOKEN,
      headers: { authorization: `Bearer ${TOKEN}`, cookie: 'session=zqxSecretCookie24' },
      password: 'zqxSecretPassword25',
      path: 'src/app.ts',
    });
    // The log's writer thread writes it a moment later.
    await until(() => filesUnder(path.join(home, 'logs')).some((f) => fs.readFileSync(f, 'utf8').includes('a client sent')), 'the line in the log');
    // Make sure some requests and the index were logged at all.
    const logs = filesUnder(path.join(home, 'logs'));
    expect(logs.length).toBeGreaterThan(0);
    const text = logs.map((f) => fs.readFileSync(f, 'utf8')).join('\n');
    expect(text).toMatch(/POST \/search 200/);
    expect(text).toMatch(/POST \/complete 403/);
    expect(leaked(text)).toEqual([]);
    const censored = text.split('\n').find((l) => l.includes('a client sent'));
    expect(censored).toContain('"path":"src/app.ts"');
    expect(censored).toContain('Bearer [redacted]');
    for (const secret of [TOKEN, 'zqxSecretHubToken23', 'zqxSecretCookie24', 'zqxSecretPassword25']) expect(text).not.toContain(secret);
  });
});
