// The tenant's TOTP parameters (GET/PUT /api/server/v1/authenticators/totp/parameters).
import { api } from '../../api/client';

export type ParameterValue = string | number | boolean;

export interface ParameterDetail {
  name: string;
  value: ParameterValue;
  /** 'tenant': this organization's override; 'server': the server's configuration or the default. */
  source: 'tenant' | 'server';
  serverValue: ParameterValue;
  default: ParameterValue;
  description: string;
  type: 'integer' | 'boolean' | 'string' | 'string[]';
  min?: number;
  max?: number;
  oneOf?: string[];
}

export interface Parameters {
  parameters: Record<string, ParameterValue>;
  details: ParameterDetail[];
}

const PATH = '/authenticators/totp/parameters';

export const getTotpParameters = (signal?: AbortSignal) => api.get<Parameters>(PATH, signal ? { signal } : {});
/** Only the parameters to change; null removes the tenant's override (the server value applies again). */
export const putTotpParameters = (body: Record<string, ParameterValue | null>) => api.put<Parameters>(PATH, body);
