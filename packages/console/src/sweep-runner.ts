import type { GdprMail, RetentionPlan, SweepReport } from '@gdpr-mail/core';

/** One background job of the console, as its page shows it. */
export interface BackgroundRun<T> {
  startedAt: Date;
  /** Counts so far (a sweep's), then the result once `done`. */
  result: T | undefined;
  done: boolean;
  /** A stable code when it stopped on an error. */
  failed?: string;
}

/**
 * One job of a kind at a time per console, run outside the request that starts it: a
 * sweep or a plan over a million subjects outlives any HTTP timeout, so the page starts
 * it and shows its progress instead of waiting. State is this process's only: an app
 * with several processes shows it on the one that runs the job.
 */
export interface BackgroundRunner<T> {
  current(): BackgroundRun<T> | undefined;
  /** Starts a run unless one is going; returns the run, started or already going. */
  start(): BackgroundRun<T>;
  /** Whether a run is going. */
  running(): boolean;
  /** Forgets a finished run (its result is out of date). */
  clear(): void;
  /** Resolves when the current run ends, or after `ms`, whichever comes first. */
  settled(ms: number): Promise<void>;
}

function errorCode(error: unknown): string {
  return typeof error === 'object' && error !== null && 'code' in error
    ? String((error as { code: unknown }).code)
    : 'FAILED';
}

export function createBackgroundRunner<T>(
  job: (progress: (partial: T) => void) => Promise<T>,
  now: () => Date,
): BackgroundRunner<T> {
  let run: BackgroundRun<T> | undefined;
  let ended: Promise<void> = Promise.resolve();
  return {
    current: () => run,
    running: () => run !== undefined && !run.done,
    clear() {
      if (run?.done) run = undefined;
    },
    start() {
      if (run && !run.done) return run;
      const started: BackgroundRun<T> = { startedAt: now(), result: undefined, done: false };
      run = started;
      ended = job((partial) => {
        started.result = partial;
      }).then(
        (result) => {
          started.result = result;
          started.done = true;
        },
        (error: unknown) => {
          started.failed = errorCode(error);
          started.done = true;
        },
      );
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

export type SweepRunner = BackgroundRunner<SweepReport>;
export type PlanRunner = BackgroundRunner<RetentionPlan>;

export function createSweepRunner(gdpr: GdprMail, now: () => Date): SweepRunner {
  return createBackgroundRunner((progress) => gdpr.retention.sweep({ onProgress: progress }), now);
}

export function createPlanRunner(gdpr: GdprMail, now: () => Date): PlanRunner {
  return createBackgroundRunner(() => gdpr.retention.plan({ samples: 0 }), now);
}
