/** The run selection shared across pages (Runs table -> Compare). */
export const shared = $state<{ selected: number[] }>({ selected: [] });
