/** What the SNS route may fetch from AWS; tests pass a fake, so verification is testable offline. */
export interface SnsFetcher {
  /** The PEM text at a signing certificate URL (already checked to be AWS's). */
  certificate(url: string): Promise<string>;
  /** Visits a subscription confirmation link (already checked); resolves to the HTTP status. */
  confirm(url: string): Promise<number>;
}

const TIMEOUT_MS = 5_000;

/** The real fetcher: no redirects followed, short timeouts, certificates cached by URL. */
export function createSnsFetcher(): SnsFetcher {
  const certificates = new Map<string, Promise<string>>();
  async function get(url: string): Promise<Response> {
    const response = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(TIMEOUT_MS) });
    if (response.status >= 300) throw new Error(`GET ${url} answered ${response.status}`);
    return response;
  }
  return {
    certificate(url) {
      let pending = certificates.get(url);
      if (!pending) {
        pending = get(url).then((response) => response.text());
        pending.catch(() => certificates.delete(url));
        certificates.set(url, pending);
      }
      return pending;
    },
    async confirm(url) {
      const response = await get(url);
      await response.body?.cancel();
      return response.status;
    },
  };
}
