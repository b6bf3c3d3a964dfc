/**
 * Stored text (run names, notes, tags, errors, file names) printed to a terminal must not drive it: an ESC
 * sequence in a run name could clear the screen, retitle the window or forge output. Every control character
 * (C0 but tab / newline, DEL, C1) and the bidirectional overrides become a visible \uXXXX escape, which is also
 * a valid JSON escape, so JSON output stays JSON with the same meaning.
 */
const CONTROLS_KEEP_LINES = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
const CONTROLS_ALL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

const escapeChar = (c: string): string => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0');

/** A whole block of output: newlines and tabs stay, every other control character is escaped. */
export function terminalSafe(text: string): string {
  return text.replace(CONTROLS_KEEP_LINES, escapeChar);
}

/** One field inside a line (a name in a table row): newlines and tabs are escaped too. */
export function terminalField(text: string): string {
  return text.replace(CONTROLS_ALL, escapeChar);
}
