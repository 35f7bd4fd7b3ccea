import type { GdprMail, SweepReport } from '@gdpr-mail/core';

/** The state of the console's retention sweep, as the progress page shows it. */
export interface SweepRun {
  startedAt: Date;
  /** The actor the authorize hook returned for the person who started it. */
  actor: string;
  /** Counts so far; the final report once `done`. */
  report: SweepReport | undefined;
  done: boolean;
  /** A stable code when the sweep stopped on an error (the pages already swept stay swept). */
  failed?: string;
}

/**
 * One sweep at a time per console, run outside the request that starts it: a sweep of a
 * million subjects outlives any HTTP timeout, so the page that starts it redirects to a
 * progress page instead of waiting. State is this process's only: an app with several
 * processes shows the progress on the one that runs the sweep.
 */
export interface SweepRunner {
  current(): SweepRun | undefined;
  /** Starts a sweep unless one is running; returns the run, started or already going. */
  start(actor: string): SweepRun;
  /** Resolves when the current sweep ends, or after `ms`, whichever comes first. */
  settled(ms: number): Promise<void>;
}

export function createSweepRunner(gdpr: GdprMail, now: () => Date): SweepRunner {
  let run: SweepRun | undefined;
  let ended: Promise<void> = Promise.resolve();
  return {
    current: () => run,
    start(actor) {
      if (run && !run.done) return run;
      const started: SweepRun = { startedAt: now(), actor, report: undefined, done: false };
      run = started;
      ended = gdpr.retention
        .sweep({
          onProgress: (report) => {
            started.report = report;
          },
        })
        .then(
          (report) => {
            started.report = report;
          },
          (error: unknown) => {
            started.failed =
              typeof error === 'object' && error !== null && 'code' in error
                ? String((error as { code: unknown }).code)
                : 'SWEEP_FAILED';
          },
        )
        .then(() => {
          started.done = true;
        });
      return started;
    },
    async settled(ms) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        ended,
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, ms);
        }),
      ]);
      clearTimeout(timer);
    },
  };
}
