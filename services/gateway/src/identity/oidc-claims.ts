import type { Settings } from '@bedrock-mcp/common';
import { UserIdSchema } from '@bedrock-mcp/contracts';

export type ClaimSettings = Pick<Settings, 'OIDC_USER_CLAIM' | 'OIDC_NAME_CLAIM' | 'OIDC_ALLOWED_DOMAINS' | 'OIDC_ALLOWED_GROUPS' | 'OIDC_GROUPS_CLAIM'>;

/** Why a person who signed in at the provider may not use the platform; the message is shown to them. */
export class SignInRefused extends Error {
  override readonly name = 'SignInRefused';
}

/** A claim by name; names with dots that are not keys themselves (`realm_access.roles`) are read as paths. */
function claim(claims: Record<string, unknown>, name: string): unknown {
  if (name in claims) return claims[name];
  return name.split('.').reduce<unknown>((value, part) => (value && typeof value === 'object' ? (value as Record<string, unknown>)[part] : undefined), claims);
}

function groupsOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((group): group is string => typeof group === 'string');
  if (typeof value === 'string') return value.split(/[\s,]+/).filter(Boolean);
  return [];
}

/**
 * The platform user an OpenID provider's claims (ID token merged with userinfo) name, after the
 * allowed-domain and allowed-group checks. Throws SignInRefused with a message for the person.
 */
export function userFromClaims(claims: Record<string, unknown>, settings: ClaimSettings): { userId: string; displayName: string } {
  const raw = claim(claims, settings.OIDC_USER_CLAIM);
  if (typeof raw !== 'string' || raw.length === 0) throw new SignInRefused(`Your identity provider sent no "${settings.OIDC_USER_CLAIM}" claim (OIDC_USER_CLAIM), so you cannot be told apart from other users.`);
  const userId = UserIdSchema.safeParse(raw);
  if (!userId.success) throw new SignInRefused(`Your "${settings.OIDC_USER_CLAIM}" (OIDC_USER_CLAIM) cannot be a user id here: ${userId.error.issues[0]?.message ?? 'invalid'}.`);

  if (settings.OIDC_ALLOWED_DOMAINS.length > 0) {
    const email = claims.email;
    const verified = claims.email_verified !== false;
    const domain = typeof email === 'string' ? email.slice(email.lastIndexOf('@') + 1).toLowerCase() : undefined;
    if (!domain || !verified || !settings.OIDC_ALLOWED_DOMAINS.includes(domain)) {
      throw new SignInRefused('Your email address is not in a domain allowed to sign in here (OIDC_ALLOWED_DOMAINS).');
    }
  }
  if (settings.OIDC_ALLOWED_GROUPS.length > 0) {
    const groups = groupsOf(claim(claims, settings.OIDC_GROUPS_CLAIM));
    if (!groups.some((group) => settings.OIDC_ALLOWED_GROUPS.includes(group))) {
      throw new SignInRefused('You are not in a group allowed to sign in here (OIDC_ALLOWED_GROUPS).');
    }
  }
  const name = claim(claims, settings.OIDC_NAME_CLAIM);
  return { userId: userId.data, displayName: typeof name === 'string' && name.trim() ? name.trim().slice(0, 200) : userId.data };
}
