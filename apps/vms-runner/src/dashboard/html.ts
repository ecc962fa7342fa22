/**
 * Safe HTML building: the {@link html} tag escapes every interpolated value unless it is
 * already {@link SafeHtml} (made by `html` itself), so user-supplied text (log lines, row errors,
 * flow params, schedule names) can only ever appear as text.
 */

/** A fragment of HTML that is safe to insert as is. Only {@link html} and {@link raw} make one. */
export class SafeHtml {
  /** The HTML text. */
  readonly value: string;
  /** @internal use {@link html} or {@link raw}. */
  constructor(value: string) {
    this.value = value;
  }
  toString(): string {
    return this.value;
  }
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"'`]/g, (ch) => ESCAPES[ch] ?? ch);
}

/** Interpolation values the {@link html} tag accepts. */
export type HtmlValue = SafeHtml | string | number | boolean | null | undefined | readonly HtmlValue[];

function render(value: HtmlValue): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return (value as readonly HtmlValue[]).map(render).join('');
  return escapeHtml(String(value));
}

/**
 * Tagged template: literal parts are trusted, every `${value}` is escaped (arrays are joined,
 * `null`/`undefined`/`false` render nothing).
 *
 * @example
 * ```ts
 * html`<td>${log.message}</td>`; // '<td>&lt;script&gt;…</td>'
 * ```
 */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i += 1) {
    out += render(values[i]);
    out += strings[i + 1] ?? '';
  }
  return new SafeHtml(out);
}

/** Marks trusted, generated markup (never user input) as safe. */
export function raw(trusted: string): SafeHtml {
  return new SafeHtml(trusted);
}
