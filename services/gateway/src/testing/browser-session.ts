/**
 * A minimal browser over fetch for sign-in tests: a cookie jar (by name; enough for one gateway and
 * one provider on loopback), redirects followed by hand, and HTML forms submitted as a person would.
 * Requests to `publicOrigin` go to `gatewayUrl` (the web server's proxy, collapsed).
 */
export class BrowserSession {
  readonly cookies = new Map<string, string>();

  constructor(
    private readonly publicOrigin: string,
    private readonly gatewayUrl: string,
  ) {}

  /** The value of one cookie, if set. */
  cookie(name: string): string | undefined {
    return this.cookies.get(name);
  }

  async request(url: string, init: RequestInit = {}): Promise<Response> {
    const target = url.startsWith(this.publicOrigin) ? this.gatewayUrl + url.slice(this.publicOrigin.length) : url;
    const headers = new Headers(init.headers);
    if (this.cookies.size > 0) headers.set('cookie', [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; '));
    const response = await fetch(target, { ...init, headers, redirect: 'manual' });
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';');
      const name = pair.slice(0, pair.indexOf('='));
      const value = pair.slice(pair.indexOf('=') + 1);
      if (value === '' || attributes.some((attribute) => /^\s*max-age=0\s*$/i.test(attribute))) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return response;
  }

  /** Follows redirects from `url` until a page answers; returns it and the URL it came from. */
  async navigate(url: string, init: RequestInit = {}): Promise<{ response: Response; url: string }> {
    let current = url;
    let response = await this.request(current, init);
    for (let hops = 0; response.status >= 300 && response.status < 400; hops += 1) {
      if (hops > 10) throw new Error('too many redirects');
      current = new URL(response.headers.get('location')!, this.absolute(current)).href;
      response = await this.request(current);
    }
    return { response, url: current };
  }

  /** Submits the first form of an HTML page (its hidden fields plus `fields`) and follows the redirects. */
  async submitForm(page: { html: string; url: string }, fields: Record<string, string> = {}): Promise<{ response: Response; url: string }> {
    const form = /<form[^>]*action="([^"]+)"[^>]*>([\s\S]*?)<\/form>/i.exec(page.html);
    if (!form) throw new Error(`no form on ${page.url}: ${page.html.slice(0, 300)}`);
    const body = new URLSearchParams();
    for (const input of form[2]!.matchAll(/<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"/gi)) body.set(input[1]!, input[2]!);
    for (const [name, value] of Object.entries(fields)) body.set(name, value);
    const action = new URL(form[1]!.replace(/&amp;/g, '&'), this.absolute(page.url)).href;
    return this.navigate(action, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  }

  private absolute(url: string): string {
    return url.startsWith(this.gatewayUrl) ? this.publicOrigin + url.slice(this.gatewayUrl.length) : url;
  }
}
