// Writes values in batches: everything added while a batch is being written goes into the
// next one, so a burst costs a few round trips in all while a lone value is written at once.
// A write may defer some values (their rows are locked by someone else): they stay pending,
// and are tried again by the next flush() called from outside, never in a loop of their own.

export class BatchWriter<T> {
  readonly #pending = new Map<number, { value: T; waiters: Array<() => void> }>();
  /** Told once nothing is pending for their key any more: its last value was written. */
  readonly #written = new Map<number, Array<() => void>>();
  readonly #write: (values: Array<[number, T]>) => Promise<readonly number[] | void>;
  readonly #onError: (error: unknown, count: number) => void;
  readonly #maxBatch: number;
  #writing: Promise<void> | null = null;
  #again = false;
  /** Keys the last write deferred: left out until flush() is called again. */
  readonly #deferred = new Set<number>();

  /**
   * `write` stores one batch and returns the keys it could not store yet (deferred); when it
   * throws, the batch stays pending (to be retried by `flush()`) and `onError` is told.
   */
  constructor(options: {
    write: (values: Array<[number, T]>) => Promise<readonly number[] | void>;
    onError: (error: unknown, count: number) => void;
    maxBatch: number;
  }) {
    this.#write = options.write;
    this.#onError = options.onError;
    this.#maxBatch = options.maxBatch;
  }

  get size(): number {
    return this.#pending.size;
  }

  /** Whether a value for `key` waits to be written (or was deferred). */
  has(key: number): boolean {
    return this.#pending.has(key);
  }

  get busy(): Promise<void> | null {
    return this.#writing;
  }

  /** Adds (or replaces) the value for `key`; resolves once it was written or left pending. */
  add(key: number, value: T): Promise<void> {
    return new Promise((resolve) => {
      const waiters = this.#pending.get(key)?.waiters ?? [];
      this.#pending.set(key, { value, waiters: [...waiters, resolve] });
      this.#deferred.delete(key);
      void this.#flush();
    });
  }

  /** Resolves once nothing is pending for `key`: its last value was written (at once if none is). */
  whenWritten(key: number): Promise<void> {
    if (!this.#pending.has(key)) return Promise.resolve();
    return new Promise((resolve) => this.#written.set(key, [...(this.#written.get(key) ?? []), resolve]));
  }

  /**
   * Writes what is pending, deferred values included; a call made while a batch is being
   * written joins the next one.
   */
  flush(): Promise<void> {
    this.#deferred.clear();
    return this.#flush();
  }

  #flush(): Promise<void> {
    if (this.#writing) {
      this.#again = true;
      // Done once the pass that takes this call up is: the current one, or the one its end
      // starts (a call that came after its last look at what is pending).
      return this.#writing.then(() => this.#writing ?? undefined);
    }
    // Waiters of a batch that failed are told only once this write is over, so a flush() they
    // call starts a new attempt instead of joining the one that just gave up.
    const failedWaiters: Array<() => void> = [];
    let failed = false;
    this.#writing = (async () => {
      do {
        this.#again = false;
        const batch = [...this.#pending].filter(([key]) => !this.#deferred.has(key)).slice(0, this.#maxBatch);
        if (batch.length === 0) break;
        let deferred: ReadonlySet<number>;
        try {
          deferred = new Set((await this.#write(batch.map(([key, { value }]) => [key, value]))) ?? []);
        } catch (e) {
          this.#onError(e, batch.length);
          for (const [, { waiters }] of batch) failedWaiters.push(...waiters.splice(0));
          failed = true;
          break;
        }
        for (const [key, entry] of batch) {
          // A value replaced while its batch was written stays pending with the new value.
          const current = this.#pending.get(key) === entry;
          if (current && deferred.has(key)) this.#deferred.add(key);
          else if (current) {
            this.#pending.delete(key);
            for (const resolve of this.#written.get(key) ?? []) resolve();
            this.#written.delete(key);
          }
          for (const resolve of entry.waiters.splice(0)) resolve();
        }
        if (this.#pending.size > this.#deferred.size) this.#again = true;
      } while (this.#again);
    })().finally(() => {
      this.#writing = null;
      for (const resolve of failedWaiters) resolve();
      if (this.#again && !failed) void this.#flush();
    });
    return this.#writing;
  }
}
