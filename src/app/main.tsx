import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import './styles.css';
import './test-hooks';
import { startOfflineSupport } from './offline/offline-client';
import { startLaunchQueue } from './offline/launch-queue';

// Offline copy and updates (production builds), and files opened into the installed app.
startOfflineSupport();
startLaunchQueue();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
