/** The sign-in page: an API key in, a session cookie out (docs/web.md → Sign-in). */
import { html } from '../html.ts';

export function loginBody(options: { next: string; problem?: string }) {
  return html`<div class="login">
<h1>Sign in to schedmon</h1>
<p>Paste an API key with the <code>read</code> scope. It is checked once and never stored in
the browser: the session is a signed cookie that names the key.</p>
${options.problem === undefined ? '' : html`<p class="error-box" role="alert">${options.problem}</p>`}
<form method="post" action="/ui/login">
<input type="hidden" name="next" value="${options.next}">
<label for="key">API key</label>
<input id="key" name="key" type="password" autocomplete="current-password" required maxlength="512">
<button class="primary" type="submit">Sign in</button>
</form>
</div>`;
}

/** An error page's content: the status and what went wrong, in words. */
export function errorBody(statusCode: number, message: string | readonly string[]) {
  const lines = typeof message === 'string' ? [message] : message;
  return html`<h1>${statusCode === 404 ? 'Not found' : statusCode >= 500 ? 'Something went wrong' : 'That did not work'}</h1>
${lines.map((line) => html`<p>${line}</p>`)}
<p><a href="/ui/boards">Back to the boards</a></p>`;
}
