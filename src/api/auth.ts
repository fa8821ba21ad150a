// Bearer tokens, each granting one database role (and optionally admin). Tokens are compared
// as SHA-256 digests in constant time against every configured entry, so neither the result
// nor the time taken tells which entry was close. Entries may be stored as `sha256:<hex>`.
import type { Config, TokenGrant } from '../env';

interface TokenEntry {
  digest: Uint8Array;
  grant: TokenGrant;
}

const tables = new WeakMap<Config, Promise<TokenEntry[]>>();

async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
}

function fromHex(hex: string): Uint8Array | null {
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) return null;
  const bytes = new Uint8Array(32);
  for (let i = 0; i < 32; i++) bytes[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}

function tokenTable(config: Config): Promise<TokenEntry[]> {
  let table = tables.get(config);
  if (!table) {
    table = Promise.all(
      [...config.tokens].map(async ([token, grant]) => {
        const stored = token.startsWith('sha256:') ? fromHex(token.slice('sha256:'.length)) : null;
        return { digest: stored ?? (await sha256(token)), grant };
      }),
    );
    tables.set(config, table);
  }
  return table;
}

/** The grant of the presented bearer token, or null when it matches no configured token. */
export async function authenticate(config: Config, authorization: string | undefined): Promise<TokenGrant | null> {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (!match?.[1]) return null;
  const presented = await sha256(match[1]);
  let found: TokenGrant | null = null;
  for (const entry of await tokenTable(config)) {
    // No early exit: every entry is compared.
    if (crypto.subtle.timingSafeEqual(entry.digest, presented) && found === null) found = entry.grant;
  }
  return found;
}

/** Whether a grant may use the named database. */
export function mayUseDatabase(grant: TokenGrant, database: string): boolean {
  return grant.databases === undefined || grant.databases.includes(database);
}
