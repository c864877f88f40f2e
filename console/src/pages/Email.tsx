// Email: this organization's sender (SMTP) with "Send test email", its email templates with
// a live preview, and the development outbox while no SMTP server is configured.
import { useCallback, useState } from 'react';
import { Page } from '../components/page';
import { useUnsavedChanges } from '../components/unsaved-changes';
import { SenderSection } from '../features/email/SenderSection';
import { TemplatesSection } from '../features/email/TemplatesSection';
import { OutboxSection } from '../features/email/OutboxSection';
import '../features/shared/admin-pages.css';

export function EmailPage() {
  const [senderDirty, setSenderDirty] = useState(false);
  const [templateDirty, setTemplateDirty] = useState(false);
  // Bumped when something may have changed where mail goes or put a message in the outbox.
  const [outboxVersion, setOutboxVersion] = useState(0);
  useUnsavedChanges(senderDirty || templateDirty);
  const mailChanged = useCallback(() => setOutboxVersion((v) => v + 1), []);

  return (
    <Page title="Email">
      <p className="lead">How Gatehouse sends email (sign-in codes by email) for this organization, and what the emails say.</p>
      <SenderSection onDirty={setSenderDirty} onChanged={mailChanged} />
      <TemplatesSection onDirty={setTemplateDirty} />
      <OutboxSection refresh={outboxVersion} />
    </Page>
  );
}
