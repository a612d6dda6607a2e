// Which environment variables hold credentials. Used to refuse them in `${VAR}` config
// substitution and to register their values as secrets (masked, redacted) at start-up.

/**
 * Name fragments that mark a credential: tokens, secrets, passwords, keys, and the runner's own
 * ACTIONS_* variables. Not `AUTH` alone: DATABRICKS_AUTH_TYPE or COMMENT_AUTHOR hold no secret.
 */
const CREDENTIAL = /(TOKEN|SECRET|PASSWORD|PASSWD|PASSPHRASE|PRIVATE_?KEY|CREDENTIAL|API_?KEY|ACCESS_?KEY|SIGNING_?KEY|AUTHORIZATION|COOKIE|JWT|BEARER)/i;

export const isCredentialVariable = (name: string): boolean => CREDENTIAL.test(name) || /^ACTIONS_/i.test(name);
