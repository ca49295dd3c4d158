/**
 * One run at a time of work that reads the current state when it starts: a caller waits for
 * the run queued behind the one under way, and callers arriving while it is still queued
 * share it, since it will see their changes too.
 */
export class CoalescedRun {
  private chain: Promise<void> = Promise.resolve();
  private queued?: Promise<void>;

  constructor(private readonly work: () => Promise<void>) {}

  /** Resolves once a run that started after this call has finished. */
  request(): Promise<void> {
    if (this.queued) return this.queued;
    const run = this.chain.then(() => {
      this.queued = undefined;
      return this.work();
    });
    this.queued = run;
    this.chain = run.catch(() => undefined);
    return run;
  }
}
