// Copies a value (client key, client secret) to the clipboard, and says so.
import { useToast } from './toast';

async function copyText(value: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(value);
    return true;
  } catch {
    // No clipboard API outside a secure context (plain http on another host than localhost).
    const area = document.createElement('textarea');
    area.value = value;
    area.setAttribute('readonly', '');
    area.className = 'offscreen';
    document.body.append(area);
    area.select();
    const ok = document.execCommand('copy');
    area.remove();
    return ok;
  }
}

export function CopyButton({ value, what }: { value: string; what: string }) {
  const toast = useToast();
  return (
    <button type="button" className="button" onClick={() => {
      void copyText(value).then((ok) => toast.show(ok ? `${what} copied to the clipboard.` : `Could not copy the ${what}: select it and copy it by hand.`, ok ? 'info' : 'error'));
    }}>
      Copy<span className="sr-only"> {what}</span>
    </button>
  );
}
