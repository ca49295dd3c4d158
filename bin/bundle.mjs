// Bundles the compiled CLI into one ES module: a command then loads one file instead of
// a hundred, which is most of a short command's start-up time.
import { build } from 'esbuild';

await build({
  entryPoints: ['dist/bin/intermodal.js'],
  outfile: 'dist/intermodal.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // The native module stays in node_modules; bundled CommonJS code still gets a require.
  external: ['better-sqlite3'],
  banner: { js: "import { createRequire as __intermodalRequire } from 'node:module'; const require = __intermodalRequire(import.meta.url);" },
  sourcemap: true,
  logLevel: 'error',
});
