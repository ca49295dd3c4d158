/** `intermodal info`: the host checks and the store's contents on one screen. */
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { checkHost } from '../../engine/host/host-check.js';
import { imageUsage } from '../../engine/images/image-usage.js';
import type { Command } from '../cli/command.js';
import { humanSize, json } from '../cli/format.js';

export const infoCommand: Command = {
  name: 'info',
  usage: 'info [--format table|json]',
  summary: 'Check the host (root, overlayfs, cgroups, runc, conmon) and show the store',
  async run(ctx, argv) {
    const { values } = parseArgs({ args: argv, options: { format: { type: 'string', default: 'table' } } });
    fs.mkdirSync(ctx.dataDir, { recursive: true, mode: 0o711 });
    const checks = checkHost(ctx.dataDir);
    const ready = checks.every((c) => c.ok || !c.required);
    const usage = ready ? imageUsage(ctx.engine()) : undefined;
    if (values.format === 'json') {
      ctx.out.write(json({ ready, dataDir: ctx.dataDir, checks, images: usage?.images.length ?? null, layers: usage?.layerCount ?? null, layersSize: usage?.totalLayerBytes ?? null }));
      return ready ? 0 : 1;
    }
    ctx.out.write('Intermodal engine\n');
    for (const check of checks) {
      const mark = check.ok ? 'ok  ' : check.required ? 'FAIL' : 'n/a ';
      ctx.out.write(` ${mark} ${check.name.padEnd(10)} ${check.detail}\n`);
    }
    ctx.out.write(`\n Data dir:  ${ctx.dataDir}\n`);
    if (usage) ctx.out.write(` Images:    ${usage.images.length} (${usage.layerCount} layers, ${humanSize(usage.totalLayerBytes)} unpacked)\n`);
    ctx.out.write(ready ? '\nengine ready\n' : '\nengine NOT ready: fix the FAIL lines above (npm run up installs what is missing)\n');
    return ready ? 0 : 1;
  },
};
