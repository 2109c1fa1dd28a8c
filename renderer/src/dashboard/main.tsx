/** Entry of the helper's dashboard: token from the URL fragment or the sign-in form, then the dashboard. */
import { useMemo, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { HelperApi, TOKEN_KEY, takeTokenFromFragment } from '../helper-api.js';
import { Dashboard } from './Dashboard.js';
import { Login } from './Login.js';
import '../styles.css';

function App() {
  const [token, setToken] = useState<string | null>(() => {
    const handed = takeTokenFromFragment();
    if (handed) sessionStorage.setItem(TOKEN_KEY, handed);
    return handed ?? sessionStorage.getItem(TOKEN_KEY);
  });
  const api = useMemo(() => (token ? new HelperApi(token) : null), [token]);
  if (!api) {
    return (
      <Login
        onToken={(t) => {
          sessionStorage.setItem(TOKEN_KEY, t);
          setToken(t);
        }}
      />
    );
  }
  return (
    <Dashboard
      api={api}
      onSignOut={() => {
        sessionStorage.removeItem(TOKEN_KEY);
        setToken(null);
      }}
    />
  );
}

createRoot(document.getElementById('root')!).render(<App />);
