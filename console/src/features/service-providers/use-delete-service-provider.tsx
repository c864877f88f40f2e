// Deleting a service provider, from the list or its edit page: a confirmation, the call, a toast.
import { useConfirm } from '../../components/confirm';
import { useToast } from '../../components/toast';
import { messageOf } from '../../api/client';
import { deleteApplication } from './api';

/** Asks, deletes, says so; resolves true when the service provider was deleted. */
export function useDeleteServiceProvider(): (app: { id: string; name: string }) => Promise<boolean> {
  const confirm = useConfirm();
  const toast = useToast();
  return async (app) => {
    const ok = await confirm({
      title: `Delete service provider "${app.name}"?`,
      message: <p>Users can no longer sign in to this application, and its client key and secret stop working at once. This cannot be undone.</p>,
      confirmLabel: 'Delete',
      danger: true,
    });
    if (!ok) return false;
    try {
      await deleteApplication(app.id);
      toast.show(`Service provider "${app.name}" deleted.`);
      return true;
    } catch (err) {
      toast.show(`"${app.name}" was not deleted: ${messageOf(err)}`, 'error');
      return false;
    }
  };
}
