/**
 * Keeping secrets out of logs and errors: a webhook URL's path and query are its credential
 * (Slack's `/services/T…/B…/token`), so only the origin is ever shown.
 */

/** `https://hooks.slack.com/services/T0/B0/abc?x=1` → `https://hooks.slack.com/***`. */
export function redactUrl(url: string | URL): string {
  try {
    const parsed = new URL(String(url));
    const hidden = parsed.pathname !== '/' || parsed.search !== '' || parsed.username !== '' || parsed.password !== '';
    return `${parsed.origin}${hidden ? '/***' : ''}`;
  } catch {
    return '***';
  }
}

/** Replaces every occurrence of each secret (and its URL-encoded form) in a text with `***`. */
export class Redactor {
  private readonly secrets: string[];

  constructor(secrets: ReadonlyArray<string | undefined>) {
    const all = new Set<string>();
    for (const secret of secrets) {
      // Very short strings would redact ordinary words; they are no secret worth the name.
      if (secret === undefined || secret.length < 4) continue;
      all.add(secret);
      all.add(encodeURIComponent(secret));
      all.add(encodeURI(secret));
    }
    // Longest first, so a URL is replaced before its path.
    this.secrets = [...all].sort((a, b) => b.length - a.length);
  }

  redact(text: string): string {
    let out = text;
    for (const secret of this.secrets) out = out.split(secret).join('***');
    return out;
  }
}

/** The secret parts of a URL: the whole URL, its path, query, user info. */
export function urlSecrets(url: string): string[] {
  try {
    const parsed = new URL(url);
    return [url, parsed.href, parsed.pathname.length > 1 ? parsed.pathname : undefined, parsed.search || undefined, parsed.username || undefined, parsed.password || undefined].filter(
      (s): s is string => s !== undefined,
    );
  } catch {
    return [url];
  }
}
