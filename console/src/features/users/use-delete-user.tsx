// Deleting a user, from the list or the user's page: a confirmation, the call, a toast.
import { useConfirm } from '../../components/confirm';
import { useToast } from '../../components/toast';
import { messageOf } from '../../api/client';
import { deleteUser, type ScimUser } from './api';

/** Asks, deletes, says so; resolves true when the user was deleted. */
export function useDeleteUser(): (user: ScimUser) => Promise<boolean> {
  const confirm = useConfirm();
  const toast = useToast();
  return async (user) => {
    const ok = await confirm({
      title: `Delete user "${user.userName}"?`,
      message: <p>The account is removed with its authenticator app and backup codes: the user can no longer sign in with it, and every session and token of the user ends. This cannot be undone.</p>,
      confirmLabel: 'Delete user',
      danger: true,
    });
    if (!ok) return false;
    try {
      await deleteUser(user.id);
      toast.show(`User "${user.userName}" deleted.`);
      return true;
    } catch (err) {
      toast.show(`"${user.userName}" was not deleted: ${messageOf(err)}`, 'error');
      return false;
    }
  };
}
