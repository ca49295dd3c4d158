// Builds the native addon when it is missing or older than any of its sources, so a tree
// that gains a native call (git pull) gets it without a manual `npm run build:native`.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
const addon = path.join(root, 'build', 'Release', 'intermodal_sys.node');
const sources = [path.join(root, 'binding.gyp'), ...fs.readdirSync(path.join(root, 'engine', 'sys', 'native')).map((f) => path.join(root, 'engine', 'sys', 'native', f))];
const outputs = [addon, path.join(root, 'build', 'Release', 'intermodal-nft-netns')];
const built = Math.min(...outputs.map((f) => (fs.existsSync(f) ? fs.statSync(f).mtimeMs : 0)));
if (sources.some((f) => fs.statSync(f).mtimeMs > built)) {
  execFileSync('node-gyp', ['rebuild'], { cwd: root, stdio: 'inherit' });
}
