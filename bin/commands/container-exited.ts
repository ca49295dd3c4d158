/**
 * `container-exited ID`: not for users. conmon runs it when a container exits, so that the
 * exit is recorded and the restart policy applied at once, with no daemon running.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from '../cli/command.js';

export const containerExitedCommand: Command = {
  name: 'container-exited',
  usage: 'container-exited ID',
  summary: '(internal) record a container exit; run by conmon',
  async run(ctx, argv) {
    // The data dir may be gone by the time conmon calls back (the container was removed
    // with it); opening the engine would create it again.
    if (!fs.existsSync(path.join(ctx.dataDir, 'intermodal.db'))) return 0;
    const svc = ctx.containers();
    const record = svc.store.find(argv[0] ?? '');
    if (record) await svc.refresh(record);
    return 0;
  },
};
