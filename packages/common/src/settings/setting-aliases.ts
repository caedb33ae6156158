/**
 * Seed names kept for compatibility, each with the clearer name that replaced it. Both are in the
 * schema (so an old name is validated and documented); the new name wins when both are set.
 */
export const SETTING_ALIASES = {
  /** It limits model rounds, not conversation turns. */
  MAX_TURNS: 'MAX_MODEL_ROUNDS',
  /** Minutes before an idle user's MCP server is stopped. */
  INACTIVE_TIME: 'MCP_IDLE_MINUTES',
} as const;

/** The name a setting is documented and read under: the new name for an old one, else itself. */
export function canonicalSettingName(name: string): string {
  return (SETTING_ALIASES as Record<string, string>)[name] ?? name;
}

/**
 * Resolves the old names in parsed settings, in place: a new name not set in `env` takes the old
 * name's value, and the old name then always reads the same as the new one. Only the pairs of the
 * schema that was parsed (`names`: its settings) are touched. Returns a warning for each pair set
 * to different values.
 */
export function resolveSettingAliases(settings: Record<string, unknown>, env: Readonly<Record<string, string | undefined>>, names: readonly string[]): string[] {
  const warnings: string[] = [];
  for (const [alias, name] of Object.entries(SETTING_ALIASES)) {
    if (!names.includes(name)) continue;
    if (env[alias] !== undefined && settings[alias] !== undefined) {
      if (env[name] === undefined) settings[name] = settings[alias];
      else if (settings[alias] !== settings[name]) warnings.push(`${alias} (${env[alias]}) is the old name of ${name} (${env[name]}); using ${name}`);
    }
    settings[alias] = settings[name];
  }
  return warnings;
}
