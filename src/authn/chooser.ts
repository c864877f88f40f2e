// A step with several options (step 2: totp or backup-code-authenticator) lets the user
// pick one, as WSO2's multi-option page does; each option's page links back here
// ("Choose a different option", WSO2's multiOptionURI). The choice lives in the login.
import type { Config } from '../config/schema.js';
import type { SequenceStep } from '../applications/application.js';
import type { Authenticator, Page } from './authenticator.js';
import { findAuthenticator } from './registry.js';
import { escapeHtml } from '../ui/html.js';

/** The step's options this server offers now, in the administrator's order. */
export function availableOptions(step: SequenceStep, config: Config): Authenticator[] {
  return step.options
    .map((o) => findAuthenticator(o.authenticator))
    .filter((a): a is Authenticator => a !== undefined && (!a.enabled || a.enabled(config)));
}

export const chooserLabel = (a: Authenticator): string => a.chooserLabel ?? a.displayName;

export function chooserPage(options: readonly Authenticator[]): Page {
  const buttons = options.map((a) =>
    `<p><button type="submit" name="choose" value="${escapeHtml(a.name)}" formnovalidate>${escapeHtml(chooserLabel(a))}</button></p>`).join('\n      ');
  return {
    title: 'Choose how to verify',
    heading: 'Choose how to verify it\'s you',
    html: `
      <p>Pick one of these ways to continue:</p>
      ${buttons}`,
  };
}

/** The button every option's page gets when its step has more than one option. */
export const CHOOSE_ANOTHER = '<p class="alt"><button type="submit" name="chooser" value="1" formnovalidate class="link">Choose a different option</button></p>';
