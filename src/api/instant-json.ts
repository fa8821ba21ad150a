// Stored instants as the API shows them. PostgreSQL keeps instants JavaScript cannot hold
// (`infinity`, BC dates, years past 275760) and the driver hands them over as Invalid Date:
// written by SQL, or before the API and the triggers refused them. A response shows such an
// instant as null and names it in `unreadable_instants`, instead of failing the whole read.

/** Collects the keys of a response whose stored instant cannot be shown. */
export class InstantWriter {
  readonly unreadable: string[] = [];

  /** ISO 8601 UTC text of `value`, or null (noted under `key`) when it is no instant JavaScript holds. */
  iso(key: string, value: Date | string): string | null {
    const time = readableTime(value);
    if (time === null) {
      this.unreadable.push(key);
      return null;
    }
    return new Date(time).toISOString();
  }

  isoOrNull(key: string, value: Date | string | null): string | null {
    return value === null ? null : this.iso(key, value);
  }

  /** `{unreadable_instants}` to spread into the response, or nothing when every instant was shown. */
  marker(): { unreadable_instants?: string[] } {
    return this.unreadable.length === 0 ? {} : { unreadable_instants: this.unreadable };
  }
}

/** Milliseconds since the epoch of a stored instant, or null when JavaScript cannot hold it. */
export function readableTime(value: Date | string): number | null {
  const time = (value instanceof Date ? value : new Date(value)).getTime();
  return Number.isNaN(time) ? null : time;
}
