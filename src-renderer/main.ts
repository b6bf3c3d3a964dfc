/** Renderer entry: pick the transport, apply the saved theme, mount the app. */
import { mount } from 'svelte';
import App from './App.svelte';
import { createClient } from './lib/client';
import { initTheme } from './lib/theme.svelte';
import './styles/app.css';

initTheme();
const target = document.getElementById('app');
if (!target) throw new Error('#app is missing from index.html');
mount(App, { target, props: { client: createClient() } });
