// Bundles the compiled CLI into ES modules: a command then loads a few files instead of a
// hundred, which is most of a short command's start-up time. The bundle is split along
// dynamic imports, so each command's module loads only when it runs (see the command
// table in bin/intermodal.ts).
//
// CLI processes (conmon's exit callbacks among them) may start at any moment, also
// during a rebuild. Chunk names carry a content hash, so chunks are written first, each
// entry file last by an atomic rename, and only chunks no build of the last hour refers to
// are removed: a process that loaded the previous entry still finds its chunks.
import fs from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

const chunkDir = 'dist/cli-chunks';
const result = await build({
  entryPoints: { intermodal: 'dist/bin/intermodal.js' },
  outdir: 'dist',
  entryNames: '[name]',
  chunkNames: 'cli-chunks/[name]-[hash]',
  outExtension: { '.js': '.mjs' },
  splitting: true,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // The native module stays in node_modules; bundled CommonJS code still gets a require.
  external: ['better-sqlite3'],
  banner: { js: "import { createRequire as __intermodalRequire } from 'node:module'; const require = __intermodalRequire(import.meta.url);" },
  sourcemap: true,
  logLevel: 'error',
  write: false,
});

const isChunk = (file) => path.relative(chunkDir, file).split(path.sep)[0] !== '..';
const outputs = [...result.outputFiles].sort((a, b) => Number(isChunk(b.path)) - Number(isChunk(a.path)));
fs.mkdirSync(chunkDir, { recursive: true });
for (const file of outputs) {
  const temp = `${file.path}.${process.pid}.tmp`;
  // Entry files keep esbuild's executable bit: dist/intermodal.mjs is the package's bin.
  fs.writeFileSync(temp, file.contents, { mode: isChunk(file.path) || file.path.endsWith('.map') ? 0o644 : 0o755 });
  fs.renameSync(temp, file.path);
}
const current = new Set(outputs.map((f) => path.resolve(f.path)));
const hourAgo = Date.now() - 3600_000;
for (const name of fs.readdirSync(chunkDir)) {
  const file = path.resolve(chunkDir, name);
  if (!current.has(file) && fs.statSync(file).mtimeMs < hourAgo) fs.rmSync(file, { force: true });
}
