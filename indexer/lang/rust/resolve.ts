/**
 * Which workspace files a Rust import means: `mod x;` beside its parent
 * module, `crate::`, `self::` and `super::` paths from the crate root or the
 * current module, workspace crates by name (`ctx.packages`); a `use` of
 * items names their module file, of submodules their own files.
 */
import { dirOf, firstExisting, join, one } from '../../file-index.js';
import type { ImportContext, ImportRef } from '../../import-ref.js';
import type { ImportResolver, ReexportRule } from '../language-support.js';

export const resolveRustImport: ImportResolver = ({ ref, specifier, from, ctx }) => resolveRust(ref, specifier, from, ctx);

/**
 * A `use` makes what it imports a member of the module that writes it (`pub use self::proxy::Proxy;`
 * in lib.rs: `crate::Proxy`, `reqwest::Proxy`); a private `use` does too for the module's
 * descendants (`super::Proxy`). The name is the path's last segment (or an alias's target's), or
 * any name for a wildcard.
 */
export const rustReexports: ReexportRule = (ref, name) => {
  if (ref.kind !== 'use') return false;
  const last = (p: string) => (p.includes('::') ? p.slice(p.lastIndexOf('::') + 2) : p);
  if (!ref.names.length) return last(ref.specifier) === name;
  return ref.names.some((n) => n === '*' || n.endsWith('::*') || last(n) === name);
};

/** Cargo's target folders beside a Cargo.toml: each file directly in one is a crate root of its own (`tests/gzip.rs`). */
const TARGET_DIRS = new Set(['tests', 'examples', 'benches']);

function isTargetDir(dir: string, files: ReadonlySet<string>): boolean {
  return TARGET_DIRS.has(dir.slice(dir.lastIndexOf('/') + 1)) && files.has(join(dirOf(dir), 'Cargo.toml') ?? '');
}

function rustModDir(from: string, files: ReadonlySet<string>): string {
  const base = from.slice(from.lastIndexOf('/') + 1);
  const dir = dirOf(from);
  if (base === 'mod.rs' || base === 'lib.rs' || base === 'main.rs' || dir.endsWith('/bin') || dir === 'bin' || base === 'build.rs' || isTargetDir(dir, files)) return dir;
  return join(dir, base.replace(/\.rs$/, '')) ?? dir;
}

function rustCrateRoot(from: string, files: ReadonlySet<string>): string {
  let dir = dirOf(from);
  for (let i = 0; i < 32; i++) {
    if (files.has(join(dir, 'lib.rs') ?? '') || files.has(join(dir, 'main.rs') ?? '') || dir.endsWith('/src') || dir === 'src') return dir;
    if (dir === '') break;
    dir = dirOf(dir);
  }
  return 'src';
}

function probeRustModule(baseDir: string, segs: string[], files: ReadonlySet<string>): string | null {
  const p = join(baseDir, segs.join('/'));
  if (!p) return null;
  return firstExisting(files, [`${p}.rs`, `${p}/mod.rs`]);
}

function resolveRust(ref: ImportRef, spec: string, from: string, ctx: ImportContext): string[] {
  const files = ctx.files;
  if (ref.kind === 'mod') return one(probeRustModule(rustModDir(from, files), [spec], files));
  const segs = spec.split('::').filter(Boolean);
  if (!segs.length) return [];
  let baseDir: string;
  let rootFiles: string[];
  const first = segs[0];
  if (first === 'crate') {
    baseDir = rustCrateRoot(from, files);
    segs.shift();
    rootFiles = [join(baseDir, 'lib.rs') ?? '', join(baseDir, 'main.rs') ?? ''];
  } else if (first === 'self' || first === 'super') {
    let dir = rustModDir(from, files);
    segs.shift();
    if (first === 'super') dir = dirOf(dir);
    while (segs[0] === 'super') {
      segs.shift();
      dir = dirOf(dir);
    }
    baseDir = dir;
    rootFiles = [join(baseDir, 'mod.rs') ?? '', `${baseDir}.rs`, join(baseDir, 'lib.rs') ?? '', join(baseDir, 'main.rs') ?? ''];
  } else if (probeRustModule(rustModDir(from, files), [first], files)) {
    // A module of this one, named bare (`mod support;` then `use support::server;`).
    baseDir = rustModDir(from, files);
    rootFiles = [];
  } else {
    const folder = ctx.packages?.get(first) ?? ctx.packages?.get(first.replace(/_/g, '-'));
    if (folder === undefined) return [];
    baseDir = join(folder, 'src') ?? 'src';
    segs.shift();
    rootFiles = [join(baseDir, 'lib.rs') ?? '', join(baseDir, 'main.rs') ?? ''];
  }
  const out: string[] = [];
  let needModule = ref.names.length === 0;
  for (const name of ref.names) {
    // `use m::*` is a use of m; `use m::{sub::*}` of m::sub
    const n = name.replace(/(?:^|::)\*$/, '');
    if (n === 'self' || n === '') {
      needModule = true;
      continue;
    }
    const sub = probeRustModule(baseDir, [...segs, ...n.split('::')], files);
    if (sub) out.push(sub);
    else needModule = true;
  }
  if (needModule) {
    let mod: string | null = null;
    for (let k = segs.length; k >= 1 && !mod; k--) mod = probeRustModule(baseDir, segs.slice(0, k), files);
    mod ??= firstExisting(files, rootFiles);
    if (mod && !out.includes(mod)) out.unshift(mod);
  }
  return out;
}
