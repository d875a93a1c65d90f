import { useState } from 'react';
import { login } from '../lib/api';

export function LoginForm({ onSuccess }: { onSuccess: () => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  return (
    <div className="login-backdrop">
      <form
        className="card login"
        onSubmit={async (e) => {
          e.preventDefault();
          setBusy(true);
          setError('');
          try {
            await login(token);
            onSuccess();
          } catch (err) {
            setError((err as Error).message || 'login failed');
          } finally {
            setBusy(false);
          }
        }}
      >
        <h2>Sign in</h2>
        <p className="muted">This server requires an access token (autotuner serve --token).</p>
        <label>
          Token
          <input type="password" value={token} onChange={(e) => setToken(e.target.value)} autoFocus aria-label="token" />
        </label>
        {error && <div className="field-error">{error}</div>}
        <button type="submit" className="primary" disabled={busy || !token}>
          Sign in
        </button>
      </form>
    </div>
  );
}
