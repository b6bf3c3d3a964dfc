/// <reference types="svelte" />
declare module '*.svelte' {
  import type { Component } from 'svelte';
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- any component's props: svelte-check types each import itself
  const component: Component<any>;
  export default component;
}
