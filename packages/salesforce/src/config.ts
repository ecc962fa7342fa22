/**
 * Connection settings, validated with zod. Four ways to log in: username + password + security
 * token, an OAuth refresh token, a JWT bearer assertion, or OAuth client credentials.
 */
import { z } from 'zod';
import { SalesforceError, SalesforceErrorCode } from './errors.js';

const url = z
  .string({ error: 'Expected a URL string' })
  .refine((s) => {
    try {
      const u = new URL(s);
      return u.protocol === 'https:' || u.protocol === 'http:';
    } catch {
      return false;
    }
  }, { error: (iss) => `Expected an http(s) URL, got \`${String(iss.input)}\`` });

const nonEmpty = (what: string) => z.string({ error: `Expected ${what} to be a string` }).min(1, { error: `Expected ${what} to be a non-empty string` });

const common = {
  /** Where to log in. @default 'https://login.salesforce.com' (use `https://test.salesforce.com` for sandboxes) */
  loginUrl: url.default('https://login.salesforce.com'),
  /** REST API version, like `62.0`. @default '62.0' */
  apiVersion: z
    .string()
    .regex(/^\d{2}\.0$/, { error: (iss) => `Expected \`apiVersion\` like \`62.0\`, got \`${String(iss.input)}\`` })
    .default('62.0'),
  /** Per-request timeout, in ms. @default 120000 */
  timeoutMs: z
    .number()
    .int({ error: (iss) => `Expected \`timeoutMs\` to be an integer >= 1, got \`${String(iss.input)}\`` })
    .min(1, { error: (iss) => `Expected \`timeoutMs\` to be an integer >= 1, got \`${String(iss.input)}\`` })
    .default(120_000),
};

/** Username + password (+ security token). With `clientId`/`clientSecret` the OAuth password grant is used, else SOAP login. */
export const PasswordAuthConfig = z.object({
  /** Selects this login. Required. */
  auth: z.literal('password'),
  /** Salesforce username. Required. */
  username: nonEmpty('`username`'),
  /** Password of `username` (a secret: never logged). Required. */
  password: nonEmpty('`password`'),
  /** Appended to the password, as Salesforce requires from untrusted IPs. @default '' */
  securityToken: z.string().default(''),
  /** Connected app consumer key; when given, the OAuth password grant is used. @default none (SOAP login) */
  clientId: z.string().min(1).optional(),
  /** Connected app consumer secret (a secret: never logged). @default none */
  clientSecret: z.string().min(1).optional(),
  ...common,
});

/** An OAuth refresh token of a connected app. */
export const RefreshTokenAuthConfig = z.object({
  /** Selects this login. Required. */
  auth: z.literal('refresh_token'),
  /** Connected app consumer key. Required. */
  clientId: nonEmpty('`clientId`'),
  /** Connected app consumer secret, when the app requires it (a secret: never logged). @default none */
  clientSecret: z.string().min(1).optional(),
  /** The OAuth refresh token (a secret: never logged). Required. */
  refreshToken: nonEmpty('`refreshToken`'),
  ...common,
});

/** OAuth 2.0 JWT bearer flow: a connected app's certificate signs an assertion for `username`. */
export const JwtAuthConfig = z.object({
  /** Selects this login. Required. */
  auth: z.literal('jwt'),
  /** Connected app consumer key (the `iss` claim). Required. */
  clientId: nonEmpty('`clientId`'),
  /** User the assertion is for (the `sub` claim). Required. */
  username: nonEmpty('`username`'),
  /** PEM-encoded RSA private key matching the connected app's certificate (a secret: never logged). Required. */
  privateKey: z.string().includes('PRIVATE KEY', { error: 'Expected `privateKey` to be a PEM-encoded private key' }),
  /** The `aud` claim. @default the `loginUrl` */
  audience: z.string().min(1).optional(),
  ...common,
});

/** OAuth 2.0 client credentials flow (a connected app with a run-as user). */
export const ClientCredentialsAuthConfig = z.object({
  /** Selects this login. Required. */
  auth: z.literal('client_credentials'),
  /** Connected app consumer key. Required. */
  clientId: nonEmpty('`clientId`'),
  /** Connected app consumer secret (a secret: never logged). Required. */
  clientSecret: nonEmpty('`clientSecret`'),
  ...common,
});

/** Every accepted connection config. */
export const SalesforceConfig = z.discriminatedUnion(
  'auth',
  [PasswordAuthConfig, RefreshTokenAuthConfig, JwtAuthConfig, ClientCredentialsAuthConfig],
  { error: (iss) => `Expected \`auth\` to be one of 'password', 'refresh_token', 'jwt', 'client_credentials', got \`${String((iss.input as { auth?: unknown } | undefined)?.auth)}\`` },
);
/** A validated connection config (defaults applied). */
export type SalesforceConfig = z.infer<typeof SalesforceConfig>;
/** A connection config as written by the user (defaults optional). */
export type SalesforceConfigInput = z.input<typeof SalesforceConfig>;

/** Validates `input`; throws a `SalesforceError` (`SF_INVALID_CONFIG`) listing every problem, never a secret. */
export function parseSalesforceConfig(input: unknown): SalesforceConfig {
  const result = SalesforceConfig.safeParse(input);
  if (result.success) return result.data;
  const lines = result.error.issues.map((i) => `- ${i.path.length ? i.path.join('.') : 'config'}: ${i.message}`);
  throw new SalesforceError(
    SalesforceErrorCode.InvalidConfig,
    'validation',
    `Invalid Salesforce connection config:\n${lines.join('\n')}`,
  );
}
