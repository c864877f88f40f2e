// What both entry points (the console, My Account) do first: name the OIDC client they
// sign in as, and render, unless the default tenant was opened under /t/carbon.super/,
// whose app (and registered callback) is the unprefixed one.
import { StrictMode, type ReactNode } from 'react';
import { createRoot } from 'react-dom/client';
import { ToastProvider } from './components/toast';
import { misplacedDefaultTenant } from './env';
import { configureSignIn, type SignInClient } from './auth/oidc';

export function start(client: SignInClient, app: ReactNode): void {
  configureSignIn(client);
  if (misplacedDefaultTenant) {
    window.location.replace(window.location.pathname.replace(/^\/t\/[^/]+/, '') + window.location.search);
    return;
  }
  createRoot(document.getElementById('root')!).render(
    <StrictMode>
      <ToastProvider>{app}</ToastProvider>
    </StrictMode>,
  );
}
