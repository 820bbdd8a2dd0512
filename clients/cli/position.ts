import { CvuError } from '../../core/errors.js';

/**
 * A location on the command line, 1-based as compilers print them:
 * `path`, `path:line`, `path:line:col`, `path:start-end`, and tsc's
 * `path(line,col)`. Parsed from the right, so Windows drive letters
 * (`C:\src\a.ts:3:7`) and colons inside paths stay part of the path; a
 * trailing `:` (as in `a.ts:3:7: error …`) is ignored.
 */
export type CliLocation =
  | { kind: 'file'; path: string }
  | { kind: 'position'; path: string; line: number; column: number | null }
  | { kind: 'range'; path: string; startLine: number; endLine: number };

export interface ParseLocationOptions {
  /** When the whole spec names an existing file (`notes:12`), it is a path, not a position. */
  exists?: (path: string) => boolean;
}

function usage(message: string): CvuError {
  return new CvuError('CVU_ERR_USAGE', message, { status: 400 });
}

function toInt(s: string, what: string, spec: string): number {
  const n = Number(s);
  if (!Number.isSafeInteger(n) || n < 1) throw usage(`${spec}: ${what} must be a positive integer (1-based), got ${s}`);
  return n;
}

export function parseLocation(input: string, opts: ParseLocationOptions = {}): CliLocation {
  let spec = input.trim();
  if (!spec) throw usage('a location is required (PATH:LINE:COL)');
  if (opts.exists?.(spec)) return { kind: 'file', path: spec };
  if (spec.endsWith(':') && spec.length > 1 && !/^[A-Za-z]:$/.test(spec)) spec = spec.slice(0, -1);

  let m = /^(.+)\((\d+)(?:,(\d+))?\)$/.exec(spec);
  if (m) {
    const [, path, line, col] = m;
    return { kind: 'position', path, line: toInt(line, 'line', input), column: col !== undefined ? toInt(col, 'column', input) : null };
  }
  m = /^(.+):(\d+)-(\d+)$/.exec(spec);
  if (m) {
    const [, path, start, end] = m;
    const startLine = toInt(start, 'start line', input);
    const endLine = toInt(end, 'end line', input);
    if (endLine < startLine) throw usage(`${input}: the range ends (${endLine}) before it starts (${startLine})`);
    return { kind: 'range', path, startLine, endLine };
  }
  m = /^(.+):(\d+):(\d+)$/.exec(spec);
  if (m && !isDriveOnly(m[1])) {
    const [, path, line, col] = m;
    return { kind: 'position', path, line: toInt(line, 'line', input), column: toInt(col, 'column', input) };
  }
  m = /^(.+):(\d+)$/.exec(spec);
  if (m && !isDriveOnly(m[1])) {
    const [, path, line] = m;
    return { kind: 'position', path, line: toInt(line, 'line', input), column: null };
  }
  return { kind: 'file', path: spec };
}

/** `C` in `C:5`: a bare drive letter is not a path worth a position. */
function isDriveOnly(path: string): boolean {
  return /^[A-Za-z]$/.test(path);
}

/** `path:line[:col]` → the API's 0-based position (column absent: the line start). */
export function toApiPosition(loc: Extract<CliLocation, { kind: 'position' }>): { line: number; character: number } {
  return { line: loc.line - 1, character: (loc.column ?? 1) - 1 };
}

/** Parses a location that must be a position (`cvu context`, `cvu complete`). */
export function parsePosition(input: string, opts: ParseLocationOptions = {}): Extract<CliLocation, { kind: 'position' }> {
  const loc = parseLocation(input, opts);
  if (loc.kind !== 'position') throw usage(`${input}: expected PATH:LINE[:COL] (1-based)`);
  return loc;
}
