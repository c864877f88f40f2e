// Confirmation dialogs on the native <dialog> (modal: focus stays inside, Escape cancels,
// focus returns to where it was). `const ok = await confirm({...})`.
import { createContext, useCallback, useContext, useEffect, useRef, useState, type ReactNode } from 'react';

export interface ConfirmOptions {
  title: string;
  message: ReactNode;
  confirmLabel: string;
  cancelLabel?: string;
  /** A destructive action: the confirm button is red and not the default focus. */
  danger?: boolean;
}

type Confirm = (options: ConfirmOptions) => Promise<boolean>;
const ConfirmContext = createContext<Confirm | undefined>(undefined);

interface Open extends ConfirmOptions { resolve(ok: boolean): void }

export function ConfirmProvider({ children }: { children: ReactNode }) {
  const [open, setOpen] = useState<Open | undefined>();
  const dialog = useRef<HTMLDialogElement>(null);
  const cancelButton = useRef<HTMLButtonElement>(null);
  const confirmButton = useRef<HTMLButtonElement>(null);
  const returnFocus = useRef<Element | null>(null);

  const confirm = useCallback<Confirm>((options) => new Promise<boolean>((resolve) => {
    returnFocus.current = document.activeElement;
    setOpen({ ...options, resolve });
  }), []);

  useEffect(() => {
    const element = dialog.current;
    if (!open || !element) return;
    if (!element.open) element.showModal();
    (open.danger ? cancelButton.current : confirmButton.current)?.focus();
  }, [open]);

  const close = (ok: boolean) => {
    dialog.current?.close();
    open?.resolve(ok);
    setOpen(undefined);
    const back = returnFocus.current;
    if (back instanceof HTMLElement && back.isConnected) back.focus();
  };

  return (
    <ConfirmContext.Provider value={confirm}>
      {children}
      <dialog ref={dialog} className="dialog" aria-labelledby="confirm-title" aria-describedby="confirm-message"
        onCancel={(event) => { event.preventDefault(); close(false); }}>
        {open && (
          <form method="dialog" onSubmit={(event) => { event.preventDefault(); close(true); }}>
            <h2 id="confirm-title">{open.title}</h2>
            <div id="confirm-message">{open.message}</div>
            <div className="dialog-actions">
              <button ref={cancelButton} type="button" className="button" onClick={() => close(false)}>{open.cancelLabel ?? 'Cancel'}</button>
              <button ref={confirmButton} type="submit" className={`button ${open.danger ? 'button-danger' : 'button-primary'}`}>{open.confirmLabel}</button>
            </div>
          </form>
        )}
      </dialog>
    </ConfirmContext.Provider>
  );
}

export function useConfirm(): Confirm {
  const confirm = useContext(ConfirmContext);
  if (!confirm) throw new Error('useConfirm outside ConfirmProvider');
  return confirm;
}
