/** The page frame: head with inline CSS, navigation, optional auto-refresh. */
import { html, raw, type SafeHtml } from './html.js';
import type { Session } from './sessions.js';

const CSS = `
body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#212121;background:#fafafa}
header{background:#263238;color:#fff;padding:8px 16px;display:flex;gap:16px;align-items:center}
header a{color:#fff;text-decoration:none}header .grow{flex:1}
header form{margin:0}header button{background:none;border:1px solid #90a4ae;color:#fff;border-radius:3px;cursor:pointer}
main{padding:16px;max-width:1100px}
table{border-collapse:collapse;width:100%;margin:8px 0 16px;background:#fff}
th,td{border-bottom:1px solid #e0e0e0;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#eceff1;font-weight:600}
.badge{display:inline-block;padding:1px 6px;border-radius:8px;color:#fff;font-size:12px}
.flows{display:flex;flex-wrap:wrap;gap:16px}.flow-card{background:#fff;border:1px solid #e0e0e0;padding:8px;border-radius:4px}
.chart,.gantt{display:block;background:#fff;border:1px solid #eee}
pre,code,.msg{font-family:ui-monospace,monospace;font-size:12px;white-space:pre-wrap;word-break:break-word}
.error{color:#b71c1c}.muted{color:#757575}.note{color:#ef6c00}
form.inline{display:inline}button.danger{background:#c62828;color:#fff;border:0;padding:4px 10px;border-radius:3px}
button.primary{background:#1565c0;color:#fff;border:0;padding:4px 10px;border-radius:3px}
textarea{width:100%;font-family:ui-monospace,monospace}
.login{max-width:360px;margin:64px auto;background:#fff;padding:24px;border:1px solid #e0e0e0}
.login input{width:100%;box-sizing:border-box;margin:8px 0;padding:6px}
`;

/** Options of {@link page}. */
export interface PageOptions {
  title: string;
  session?: Session;
  /** Reload the page every n seconds (while a run is active). */
  refreshSeconds?: number;
}

/** A whole HTML document. */
export function page(options: PageOptions, body: SafeHtml): SafeHtml {
  const { session } = options;
  const nav = session
    ? html`<header><strong>VMS runner</strong><a href="/">Runs</a><a href="/schedules">Schedules</a><span class="grow"></span><span class="muted" data-role="${session.role}">${session.role === 'admin' ? 'admin' : 'read-only'}</span><form method="post" action="/logout"><input type="hidden" name="_csrf" value="${session.csrf}"><button type="submit">Log out</button></form></header>`
    : html`<header><strong>VMS runner</strong></header>`;
  return html`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">${
    options.refreshSeconds === undefined ? html`` : html`<meta http-equiv="refresh" content="${options.refreshSeconds}">`
  }<title>${options.title} · VMS runner</title><style>${raw(CSS)}</style></head><body>${nav}<main>${body}</main></body></html>`;
}
