/**
 * `.dockerignore`: patterns of context paths a build never sees. Each line is a pattern
 * (`*` and `?` within one path component, `**` across any number of them, `[...]` a
 * character class); a leading `!` makes an exception. The last pattern matching a path
 * decides, and a pattern that matches a directory matches everything below it, as Docker's.
 */
import path from 'node:path';

interface Pattern {
  regex: RegExp;
  exclude: boolean;
}

/** Matches context-relative paths (`src/app.js`) against `.dockerignore` rules. */
export class IgnoreRules {
  private readonly patterns: Pattern[];

  constructor(text: string) {
    this.patterns = [];
    for (const raw of text.split('\n')) {
      let line = raw.trim();
      if (line === '' || line.startsWith('#')) continue;
      const exclude = !line.startsWith('!');
      if (!exclude) line = line.slice(1).trim();
      // Docker cleans each pattern: leading '/', './' and trailing '/' do not matter.
      const cleaned = path.posix.normalize(line).replace(/^\/+/, '').replace(/\/+$/, '');
      if (cleaned === '' || cleaned === '.') continue;
      this.patterns.push({ regex: toRegex(cleaned), exclude });
    }
  }

  /** Whether the path (relative to the context, '/'-separated) is left out of the build. */
  ignored(relPath: string): boolean {
    let ignored = false;
    const prefixes = parentsAndSelf(relPath);
    for (const p of this.patterns) {
      if (prefixes.some((prefix) => p.regex.test(prefix))) ignored = p.exclude;
    }
    return ignored;
  }

  /** Whether an exception pattern could re-include something below an ignored directory. */
  hasExceptions(): boolean {
    return this.patterns.some((p) => !p.exclude);
  }
}

function parentsAndSelf(relPath: string): string[] {
  const parts = relPath.split('/');
  return parts.map((_, i) => parts.slice(0, i + 1).join('/'));
}

function toRegex(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*' && pattern[i + 1] === '*') {
      // `**/` matches zero or more directories; a trailing `**` matches everything.
      i++;
      if (pattern[i + 1] === '/') {
        i++;
        re += '(?:.*/)?';
      } else re += '.*';
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const close = pattern.indexOf(']', i + 1);
      if (close < 0) re += '\\[';
      else {
        let cls = pattern.slice(i + 1, close).replace(/\\/g, '\\\\');
        if (cls.startsWith('!')) cls = `^${cls.slice(1)}`;
        re += `[${cls}]`;
        i = close;
      }
    } else if (c === '\\' && i + 1 < pattern.length) re += escapeRegex(pattern[++i]!);
    else re += escapeRegex(c);
  }
  return new RegExp(`^${re}$`);
}

function escapeRegex(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
