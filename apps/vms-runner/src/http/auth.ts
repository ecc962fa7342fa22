/**
 * Bearer tokens: a read-only set and an admin set. Tokens are compared in constant time: both
 * sides are hashed with SHA-256 (equal-length digests) and compared with `timingSafeEqual`, and
 * every configured token is checked, so neither the length nor the position of a match leaks.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { ErrorCode, FlowError } from '@vms/flow-core';

/** What a caller may do. `admin` implies `read`. */
export type Role = 'read' | 'admin';

/** The API tokens. Give several per role to rotate them without downtime. */
export interface ApiTokens {
  /** Tokens that may read everything and change nothing. @default [] */
  readOnly?: readonly string[];
  /** Tokens that may also trigger and cancel runs and pause/resume schedules. At least one. */
  admin: readonly string[];
}

/** Shortest accepted token, in characters. */
export const MIN_TOKEN_LENGTH = 16;

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

function invalidToken(name: string, index: number, value: unknown): FlowError {
  // Never echo a token: name its position, type and length only.
  const shape = typeof value === 'string' ? `a string of ${value.length} characters` : `\`${typeof value}\``;
  return new FlowError(
    ErrorCode.InvalidOption,
    `Expected \`tokens.${name}[${index}]\` to be a string of at least ${MIN_TOKEN_LENGTH} characters, got ${shape}`,
    { category: 'validation' },
  );
}

/** Checks a token set and returns the digests to compare against. */
export class TokenVerifier {
  private readonly admin: Buffer[];
  private readonly readOnly: Buffer[];

  constructor(tokens: ApiTokens) {
    if (typeof tokens !== 'object' || tokens === null || !Array.isArray(tokens.admin) || tokens.admin.length === 0) {
      throw new FlowError(ErrorCode.InvalidOption, 'Expected `tokens.admin` to be a non-empty array of token strings', {
        category: 'validation',
      });
    }
    const check = (name: string, list: readonly unknown[]): Buffer[] =>
      list.map((value, index) => {
        if (typeof value !== 'string' || value.length < MIN_TOKEN_LENGTH) throw invalidToken(name, index, value);
        return digest(value);
      });
    this.admin = check('admin', tokens.admin);
    const readOnly = tokens.readOnly ?? [];
    if (!Array.isArray(readOnly)) {
      throw new FlowError(ErrorCode.InvalidOption, `Expected \`tokens.readOnly\` to be an array, got \`${typeof readOnly}\``, {
        category: 'validation',
      });
    }
    this.readOnly = check('readOnly', readOnly);
  }

  /** The role of `presented`, or `undefined` when it matches no token. Constant time in the match. */
  roleOf(presented: string | undefined): Role | undefined {
    const candidate = digest(presented ?? '');
    let admin = false;
    let read = false;
    for (const known of this.admin) admin = timingSafeEqual(candidate, known) || admin;
    for (const known of this.readOnly) read = timingSafeEqual(candidate, known) || read;
    if (presented === undefined || presented === '') return undefined;
    if (admin) return 'admin';
    return read ? 'read' : undefined;
  }
}

/** The token of an `Authorization: Bearer <token>` header, or `undefined`. */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /^Bearer[ ]+([^ ]+)[ ]*$/i.exec(header);
  return match?.[1];
}
