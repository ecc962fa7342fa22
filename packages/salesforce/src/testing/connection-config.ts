import type { z } from 'zod';
import type { PasswordAuthConfig, SalesforceConfigInput } from '../config.js';
import type { SalesforceTestServer } from './server.js';

/**
 * A connection config for `connectSalesforce` that logs in to `server` with the given method
 * (`jwt` needs the private key matching the server's `jwtPublicKey`).
 */
export function testConnectionConfig(
  server: Pick<SalesforceTestServer, 'url' | 'credentials'>,
  auth?: 'password' | 'oauth-password',
): z.input<typeof PasswordAuthConfig>;
export function testConnectionConfig(
  server: Pick<SalesforceTestServer, 'url' | 'credentials'>,
  auth: 'password' | 'oauth-password' | 'refresh_token' | 'client_credentials' | { jwtPrivateKey: string },
): SalesforceConfigInput;
export function testConnectionConfig(
  server: Pick<SalesforceTestServer, 'url' | 'credentials'>,
  auth: 'password' | 'oauth-password' | 'refresh_token' | 'client_credentials' | { jwtPrivateKey: string } = 'password',
): SalesforceConfigInput {
  const c = server.credentials;
  const common = { loginUrl: server.url };
  if (auth === 'password') return { auth: 'password', username: c.username, password: c.password, securityToken: c.securityToken, ...common };
  if (auth === 'oauth-password') {
    return { auth: 'password', username: c.username, password: c.password, securityToken: c.securityToken, clientId: c.clientId, clientSecret: c.clientSecret, ...common };
  }
  if (auth === 'refresh_token') return { auth: 'refresh_token', clientId: c.clientId, clientSecret: c.clientSecret, refreshToken: c.refreshToken, ...common };
  if (auth === 'client_credentials') return { auth: 'client_credentials', clientId: c.clientId, clientSecret: c.clientSecret, ...common };
  return { auth: 'jwt', clientId: c.clientId, username: c.username, privateKey: auth.jwtPrivateKey, ...common };
}
