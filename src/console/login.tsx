import { useState } from 'preact/hooks';
import { login } from './rpc.js';
import { inWords } from './words.js';

export function Login({ onDone, notice }: { onDone: () => void; notice?: string }) {
  const [user, setUser] = useState('root');
  const [password, setPassword] = useState('');
  const [error, setError] = useState(notice ?? '');
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      await login(user, password);
      onDone();
    } catch (err) {
      setError(inWords(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="login">
      <form onSubmit={submit} aria-labelledby="login-title">
        <h1 id="login-title">xenkit</h1>
        <p class="muted">Log in to this host's XenAPI service.</p>
        <label for="user">User</label>
        <input id="user" name="user" autocomplete="username" value={user} onInput={(e) => setUser(e.currentTarget.value)} required />
        <label for="password">Password</label>
        <input id="password" name="password" type="password" autocomplete="current-password" value={password} onInput={(e) => setPassword(e.currentTarget.value)} required autofocus />
        {error && <p class="error" role="alert" id="login-error">{error}</p>}
        <button type="submit" disabled={busy}>{busy ? 'Logging in…' : 'Log in'}</button>
      </form>
    </main>
  );
}
