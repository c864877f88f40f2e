// The acr values an authorization request asks for, from the provider's parsed request and
// from an interaction's stored parameters. Only `acr_values`: the claims parameter (and with
// it an essential `acr` claim) is not offered, discovery's claims_parameter_supported is false.
export const requestedAcrs = (acrValues: unknown): string[] => String(acrValues ?? '').split(' ').filter(Boolean);
