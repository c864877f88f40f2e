import { App } from './app';
import { ConfirmProvider } from './components/confirm';
import { adminScopes } from './auth/oidc';
import { start } from './start';
import './styles.css';

start(
  { clientId: 'gatehouse-console', scopes: (discovery) => ['openid', 'profile', ...adminScopes(discovery)] },
  <ConfirmProvider><App /></ConfirmProvider>,
);
