type Transform = (field: string, value: string) => string;

/** Each value of `record` through `transform`, named `<prefix>.<key>` (e.g. `headers.Authorization`). */
export function mapSecretRecord(prefix: string, record: Record<string, string>, transform: Transform): Record<string, string> {
  return Object.fromEntries(Object.entries(record).map(([name, value]) => [name, transform(`${prefix}.${name}`, value)]));
}

/** An HTTP server's secret values (its token and header values) through `transform`, each with its field name. */
export function mapHttpSecrets<T extends { headers: Record<string, string>; token?: string }>(config: T, transform: Transform): T {
  return {
    ...config,
    headers: mapSecretRecord('headers', config.headers, transform),
    ...(config.token !== undefined ? { token: transform('token', config.token) } : {}),
  };
}
