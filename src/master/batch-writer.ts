// Writes values in batches: everything added while a batch is being written goes into the
// next one, so a burst costs a few round trips in all while a lone value is written at once.

export class BatchWriter<T> {
  readonly #pending = new Map<number, { value: T; waiters: Array<() => void> }>();
  /** Told once nothing is pending for their key any more: its last value was written. */
  readonly #written = new Map<number, Array<() => void>>();
  readonly #write: (values: Array<[number, T]>) => Promise<void>;
  readonly #onError: (error: unknown, count: number) => void;
  readonly #maxBatch: number;
  #writing: Promise<void> | null = null;
  #again = false;

  /**
   * `write` stores one batch; when it throws, the batch stays pending (to be retried by
   * `flush()`) and `onError` is told.
   */
  constructor(options: {
    write: (values: Array<[number, T]>) => Promise<void>;
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

  get busy(): Promise<void> | null {
    return this.#writing;
  }

  /** Adds (or replaces) the value for `key`; resolves once it was written or left pending. */
  add(key: number, value: T): Promise<void> {
    return new Promise((resolve) => {
      const waiters = this.#pending.get(key)?.waiters ?? [];
      this.#pending.set(key, { value, waiters: [...waiters, resolve] });
      void this.flush();
    });
  }

  /** Resolves once nothing is pending for `key`: its last value was written (at once if none is). */
  whenWritten(key: number): Promise<void> {
    if (!this.#pending.has(key)) return Promise.resolve();
    return new Promise((resolve) => this.#written.set(key, [...(this.#written.get(key) ?? []), resolve]));
  }

  /** Writes what is pending; a call made while a batch is being written joins the next one. */
  flush(): Promise<void> {
    if (this.#writing) {
      this.#again = true;
      return this.#writing;
    }
    // Waiters of a batch that failed are told only once this write is over, so a flush() they
    // call starts a new attempt instead of joining the one that just gave up.
    const failedWaiters: Array<() => void> = [];
    this.#writing = (async () => {
      do {
        this.#again = false;
        const batch = [...this.#pending].slice(0, this.#maxBatch);
        if (batch.length === 0) break;
        try {
          await this.#write(batch.map(([key, { value }]) => [key, value]));
        } catch (e) {
          this.#onError(e, batch.length);
          for (const [, { waiters }] of batch) failedWaiters.push(...waiters.splice(0));
          break;
        }
        for (const [key, entry] of batch) {
          // A value replaced while its batch was written stays pending with the new value.
          if (this.#pending.get(key) === entry) {
            this.#pending.delete(key);
            for (const resolve of this.#written.get(key) ?? []) resolve();
            this.#written.delete(key);
          }
          for (const resolve of entry.waiters.splice(0)) resolve();
        }
        if (this.#pending.size > 0) this.#again = true;
      } while (this.#again);
    })().finally(() => {
      this.#writing = null;
      for (const resolve of failedWaiters) resolve();
    });
    return this.#writing;
  }
}
