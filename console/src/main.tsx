import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app';
import { ToastProvider } from './components/toast';
import { ConfirmProvider } from './components/confirm';
import { misplacedDefaultTenant } from './env';
import './styles.css';

if (misplacedDefaultTenant) {
  // carbon.super's console (and its registered callback) is the unprefixed one.
  window.location.replace(window.location.pathname.replace(/^\/t\/[^/]+/, '') + window.location.search);
} else {
  createRoot(document.getElementById('root')!).render(
    <StrictMode>
      <ToastProvider>
        <ConfirmProvider>
          <App />
        </ConfirmProvider>
      </ToastProvider>
    </StrictMode>,
  );
}
