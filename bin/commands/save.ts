/** `intermodal save`: writes images as a docker-archive or an OCI layout. */
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { DirectorySink, TarSink } from '../../engine/images/archive/layout-sink.js';
import { type SaveItem, saveDockerArchive } from '../../engine/images/archive/save-docker-archive.js';
import { saveOciLayout } from '../../engine/images/archive/save-oci-layout.js';
import { formatReference, parseReference } from '../../engine/images/reference.js';
import { type Command, UsageError } from '../cli/command.js';

export const saveCommand: Command = {
  name: 'save',
  usage: 'save -o FILE|DIR [--format docker|oci] IMAGE...',
  summary: 'Save images as a docker-archive (docker load, skopeo) or an OCI layout (skopeo, umoci)',
  async run(ctx, argv) {
    const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { output: { type: 'string', short: 'o' }, format: { type: 'string', default: 'docker' } } });
    if (positionals.length === 0) throw new UsageError('save needs at least one IMAGE');
    if (values.format !== 'docker' && values.format !== 'oci') throw new UsageError(`--format must be docker or oci, not '${values.format}'`);
    const engine = ctx.engine();
    const items: SaveItem[] = positionals.map((name) => {
      const image = engine.images.resolve(name);
      // Saved under the name asked for; by ID it keeps all its names, as docker save does.
      const asked = image.refs.find((r) => r === safeRef(name));
      return { image, refs: asked !== undefined ? [asked] : image.refs };
    });
    const output = values.output;
    if (output === undefined && process.stdout.isTTY) throw new UsageError('refusing to write an archive to a terminal; use -o FILE');
    if (values.format === 'oci' && output !== undefined && isDirectory(output)) {
      await saveOciLayout(engine, items, new DirectorySink(output));
      return 0;
    }
    const tmp = output !== undefined ? `${output}.tmp-${process.pid}` : undefined;
    const out = tmp !== undefined ? fs.createWriteStream(tmp) : process.stdout;
    try {
      if (values.format === 'oci') await saveOciLayout(engine, items, new TarSink(out));
      else await saveDockerArchive(engine, items, out);
      // Renamed only when whole: a failed save leaves no partial archive under the name.
      if (tmp !== undefined) fs.renameSync(tmp, output!);
    } finally {
      if (tmp !== undefined) fs.rmSync(tmp, { force: true });
    }
    return 0;
  },
};

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function safeRef(text: string): string | undefined {
  try {
    return formatReference(parseReference(text));
  } catch {
    return undefined;
  }
}
