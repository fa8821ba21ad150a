// Counts round trips a client makes to PostgreSQL by reading the frontend protocol stream.
// Every message the client must wait on counts: a new connection (its WebSocket and TCP
// handshakes), the startup message and an SSLRequest (the server answers each), each password
// or SASL message of the authentication exchange ('p'), each simple Query ('Q') and each Sync
// ('S', the end of an extended-protocol batch). Queries are what a tick makes; the rest is what
// a connection costs when it is (re)opened, which a database that suspends makes often.

export class RoundTripCounter {
  /** Every round trip, connections and authentication included. */
  total = 0;
  /** Connections opened (each also counted in `total`, with its startup and authentication). */
  connections = 0;
  readonly #pending = new Map<number, Buffer>();
  readonly #started = new Set<number>();
  readonly #seen = new Set<number>();

  /** Feeds a chunk the client `connection` sent. */
  feed(connection: number, chunk: Buffer): void {
    if (!this.#seen.has(connection)) {
      this.#seen.add(connection);
      this.connections++;
      this.total++;
    }
    let buffer = Buffer.concat([this.#pending.get(connection) ?? Buffer.alloc(0), chunk]);
    while (!this.#started.has(connection)) {
      // The startup message (and an SSLRequest) has a length but no type byte.
      if (buffer.length < 8) return void this.#pending.set(connection, buffer);
      const length = buffer.readInt32BE(0);
      if (buffer.length < length) return void this.#pending.set(connection, buffer);
      const code = buffer.readInt32BE(4);
      buffer = buffer.subarray(length);
      this.total++;
      if (code !== 80877103) this.#started.add(connection); // not an SSLRequest
    }
    while (buffer.length >= 5) {
      const length = buffer.readInt32BE(1);
      if (buffer.length < 1 + length) break;
      const type = String.fromCharCode(buffer[0]!);
      if (type === 'Q' || type === 'S' || type === 'p') this.total++;
      buffer = buffer.subarray(1 + length);
    }
    this.#pending.set(connection, buffer);
  }
}
