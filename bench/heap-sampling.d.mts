/** See heap-sampling.mjs. */
export declare function startHeapSampling(name: string): Promise<() => Promise<void>>;
