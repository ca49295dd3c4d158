/**
 * What a COPY or ADD copies: its sources, from the build context (minus `.dockerignore`)
 * or from another stage's root filesystem, listed as entries with their metadata, and a
 * content hash over all of them (names, types, modes, owners, bytes, link targets) that
 * the build cache keys on. Symlinks inside a source are copied as symlinks, never followed;
 * a source named directly is resolved within its root, so one pointing outside stays inside.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { InvalidArgumentError, NotFoundError } from '../errors.js';
import type { IgnoreRules } from './dockerignore.js';
import { escapesRoot, resolveInRoot } from './scoped-path.js';

/** One thing to copy. */
export interface CopyEntry {
  /** Host path to read from. */
  source: string;
  /** Path relative to the destination ('' is the destination itself). */
  target: string;
  kind: 'file' | 'directory' | 'symlink';
  mode: number;
  uid: number;
  gid: number;
  mtime: Date;
  linkTarget?: string;
}

/** Where sources come from. */
export interface SourceRoot {
  /** Host directory: the context, or a mounted stage. */
  dir: string;
  /** The context's ignore rules; none for a stage. */
  ignore?: IgnoreRules;
  /** What errors call the root: 'build context' or "stage 'builder'". */
  label: string;
}

/** The sources of one COPY, resolved. */
export interface CopySources {
  /** One group per source argument (after glob expansion): its entries. */
  groups: { name: string; isDirectory: boolean; entries: CopyEntry[] }[];
  /** sha256 over every entry. */
  hash: string;
}

/** Resolves and lists `sources` under `root`; throws naming a source that is missing, ignored or outside. */
export function collectSources(root: SourceRoot, sources: string[]): CopySources {
  const groups: CopySources['groups'] = [];
  for (const source of sources) {
    if (escapesRoot(source)) throw new InvalidArgumentError(`COPY failed: source '${source}' is outside the ${root.label}`);
    const rel = path.posix.normalize(source.replace(/^\/+/, '')).replace(/\/+$/, '');
    const names = /[*?[]/.test(rel) ? expandGlob(root, rel) : [rel === '.' ? '' : rel];
    if (names.length === 0) throw new NotFoundError(`COPY failed: no source files were specified by '${source}' in the ${root.label}`);
    for (const name of names) {
      if (name !== '' && root.ignore?.ignored(name)) throw new NotFoundError(`COPY failed: '${source}' is excluded by .dockerignore`);
      const host = resolveInRoot(root.dir, name);
      let stat: fs.Stats;
      try {
        stat = fs.lstatSync(host);
      } catch {
        throw new NotFoundError(`COPY failed: '${source}' not found in the ${root.label}`);
      }
      const relToRoot = path.relative(root.dir, host).split(path.sep).join('/');
      const entries: CopyEntry[] = [];
      if (stat.isDirectory()) walk(root, host, relToRoot, '', entries);
      else if (stat.isFile()) entries.push(entryOf(host, '', stat));
      else throw new InvalidArgumentError(`COPY failed: '${source}' is not a file or directory`);
      groups.push({ name: path.posix.basename(name) || '.', isDirectory: stat.isDirectory(), entries });
    }
  }
  return { groups, hash: hashGroups(groups) };
}

function walk(root: SourceRoot, hostDir: string, relToRoot: string, target: string, out: CopyEntry[]): void {
  out.push(entryOf(hostDir, target, fs.lstatSync(hostDir)));
  for (const name of fs.readdirSync(hostDir).sort()) {
    const childRel = relToRoot === '' ? name : `${relToRoot}/${name}`;
    // Docker still walks into an ignored directory when an exception may re-include a file below.
    const ignored = root.ignore?.ignored(childRel) ?? false;
    const host = path.join(hostDir, name);
    const stat = fs.lstatSync(host);
    const childTarget = target === '' ? name : `${target}/${name}`;
    if (stat.isDirectory()) {
      if (ignored && !root.ignore!.hasExceptions()) continue;
      const before = out.length;
      walk(root, host, childRel, childTarget, out);
      // An ignored directory kept only for its exceptions: drop it if nothing was re-included.
      if (ignored && out.length === before + 1) out.pop();
    } else if (!ignored && (stat.isFile() || stat.isSymbolicLink())) out.push(entryOf(host, childTarget, stat));
  }
}

function entryOf(host: string, target: string, stat: fs.Stats): CopyEntry {
  const kind = stat.isDirectory() ? 'directory' : stat.isSymbolicLink() ? 'symlink' : 'file';
  return {
    source: host, target, kind, mode: stat.mode & 0o7777, uid: stat.uid, gid: stat.gid, mtime: stat.mtime,
    ...(kind === 'symlink' && { linkTarget: fs.readlinkSync(host) }),
  };
}

function expandGlob(root: SourceRoot, pattern: string): string[] {
  const dir = path.posix.dirname(pattern);
  if (/[*?[]/.test(dir)) throw new InvalidArgumentError(`COPY source '${pattern}': wildcards are supported in the last path component only`);
  const base = new RegExp(`^${path.posix.basename(pattern).replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')}$`);
  const hostDir = resolveInRoot(root.dir, dir === '.' ? '' : dir);
  let names: string[];
  try {
    names = fs.readdirSync(hostDir).sort();
  } catch {
    return [];
  }
  return names.filter((n) => base.test(n)).map((n) => (dir === '.' ? n : `${dir}/${n}`)).filter((n) => !root.ignore?.ignored(n));
}

function hashGroups(groups: CopySources['groups']): string {
  const hash = crypto.createHash('sha256');
  for (const group of groups) {
    hash.update(`group ${group.name} ${group.isDirectory}\n`);
    for (const e of group.entries) {
      hash.update(`${e.kind} ${JSON.stringify(e.target)} ${e.mode.toString(8)} ${e.uid}:${e.gid} ${e.linkTarget ?? ''}\n`);
      if (e.kind === 'file') hash.update(fs.readFileSync(e.source));
    }
  }
  return `sha256:${hash.digest('hex')}`;
}
