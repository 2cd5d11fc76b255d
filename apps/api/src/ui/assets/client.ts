/// <reference lib="dom" />
/**
 * The dashboard's only script (docs/web.md → Live), served as the source of
 * `dashboardClient` itself: no framework, no build step of its own. On a page with a live
 * region (`[data-live]`) it listens to `/ui/events` and puts each new server-rendered
 * fragment in place. EventSource reconnects by itself after a network error; after an
 * answer that ends the stream (a restart behind a proxy, an expired session) this starts
 * a new one, backing off, and goes to the sign-in page once the session is gone.
 */
export function dashboardClient(): void {
  const target = document.querySelector<HTMLElement>('[data-live]');
  const status = document.getElementById('live-status');
  if (target === null) return;
  const channel = target.dataset.live ?? '';
  const say = (text: string) => {
    if (status !== null && status.textContent !== text) status.textContent = text;
  };
  let failures = 0;
  const connect = () => {
    const source = new EventSource(`/ui/events?view=${encodeURIComponent(channel)}`);
    source.addEventListener('open', () => {
      failures = 0;
      say('Live: changes show here within seconds.');
    });
    source.addEventListener('fragment', (event) => {
      target.innerHTML = (event as MessageEvent<string>).data;
      target.dispatchEvent(new CustomEvent('schedmon:updated'));
    });
    source.addEventListener('error', () => {
      if (source.readyState !== EventSource.CLOSED) {
        say('Reconnecting…');
        return;
      }
      failures += 1;
      say('Disconnected: trying again…');
      const delay = Math.min(30_000, 1_000 * 2 ** Math.min(failures, 5));
      setTimeout(() => {
        void fetch('/ui/session', { credentials: 'same-origin' })
          .then((answer) => {
            if (answer.status === 401) window.location.assign('/ui/login');
            else connect();
          })
          .catch(() => connect());
      }, delay);
    });
  };
  connect();
}
