/**
 * `container-exited ID`: not for users. conmon runs it when a container exits, so that the
 * exit is recorded and the restart policy applied at once, with no daemon running.
 */
import type { Command } from '../cli/command.js';

export const containerExitedCommand: Command = {
  name: 'container-exited',
  usage: 'container-exited ID',
  summary: '(internal) record a container exit; run by conmon',
  async run(ctx, argv) {
    const svc = ctx.containers();
    const record = svc.store.find(argv[0] ?? '');
    if (record) await svc.refresh(record);
    return 0;
  },
};
