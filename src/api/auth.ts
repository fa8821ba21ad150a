// Bearer tokens, each granting one database role (and optionally admin). Tokens are compared
// as SHA-256 digests in constant time against every configured entry, so neither the result
// nor the time taken tells which entry was close. Entries may be stored as `sha256:<hex>`
// (src/env.ts has refused any `sha256:` entry that is not 64 hex digits).
import type { TokenGrant } from '../env';

interface TokenEntry {
  digest: Uint8Array;
  grant: TokenGrant;
}

type Tokens = ReadonlyMap<string, TokenGrant>;

const tables = new WeakMap<Tokens, Promise<TokenEntry[]>>();

async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
}

function fromHex(hex: string): Uint8Array {
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw new Error('a sha256: token entry that is not 64 hex digits got past the configuration check');
  const bytes = new Uint8Array(32);
  for (let i = 0; i < 32; i++) bytes[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}

function tokenTable(tokens: Tokens): Promise<TokenEntry[]> {
  let table = tables.get(tokens);
  if (!table) {
    table = Promise.all(
      [...tokens].map(async ([token, grant]) => ({
        digest: token.startsWith('sha256:') ? fromHex(token.slice('sha256:'.length)) : await sha256(token),
        grant,
      })),
    );
    tables.set(tokens, table);
  }
  return table;
}

/** The grant of the presented bearer token, or null when it matches no configured token. */
export async function authenticate(tokens: Tokens, authorization: string | undefined): Promise<TokenGrant | null> {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (!match?.[1]) return null;
  const presented = await sha256(match[1]);
  let found: TokenGrant | null = null;
  for (const entry of await tokenTable(tokens)) {
    // No early exit: every entry is compared.
    if (crypto.subtle.timingSafeEqual(entry.digest, presented) && found === null) found = entry.grant;
  }
  return found;
}

/** Whether a grant may use the named database. */
export function mayUseDatabase(grant: TokenGrant, database: string): boolean {
  return grant.databases === undefined || grant.databases.includes(database);
}
