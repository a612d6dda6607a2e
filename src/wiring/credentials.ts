// Databricks credentials may be given per environment: DATABRICKS_TOKEN_PROD wins over
// DATABRICKS_TOKEN for `prod`. A scoped set replaces the whole unscoped set, so a PAT for dev
// cannot mix with OAuth for prod.

type Env = Readonly<Record<string, string | undefined>>;

const SCOPED_VARIABLES = ['DATABRICKS_AUTH_TYPE', 'DATABRICKS_TOKEN', 'DATABRICKS_CLIENT_ID', 'DATABRICKS_CLIENT_SECRET', 'DATABRICKS_TOKEN_AUDIENCE'] as const;

const suffixOf = (envName: string): string => `_${envName.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;

export const hasScopedCredentials = (env: Env, envName: string): boolean => SCOPED_VARIABLES.some((v) => !!env[v + suffixOf(envName)]);

export const environmentScopedEnv = (env: Env, envName: string): Env => {
  if (!hasScopedCredentials(env, envName)) return env;
  const scoped: Record<string, string | undefined> = { ...env };
  for (const v of SCOPED_VARIABLES) scoped[v] = env[v + suffixOf(envName)];
  return scoped;
};
