/**
 * The test server's login endpoints: OAuth 2.0 token grants (password, refresh token, client
 * credentials, JWT bearer) and the SOAP `login` call jsforce uses for username + password when no
 * OAuth client is configured.
 */
import { createPublicKey, randomBytes, verify, type KeyObject } from 'node:crypto';

/** Credentials the test server accepts. Every field has a documented default. */
export interface TestCredentials {
  /** @default 'integration@vms.test' */
  readonly username: string;
  /** @default 'test-password' */
  readonly password: string;
  /** Appended to the password at login, as Salesforce requires. @default 'TESTSECURITYTOKEN' */
  readonly securityToken: string;
  /** @default 'test-client-id' */
  readonly clientId: string;
  /** @default 'test-client-secret' */
  readonly clientSecret: string;
  /** @default 'test-refresh-token' */
  readonly refreshToken: string;
}

export const DEFAULT_TEST_CREDENTIALS: TestCredentials = {
  username: 'integration@vms.test',
  password: 'test-password',
  securityToken: 'TESTSECURITYTOKEN',
  clientId: 'test-client-id',
  clientSecret: 'test-client-secret',
  refreshToken: 'test-refresh-token',
};

export interface AuthOutcome {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

export interface Identity {
  readonly orgId: string;
  readonly userId: string;
}

function xmlUnescape(s: string): string {
  return s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function base64UrlDecode(s: string): Buffer {
  return Buffer.from(s.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
}

/** Issues and checks access tokens; `expireAll()` simulates session expiry. */
export class SessionRegistry {
  private readonly tokens = new Set<string>();

  issue(orgId: string): string {
    const token = `${orgId.slice(0, 15)}!AQ${randomBytes(24).toString('base64url')}`;
    this.tokens.add(token);
    return token;
  }

  isValid(token: string | undefined): boolean {
    return token !== undefined && this.tokens.has(token);
  }

  expireAll(): void {
    this.tokens.clear();
  }
}

export class AuthEndpoints {
  private readonly jwtKey: KeyObject | undefined;

  constructor(
    private readonly credentials: TestCredentials,
    private readonly sessions: SessionRegistry,
    private readonly identity: Identity,
    private readonly baseUrl: () => string,
    private readonly apiVersion: string,
    jwtPublicKey: string | KeyObject | undefined,
    private readonly now: () => number,
  ) {
    this.jwtKey = jwtPublicKey === undefined ? undefined : typeof jwtPublicKey === 'string' ? createPublicKey(jwtPublicKey) : jwtPublicKey;
  }

  private oauthError(error: string, description: string): AuthOutcome {
    return { status: 400, contentType: 'application/json;charset=UTF-8', body: JSON.stringify({ error, error_description: description }) };
  }

  private tokenResponse(withRefresh: boolean): AuthOutcome {
    const url = this.baseUrl();
    const body: Record<string, string> = {
      access_token: this.sessions.issue(this.identity.orgId),
      instance_url: url,
      id: `${url}/id/${this.identity.orgId}/${this.identity.userId}`,
      token_type: 'Bearer',
      issued_at: String(this.now()),
      signature: randomBytes(32).toString('base64'),
      scope: 'api refresh_token',
    };
    if (withRefresh) body.refresh_token = this.credentials.refreshToken;
    return { status: 200, contentType: 'application/json;charset=UTF-8', body: JSON.stringify(body) };
  }

  /** `POST /services/oauth2/token` with a form-encoded body. */
  token(form: URLSearchParams): AuthOutcome {
    const c = this.credentials;
    const grant = form.get('grant_type');
    const clientId = form.get('client_id');
    switch (grant) {
      case 'password': {
        if (clientId !== c.clientId) return this.oauthError('invalid_client_id', 'client identifier invalid');
        if (form.get('client_secret') !== c.clientSecret) return this.oauthError('invalid_client', 'invalid client credentials');
        if (form.get('username') !== c.username || form.get('password') !== c.password + c.securityToken) {
          return this.oauthError('invalid_grant', 'authentication failure');
        }
        return this.tokenResponse(false);
      }
      case 'refresh_token': {
        if (clientId !== c.clientId) return this.oauthError('invalid_client_id', 'client identifier invalid');
        const secret = form.get('client_secret');
        if (secret !== null && secret !== c.clientSecret) return this.oauthError('invalid_client', 'invalid client credentials');
        if (form.get('refresh_token') !== c.refreshToken) return this.oauthError('invalid_grant', 'expired access/refresh token');
        return this.tokenResponse(false);
      }
      case 'client_credentials': {
        if (clientId !== c.clientId) return this.oauthError('invalid_client_id', 'client identifier invalid');
        if (form.get('client_secret') !== c.clientSecret) return this.oauthError('invalid_client', 'invalid client credentials');
        return this.tokenResponse(false);
      }
      case 'urn:ietf:params:oauth:grant-type:jwt-bearer':
        return this.jwtBearer(form.get('assertion') ?? '');
      default:
        return this.oauthError('unsupported_grant_type', 'grant type not supported');
    }
  }

  private jwtBearer(assertion: string): AuthOutcome {
    if (!this.jwtKey) return this.oauthError('invalid_grant', 'invalid assertion: no certificate registered for JWT bearer');
    const parts = assertion.split('.');
    if (parts.length !== 3) return this.oauthError('invalid_grant', 'invalid assertion');
    const [h, p, s] = parts as [string, string, string];
    let header: { alg?: string };
    let claims: { iss?: string; sub?: string; aud?: string; exp?: number };
    try {
      header = JSON.parse(base64UrlDecode(h).toString('utf8')) as typeof header;
      claims = JSON.parse(base64UrlDecode(p).toString('utf8')) as typeof claims;
    } catch {
      return this.oauthError('invalid_grant', 'invalid assertion');
    }
    if (header.alg !== 'RS256') return this.oauthError('invalid_grant', 'invalid assertion: alg must be RS256');
    const ok = verify('RSA-SHA256', Buffer.from(`${h}.${p}`), this.jwtKey, base64UrlDecode(s));
    if (!ok) return this.oauthError('invalid_grant', 'invalid assertion: signature');
    if (claims.iss !== this.credentials.clientId) return this.oauthError('invalid_client_id', 'client identifier invalid');
    if (claims.sub !== this.credentials.username) return this.oauthError('invalid_grant', 'user hasn\'t approved this consumer');
    if (typeof claims.exp !== 'number' || claims.exp * 1000 < this.now()) return this.oauthError('invalid_grant', 'expired authorization code');
    if (!claims.aud) return this.oauthError('invalid_grant', 'audience is invalid');
    return this.tokenResponse(false);
  }

  /** `POST /services/Soap/u/{version}` with a partner-API `login` envelope. */
  soapLogin(xml: string): AuthOutcome {
    const user = /<(?:\w+:)?username>([^<]*)<\/(?:\w+:)?username>/.exec(xml)?.[1];
    const pass = /<(?:\w+:)?password>([^<]*)<\/(?:\w+:)?password>/.exec(xml)?.[1];
    const c = this.credentials;
    if (user === undefined || pass === undefined || xmlUnescape(user) !== c.username || xmlUnescape(pass) !== c.password + c.securityToken) {
      return {
        status: 500,
        contentType: 'text/xml;charset=UTF-8',
        body:
          '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:sf="urn:fault.partner.soap.sforce.com"><soapenv:Body><soapenv:Fault>' +
          '<faultcode>sf:INVALID_LOGIN</faultcode><faultstring>INVALID_LOGIN: Invalid username, password, security token; or user locked out.</faultstring>' +
          '<detail><sf:LoginFault><sf:exceptionCode>INVALID_LOGIN</sf:exceptionCode><sf:exceptionMessage>Invalid username, password, security token; or user locked out.</sf:exceptionMessage></sf:LoginFault></detail>' +
          '</soapenv:Fault></soapenv:Body></soapenv:Envelope>',
      };
    }
    const url = this.baseUrl();
    const { orgId, userId } = this.identity;
    const token = this.sessions.issue(orgId);
    return {
      status: 200,
      contentType: 'text/xml;charset=UTF-8',
      body:
        '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns="urn:partner.soap.sforce.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><loginResponse><result>' +
        `<metadataServerUrl>${url}/services/Soap/m/${this.apiVersion}/${orgId}</metadataServerUrl>` +
        '<passwordExpired>false</passwordExpired><sandbox>false</sandbox>' +
        `<serverUrl>${url}/services/Soap/u/${this.apiVersion}/${orgId}</serverUrl>` +
        `<sessionId>${token}</sessionId><userId>${userId}</userId>` +
        `<userInfo><organizationId>${orgId}</organizationId><organizationName>VMS Test Org</organizationName><userEmail>${xmlEscape(c.username)}</userEmail><userFullName>Integration User</userFullName><userId>${userId}</userId><userName>${xmlEscape(c.username)}</userName></userInfo>` +
        '</result></loginResponse></soapenv:Body></soapenv:Envelope>',
    };
  }
}
