// Ends a login interaction the request has already loaded. provider.interactionResult()
// would read the interaction (and verify its cookie, and its session) a second time within
// the same request; the resume endpoint checks the session again anyway.
import type Provider from 'oidc-provider';
import type { InteractionResults } from 'oidc-provider';

type Interaction = Awaited<ReturnType<Provider['interactionDetails']>>;

/** Stores the result on the interaction and returns where the browser goes next. */
export async function finishInteraction(interaction: Interaction, result: InteractionResults): Promise<string> {
  interaction.result = result;
  // The same lifetime oidc-provider's interactionResult gives it: what is left, by its clock.
  await interaction.save(interaction.exp - Math.floor(Date.now() / 1000));
  return interaction.returnTo;
}
