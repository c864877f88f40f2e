import type { Page, StepContext } from '../../authenticator.js';
import { escapeHtml } from '../../../ui/html.js';

export function basicPage(ctx: StepContext): Page {
  const username = escapeHtml(ctx.values?.username ?? '');
  return {
    title: 'Sign in',
    html: `
      <div class="field">
        <label for="username">Username</label>
        <input id="username" name="username" type="text" autocomplete="username" autocapitalize="none" spellcheck="false" required value="${username}"${username ? '' : ' autofocus'}>
      </div>
      <div class="field">
        <label for="password">Password</label>
        <input id="password" name="password" type="password" autocomplete="current-password" required${username ? ' autofocus' : ''}>
      </div>
      <button type="submit">Sign in</button>`,
  };
}
