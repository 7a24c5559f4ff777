/**
 * Connection strings carry credentials; logs, errors and probe bodies show
 * only scheme, host and port.
 */
export function redactUrl(value: string): string {
  try {
    const url = new URL(value);
    const credentials = url.username !== '' || url.password !== '' ? '***@' : '';
    const rest = url.pathname.replace(/^\/$/, '') !== '' || url.search !== '' ? '/***' : '';
    return `${url.protocol}//${credentials}${url.host}${rest}`;
  } catch {
    return '***';
  }
}

/** Removes `user:password@` from any URL inside free text, such as a driver's error message. */
export function redactText(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/\s@]+@/gi, '$1***@');
}
