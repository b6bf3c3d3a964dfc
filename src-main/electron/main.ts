/** Entry point of the Electron main process (package.json "main"). Everything is in app.ts. */
import { runApp } from './app';

runApp();
