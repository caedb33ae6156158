/** Credentials of the AWS SDK's environment provider. */
const AWS_CREDENTIALS = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'] as const;

export type PlatformService = 'gateway' | 'agent-worker' | 'mcp-pool' | 'web';

/**
 * The platform's secrets and which services read them. A service started by the platform's own
 * launchers (npm start, compose, the chart) gets only its own, and loadConfig drops the others
 * from `.env`, so a process that is broken into (or a child that reads its /proc/<pid>/environ)
 * holds nothing it does not use. The pool reads AWS credentials only for a DynamoDB config store.
 */
export const PLATFORM_SECRETS: Readonly<Record<string, (service: PlatformService, env: Readonly<Record<string, string | undefined>>) => boolean>> = {
  API_KEY: (service) => service === 'gateway',
  COMPATIBLE_API_KEY: (service) => service === 'agent-worker',
  SECRETS_KEY: (service) => service === 'gateway' || service === 'mcp-pool',
  INTERNAL_API_KEY: (service) => service !== 'web',
  ...Object.fromEntries(
    AWS_CREDENTIALS.map((name) => [
      name,
      (service: PlatformService, env: Readonly<Record<string, string | undefined>>) =>
        service === 'gateway' || service === 'agent-worker' || (service === 'mcp-pool' && Boolean(env.ddb_table || env.DDB_TABLE)),
    ]),
  ),
};

/** The names of platform secrets `service` must not be given, for this environment. */
export function secretsWithheldFrom(service: PlatformService, env: Readonly<Record<string, string | undefined>>): string[] {
  return Object.entries(PLATFORM_SECRETS)
    .filter(([, usedBy]) => !usedBy(service, env))
    .map(([name]) => name);
}

/** A copy of `env` without the platform secrets `service` does not use. */
export function envForService<T extends Readonly<Record<string, string | undefined>>>(service: PlatformService, env: T): Partial<T> {
  const copy: Record<string, string | undefined> = { ...env };
  for (const name of secretsWithheldFrom(service, env)) delete copy[name];
  return copy as Partial<T>;
}

export function isPlatformService(name: string): name is PlatformService {
  return name === 'gateway' || name === 'agent-worker' || name === 'mcp-pool' || name === 'web';
}
