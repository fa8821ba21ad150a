// Job roles that log in as themselves in the integration tests (EDGECRON_JOB_LOGINS). erin's
// password is the one configured; frank's configured password is wrong on purpose.
export const LOGIN_ROLE = 'erin';
export const BAD_LOGIN_ROLE = 'frank';

const ERIN_PASSWORD = 'erin-test-password-5c1e';

export const TEST_JOB_LOGINS = { main: { [LOGIN_ROLE]: ERIN_PASSWORD, [BAD_LOGIN_ROLE]: 'not-franks-password' } };

/** SQL that creates the login roles (run once by the global setup, as the superuser). */
export const CREATE_LOGIN_ROLES = `
  CREATE ROLE ${LOGIN_ROLE} LOGIN PASSWORD '${ERIN_PASSWORD}';
  CREATE ROLE ${BAD_LOGIN_ROLE} LOGIN PASSWORD 'franks-real-password-9d2a';
  SELECT edgecron.grant_user('${LOGIN_ROLE}'), edgecron.grant_user('${BAD_LOGIN_ROLE}');`;
