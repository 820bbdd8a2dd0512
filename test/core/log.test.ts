import { describe, expect, it } from 'vitest';
import { createLogger, pinoOf, redactText, silentLogger, type LogLevel } from '../../core/log.js';

/** A logger at `level` and the lines it wrote. */
function collecting(level: LogLevel) {
  const lines: string[] = [];
  return { log: createLogger(level, (l) => lines.push(l)), lines };
}

/** A line without its timestamp. */
const untimed = (line: string) => line.replace(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z /, '');

describe('createLogger', () => {
  it('writes one readable line per call at or above its level: ISO time, level, message, fields', () => {
    const { log, lines } = collecting('info');
    log.debug('not shown');
    log.info('indexed', { files: 3, path: 'src/a.ts' });
    log.warn('slow context', {});
    log.error('failed: %s stays as written');
    expect(lines).toHaveLength(3);
    expect(Date.parse(lines[0].split(' ')[0])).toBeGreaterThan(Date.now() - 60_000);
    expect(lines.map(untimed)).toEqual(['INFO indexed {"files":3,"path":"src/a.ts"}', 'WARN slow context', 'ERROR failed: %s stays as written']);
  });

  it('is silent at silent, and takes an unknown level as warn', () => {
    const quiet = collecting('silent');
    quiet.log.error('nothing');
    expect(quiet.lines).toEqual([]);
    const odd = collecting('loud' as LogLevel);
    odd.log.info('hidden');
    odd.log.warn('shown');
    expect(odd.lines.map(untimed)).toEqual(['WARN shown']);
  });

  it('censors credential fields and credentials quoted in a message', () => {
    const { log, lines } = collecting('debug');
    log.info('request from a client with Authorization: Bearer s3cr3t-token-value', {
      token: 'tok-123',
      headers: { authorization: 'Bearer tok-456', cookie: 'sid=tok-789', accept: 'json' },
      password: 'hunter2',
      model: 'qwen',
    });
    log.warn('download failed with HF token hf_abcdefghijklmnopqrstuvwxyz012345');
    for (const secret of ['s3cr3t-token-value', 'tok-123', 'tok-456', 'tok-789', 'hunter2', 'hf_abcdefghijklmnopqrstuvwxyz012345']) expect(lines.join('\n')).not.toContain(secret);
    expect(lines.map(untimed)).toEqual([
      'INFO request from a client with Authorization: Bearer [redacted] {"token":"[redacted]","headers":{"authorization":"[redacted]","cookie":"[redacted]","accept":"json"},"password":"[redacted]","model":"qwen"}',
      'WARN download failed with HF token [redacted]',
    ]);
    // What only looks like one stays.
    expect(redactText('hf_short, no bearer')).toBe('hf_short, no bearer');
  });

  it('keeps the Logger shape: its methods spread into a test double, and its pino logger is reachable', () => {
    const warnings: string[] = [];
    const { log, lines } = collecting('info');
    const double = { ...log, warn: (m: string) => warnings.push(m) };
    double.warn('caught');
    double.info('passed on');
    expect(warnings).toEqual(['caught']);
    pinoOf(log)!.child({ component: 'http' }).info({ token: 'tok-1', req: { method: 'GET', headers: { authorization: 'Bearer tok-2' } } }, 'from pino itself');
    expect(lines.map(untimed)).toEqual(['INFO passed on', 'INFO from pino itself {"component":"http","token":"[redacted]","req":{"method":"GET","headers":{"authorization":"[redacted]"}}}']);
    expect(pinoOf(silentLogger)).toBeUndefined();
    expect(() => silentLogger.error('dropped')).not.toThrow();
  });
});
