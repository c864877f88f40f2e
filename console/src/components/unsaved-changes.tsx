// Warns before unsaved changes are lost: the browser's own prompt when the tab closes or
// reloads, the console's dialog when the user navigates inside the console.
import { useEffect, useRef } from 'react';
import { addBlocker } from '../router';
import { useConfirm } from './confirm';

export function useUnsavedChanges(dirty: boolean): void {
  const confirm = useConfirm();
  const dirtyRef = useRef(dirty);
  dirtyRef.current = dirty;

  useEffect(() => {
    if (!dirty) return undefined;
    const beforeUnload = (event: BeforeUnloadEvent) => {
      event.preventDefault();
      event.returnValue = '';
    };
    window.addEventListener('beforeunload', beforeUnload);
    const remove = addBlocker(() => (dirtyRef.current
      ? confirm({
        title: 'Leave without saving?',
        message: <p>You have changes that are not saved. If you leave this page now, they are lost.</p>,
        confirmLabel: 'Leave this page',
        cancelLabel: 'Stay on this page',
        danger: true,
      })
      : Promise.resolve(true)));
    return () => {
      window.removeEventListener('beforeunload', beforeUnload);
      remove();
    };
  }, [dirty, confirm]);
}
