/** `intermodal import`: makes a one-layer image from a rootfs tarball, as `docker import`. */
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { importRootfs } from '../../engine/images/import-rootfs.js';
import { type Command, UsageError } from '../cli/command.js';

export const importCommand: Command = {
  name: 'import',
  usage: "import [-c 'CMD [\"sh\"]']... [-m MESSAGE] [--allow-devices] FILE|- [NAME[:TAG]]",
  summary: 'Create an image from a root filesystem tarball (plain, gzip or zstd)',
  async run(ctx, argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { change: { type: 'string', short: 'c', multiple: true }, message: { type: 'string', short: 'm' }, 'allow-devices': { type: 'boolean' } },
    });
    const [file, ref] = positionals;
    if (file === undefined || positionals.length > 2) throw new UsageError('import needs FILE (or - for stdin) and an optional NAME[:TAG]');
    const source = file === '-' ? process.stdin : fs.createReadStream(file, { highWaterMark: 1024 * 1024 });
    const image = await importRootfs(ctx.engine(), source, {
      ...(ref !== undefined && { ref }),
      changes: values.change ?? [],
      ...(values.message !== undefined && { message: values.message }),
      allowDevices: values['allow-devices'] ?? false,
    });
    ctx.out.write(`${image.id}\n`);
    return 0;
  },
};
