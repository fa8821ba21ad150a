// Counts round trips a client makes to PostgreSQL by reading the frontend protocol stream:
// each simple Query ('Q') and each Sync ('S', the end of an extended-protocol batch) waits
// for the server's ReadyForQuery, so their number is the number of round trips.

export class RoundTripCounter {
  total = 0;
  readonly #pending = new Map<number, Buffer>();
  readonly #started = new Set<number>();

  /** Feeds a chunk the client `connection` sent. */
  feed(connection: number, chunk: Buffer): void {
    let buffer = Buffer.concat([this.#pending.get(connection) ?? Buffer.alloc(0), chunk]);
    if (!this.#started.has(connection)) {
      // The startup message (and an SSLRequest) has a length but no type byte.
      if (buffer.length < 4) return void this.#pending.set(connection, buffer);
      const length = buffer.readInt32BE(0);
      if (buffer.length < length) return void this.#pending.set(connection, buffer);
      const code = buffer.readInt32BE(4);
      buffer = buffer.subarray(length);
      if (code !== 80877103) this.#started.add(connection); // not an SSLRequest
    }
    while (buffer.length >= 5) {
      const length = buffer.readInt32BE(1);
      if (buffer.length < 1 + length) break;
      const type = String.fromCharCode(buffer[0]!);
      if (type === 'Q' || type === 'S') this.total++;
      buffer = buffer.subarray(1 + length);
    }
    this.#pending.set(connection, buffer);
  }
}
