// The "Backup codes" card (only while an authenticator app is active): how many are left,
// and a new set for when the phone is lost. A new set replaces the old one, needs a code
// from the app, and is shown once: the server keeps only their hashes.
import { useEffect, useRef, useState } from 'react';
import { useLoad } from '../api/use-load';
import { CopyButton } from '../components/copy-button';
import { Loading, LoadError } from '../components/page';
import { plural } from '../features/shared/format';
import { CodeForm } from './code-form';
import { getBackupCodes, newBackupCodes } from './api';
import { isLocked, plainProblem } from './problems';

export function BackupCodesCard({ digits, onLocked }: { digits: number; onLocked(): void }) {
  const loaded = useLoad((signal) => getBackupCodes(signal), []);
  const [proving, setProving] = useState(false);
  const [codes, setCodes] = useState<string[] | undefined>();
  const button = useRef<HTMLButtonElement>(null);

  const generate = async (code: string) => {
    try {
      const { backupCodes } = await newBackupCodes(code);
      setCodes(backupCodes);
      setProving(false);
      loaded.reload();
      return undefined;
    } catch (err) {
      if (isLocked(err)) onLocked();
      return plainProblem(err);
    }
  };

  const count = loaded.data?.remainingBackupCodesCount;
  return (
    <section className="card" aria-labelledby="backup-heading">
      <h2 id="backup-heading">Backup codes</h2>
      <p className="muted">If you lose your phone, a backup code lets you sign in instead of a code from the app. Each code works once.</p>
      {loaded.error ? <LoadError message={loaded.error} onRetry={loaded.reload} />
        : count === undefined ? <Loading what="your backup codes" />
        : <p className="status">{count === 0 ? 'You have no backup codes.' : `You have ${plural(count, 'backup code')} left.`}</p>}
      {codes ? <NewCodes codes={codes} onDone={() => { setCodes(undefined); window.requestAnimationFrame(() => button.current?.focus()); }} /> : null}
      {proving ? (
        <div className="card-step">
          <h3>Generate new backup codes</h3>
          <p>The new codes replace all the backup codes you have now.</p>
          <CodeForm label="Code from your current authenticator app" submitLabel="Generate codes" digits={digits} autoFocus
            onCode={generate} onCancel={() => { setProving(false); window.requestAnimationFrame(() => button.current?.focus()); }} />
        </div>
      ) : codes ? null : (
        <div className="form-actions">
          <button ref={button} type="button" className="button" onClick={() => setProving(true)}>Generate new backup codes</button>
        </div>
      )}
    </section>
  );
}

function NewCodes({ codes, onDone }: { codes: string[]; onDone(): void }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  return (
    <div className="card-step">
      <h3 ref={heading} tabIndex={-1}>Your new backup codes</h3>
      <p className="notice">
        Keep these codes somewhere safe, such as a password manager or a sheet of paper at home.
        They are shown only now: once you leave this page, nobody can show them again.
      </p>
      <ul className="backup-codes" aria-label="Backup codes">
        {codes.map((code) => <li key={code}><code>{code}</code></li>)}
      </ul>
      <div className="form-actions">
        <CopyButton value={codes.join('\n')} what="backup codes" />
        <button type="button" className="button" onClick={onDone}>I have saved them</button>
      </div>
    </div>
  );
}
