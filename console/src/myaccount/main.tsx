// First, so My Account's own styles (imported by its components) come after it.
import '../styles.css';
import { MyAccountApp } from './app';
import { start } from '../start';

// internal_login is what the self-service API (/api/users/v1/me/…) asks of a token.
start({ clientId: 'gatehouse-myaccount', scopes: () => ['openid', 'profile', 'email', 'internal_login'] }, <MyAccountApp />);
