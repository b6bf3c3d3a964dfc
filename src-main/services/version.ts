/** The app's version, from package.json (recorded with every run). */
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const APP_VERSION: string = require('../../../package.json').version;
