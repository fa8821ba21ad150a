// API tokens the integration tests configure as EDGECRON_TOKENS.
export const ADMIN_TOKEN = 'test-admin-token-0123456789';
export const ALICE_TOKEN = 'test-alice-token-0123456789';
export const BOB_TOKEN = 'test-bob-token-0123456789';

export const TEST_TOKENS = {
  [ADMIN_TOKEN]: { role: 'postgres', admin: true },
  [ALICE_TOKEN]: { role: 'alice', admin: false },
  [BOB_TOKEN]: { role: 'bob', admin: false },
};
