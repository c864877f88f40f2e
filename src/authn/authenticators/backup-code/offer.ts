// The offer right after a TOTP enrollment in a sign-in: "Create backup codes" or "Continue
// without". The TOTP step keeps an OfferState in its scratch and hands every post to
// answerOffer until the user continues. The codes stay sealed in the sign-in's scratch
// until then, so the print view can show them again; they are never readable anywhere else.
import type { FormInput, Page, StepContext } from '../../authenticator.js';
import { epochSeconds } from '../../../clock.js';
import { backupCodesAccepted, regenerateBackupCodes, remainingBackupCodes } from './backup-code.service.js';
import { codesPage, offerPage, printPage, type CodesView } from './pages.js';
import { stepWhere } from '../../../audit/sign-in-audit.js';

export interface OfferState {
  /** The codes created in this sign-in, sealed with deps.secrets (the scratch is stored). */
  codes?: string;
  createdAt?: number;
  print?: boolean;
}

/** A new offer when some application of the tenant takes backup codes, else undefined. */
export async function startOffer(ctx: StepContext): Promise<OfferState | undefined> {
  return (await backupCodesAccepted(ctx.deps, ctx.tenant.id)) ? {} : undefined;
}

function view(ctx: StepContext, offer: OfferState): CodesView {
  return {
    codes: JSON.parse(ctx.deps.secrets.open(offer.codes!)) as string[],
    account: ctx.user!.username,
    organization: ctx.tenant.displayName,
    createdAt: offer.createdAt!,
  };
}

/** The page for where the user is in the offer. */
export async function showOffer(ctx: StepContext, offer: OfferState): Promise<Page> {
  if (!offer.codes) return offerPage(await remainingBackupCodes(ctx.deps, ctx.tenant.id, ctx.user!.id));
  return offer.print ? printPage(view(ctx, offer)) : codesPage(view(ctx, offer));
}

/** Handles a post on the offer's pages: the next page, or 'done' when the user continues. */
export async function answerOffer(ctx: StepContext, offer: OfferState, input: FormInput): Promise<Page | 'done'> {
  switch (input.backupCodes) {
    case 'skip':
    case 'continue':
      return 'done';
    case 'create':
      // A repeated post (a double click, a reload) shows the same codes, not a new set.
      if (!offer.codes) {
        const codes = await regenerateBackupCodes(ctx.deps, ctx.tenant.id, ctx.user!.id, 'login', stepWhere(ctx));
        offer.codes = ctx.deps.secrets.seal(JSON.stringify(codes));
        offer.createdAt = epochSeconds(ctx.deps.clock);
      }
      offer.print = false;
      break;
    case 'print':
      offer.print = true;
      break;
    case 'codes':
      offer.print = false;
      break;
  }
  return showOffer(ctx, offer);
}
