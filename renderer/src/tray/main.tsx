/** Entry of the tray window. */
import { createRoot } from 'react-dom/client';
import { getBridge } from '../bridge.js';
import { TrayApp } from './TrayApp.js';
import '../styles.css';

createRoot(document.getElementById('root')!).render(<TrayApp bridge={getBridge()} />);
