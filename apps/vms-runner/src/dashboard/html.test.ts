import { describe, expect, it } from 'vitest';
import { escapeHtml, html, raw } from './html.js';

describe('html', () => {
  it('escapes every interpolated string, including attribute-breaking quotes and backticks', () => {
    const evil = `"><script>alert('x')</script>\`&`;
    const out = html`<td title="${evil}">${evil}</td>`.value;
    expect(out).toBe(
      '<td title="&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&#96;&amp;">&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&#96;&amp;</td>',
    );
    expect(escapeHtml('a & b')).toBe('a &amp; b');
  });

  it('nests safe fragments without double escaping, joins arrays, and drops null/undefined/false', () => {
    const rows = ['<a>', 'b'].map((x) => html`<li>${x}</li>`);
    expect(html`<ul>${rows}${null}${undefined}${false}${0}</ul>`.value).toBe('<ul><li>&lt;a&gt;</li><li>b</li>0</ul>');
    expect(html`${raw('<b>trusted</b>')}`.value).toBe('<b>trusted</b>');
  });
});
