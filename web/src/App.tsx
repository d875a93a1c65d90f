import { lazy, Suspense, useEffect, useState } from 'react';
import { onAuthRequired } from './lib/api';
import { useRoute } from './router';
import { LoginForm } from './components/LoginForm';
import { Loading } from './components/common';

const Dashboard = lazy(() => import('./pages/Dashboard'));
const Tasks = lazy(() => import('./pages/Tasks'));
const TaskFormPage = lazy(() => import('./pages/TaskFormPage'));
const TaskResults = lazy(() => import('./pages/TaskResults'));
const Logs = lazy(() => import('./pages/Logs'));
const Presets = lazy(() => import('./pages/Presets'));
const Experiments = lazy(() => import('./pages/Experiments'));
const Compare = lazy(() => import('./pages/Compare'));

const NAV = [
  ['#/', 'Dashboard'],
  ['#/tasks', 'Tasks'],
  ['#/tasks/new', 'New task'],
  ['#/experiments', 'Experiments'],
  ['#/presets', 'Presets'],
] as const;

export function App() {
  const route = useRoute();
  const [needLogin, setNeedLogin] = useState(false);
  const [session, setSession] = useState(0);
  useEffect(() => onAuthRequired(() => setNeedLogin(true)), []);

  const [a, b, c] = route.segments;
  let page;
  if (!a) page = <Dashboard />;
  else if (a === 'tasks' && !b) page = <Tasks />;
  else if (a === 'tasks' && b === 'new') page = <TaskFormPage mode={route.query.get('from') ? 'duplicate' : 'new'} sourceId={Number(route.query.get('from')) || null} />;
  else if (a === 'tasks' && c === 'edit') page = <TaskFormPage mode="edit" sourceId={Number(b)} />;
  else if (a === 'tasks' && c === 'logs') page = <Logs taskId={Number(b)} experiment={Number(route.query.get('exp')) || null} />;
  else if (a === 'tasks' && b) page = <TaskResults key={b} taskId={Number(b)} />;
  else if (a === 'experiments') page = <Experiments />;
  else if (a === 'presets') page = <Presets />;
  else if (a === 'compare') page = <Compare key={route.query.toString()} query={route.query} />;
  else page = <div className="empty">Page not found. <a href="#/">Dashboard</a></div>;

  const current = `#${route.path}`;
  return (
    <div className="app">
      <header className="topbar">
        <a className="brand" href="#/">
          autotuner
        </a>
        <nav>
          {NAV.map(([href, label]) => (
            <a key={href} href={href} className={current === href.slice(0) || (href !== '#/' && current.startsWith(href) && !(href === '#/tasks' && current === '#/tasks/new')) ? 'active' : ''}>
              {label}
            </a>
          ))}
        </nav>
      </header>
      <main key={session}>
        <Suspense fallback={<Loading />}>{page}</Suspense>
      </main>
      {needLogin && (
        <LoginForm
          onSuccess={() => {
            setNeedLogin(false);
            setSession((s) => s + 1);
          }}
        />
      )}
    </div>
  );
}
