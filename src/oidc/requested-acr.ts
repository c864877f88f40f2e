// The acr values an authorization request asks for: `acr_values`, and the values of an
// essential `acr` claim (OpenID Connect Core 5.5.1.1), from the provider's parsed request
// and from an interaction's stored parameters.

interface AcrClaim {
  essential?: boolean | undefined;
  value?: unknown;
  values?: readonly unknown[] | undefined;
}

export function requestedAcrs(acrValues: unknown, acrClaim: AcrClaim | undefined): string[] {
  const values = String(acrValues ?? '').split(' ').filter(Boolean);
  if (acrClaim?.essential) values.push(...(acrClaim.values ?? (acrClaim.value ? [acrClaim.value] : [])).map(String));
  return values;
}

/**
 * From an interaction's stored parameters. Only `acr_values`: the claims parameter is not
 * offered (discovery's claims_parameter_supported is false), so requests never carry one.
 */
export const requestedAcrsOf = (params: Record<string, unknown>): string[] => requestedAcrs(params.acr_values, undefined);
